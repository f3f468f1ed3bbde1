"""Rounds of pairs (one trio when the number is odd): the cheapest seating round by round.

A round's cost is what seating each pair together costs in that round (history, repeats,
colleagues, wishes; random jitter breaks ties), and each round takes a cheapest set of pairs.
Only wished-for pairs (requests, offer/seek matches) can cost less than nothing, so a round
is planned in two steps (`_split_round`): a maximum-weight matching of the wished-for pairs
alone (Edmonds' blossom, ``networkx.max_weight_matching``, per connected component: a few
people each), then everybody else paired with somebody they would cost nothing with (no
history, no wish, not met this session, not a colleague) by `free_pairs`. When the second
step succeeds the round is as cheap as any round can be: no pairing can gain more from
wishes than the first step, nor cost less than nothing elsewhere. That is the case in any
room where most people are strangers to each other, and takes milliseconds for 1,000
people. Otherwise (a small room, dense history, many colleagues, late rounds) the round is
a max-cardinality, max-weight matching on the graph of everyone present, whose edge weight
is BIG minus the pair's cost (`_blossom_round`): above SPARSE_ABOVE people only each
person's NEIGHBOURS cheapest partners and every wished-for pair are edges (falling back to
the full graph when that is not matchable). Pure-Python blossom is O(n³): seconds a round
for 1,000 people even sparse (about 33 s for 12 rounds), which is why it is the fallback.

An odd room leaves one person over, who joins the pair where they cost least: in the first
way the one least often in a trio so far, in the full matching whoever a GHOST vertex takes
(its edges cost TRIO_TURN per earlier trio), so the role rotates. The local search of
tables.py then improves the whole session.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from itertools import chain, combinations

import networkx as nx

from .tables import Costs, Session, improve, key, search_budget

GHOST = "ghost"  # the extra vertex of an odd matching; never a person id (those are ints)
SPARSE_ABOVE = 40
NEIGHBOURS = 10
BIG = 10**17  # above any single edge cost, so every weight stays positive
JITTER = 50  # random tie-breaking, far below one history step
TRIO_TURN = 500  # cost of sitting in the trio again, so the role rotates
PROBES = 8  # random partners tried before scanning everyone still free

Rounds = list[list[list[int]]]
Conflicts = dict[int, set[int]]


def matching_session(
    costs: Costs, people: list[int], played: Rounds, rng: random.Random
) -> Session:
    free = costs.rounds - len(played)
    session = Session(costs, played + [[] for _ in range(free)], len(played))
    trios: Counter[int] = Counter()
    conflicts = _conflicts(session, people)
    for r in range(len(played), costs.rounds):
        tables = _split_round(session, r, people, trios, conflicts, rng)
        if tables is None:
            tables = _blossom_round(session, r, people, trios, rng)
        session.set_round(r, tables)
        for table in tables:
            for a, b in combinations(table, 2):
                conflicts[a].add(b)
                conflicts[b].add(a)
    improve(session, rng, search_budget(len(people), free))
    return session


def _conflicts(session: Session, people: list[int]) -> Conflicts:
    """Everybody each person would cost something with: history, wishes, meetings so far,
    colleagues."""
    present = set(people)
    conflicts: Conflicts = {p: set() for p in people}
    costs = session.costs
    for a, b in chain(costs.history, costs.bonus, session.meets):
        if a in present and b in present:
            conflicts[a].add(b)
            conflicts[b].add(a)
    companies: dict[int, list[int]] = defaultdict(list)
    for p in people:
        if p in costs.companies:
            companies[costs.companies[p]].append(p)
    for colleagues in companies.values():
        for p in colleagues:
            conflicts[p].update(q for q in colleagues if q != p)
    return conflicts


def _split_round(
    session: Session,
    r: int,
    people: list[int],
    trios: Counter[int],
    conflicts: Conflicts,
    rng: random.Random,
) -> list[list[int]] | None:
    """Round r as wished-for pairs plus pairs who cost nothing (see the module docstring);
    None when the people left over cannot all be paired at no cost."""
    if len(people) < 4:
        return [list(people)]
    present = set(people)
    wished = nx.Graph()
    for pair in sorted(session.costs.bonus):
        if pair[0] in present and pair[1] in present:
            cost = session.marginal(pair, r) + rng.randrange(JITTER)
            if cost < 0:
                wished.add_edge(*pair, weight=-cost)
    tables: list[list[int]] = []
    for component in sorted(map(sorted, nx.connected_components(wished))):
        if len(component) <= 3:  # one pair at most: the dearest (most wished-for) one
            edges = wished.subgraph(component).edges(data="weight")
            tables.append(sorted(max(edges, key=lambda e: (e[2], e[:2]))[:2]))
        else:
            mate = nx.max_weight_matching(wished.subgraph(component))
            tables += sorted(sorted(pair) for pair in mate)
    seated = {p for table in tables for p in table}
    rest = [p for p in people if p not in seated]
    spare = None
    if len(rest) % 2:
        rng.shuffle(rest)
        spare = min(rest, key=trios.__getitem__)  # the least often in a trio so far
        rest.remove(spare)
    pairs = free_pairs(rest, conflicts, rng)
    if pairs is None:
        return None
    tables += pairs
    if spare is not None:  # joins the cheapest pair; jitter, so not always the same pair

        def joining(table: list[int]) -> int:
            return session.marginal(key(spare, table[0]), r) + session.marginal(
                key(spare, table[1]), r
            )

        best = min(tables, key=lambda t: joining(t) + rng.randrange(JITTER))
        if joining(best) > 0:
            # Every pair would seat them with someone they met or work with: not the cheapest
            # round there is, so the full matching (and its ghost) decides.
            return None
        best.append(spare)
        trios[spare] += 1
    return tables


def free_pairs(people: list[int], conflicts: Conflicts, rng: random.Random) -> Rounds | None:
    """Pairs covering `people` (an even number) with no pair in `conflicts`, or None.

    The most constrained person first takes a random free partner; two people left without
    one (each conflicts with everyone still free) are fitted in by breaking up a pair (u, v
    and x, y become u, x and v, y), which in a room of mostly strangers always works."""
    pool = people[:]
    rng.shuffle(pool)
    where = {p: i for i, p in enumerate(pool)}

    def take(p: int) -> None:
        i, last = where.pop(p), pool.pop()
        if last != p:
            pool[i], where[last] = last, i

    order = sorted(pool, key=lambda p: -len(conflicts[p]))
    pairs: Rounds = []
    left: list[int] = []
    for p in order:
        if p not in where:
            continue
        take(p)
        q = _partner(pool, conflicts[p], rng)
        if q is None:
            left.append(p)
        else:
            take(q)
            pairs.append([p, q])
    while left:
        u, v = left.pop(), left.pop()
        if not _fit(u, v, pairs, conflicts, rng):
            return None
    return pairs


def _partner(pool: list[int], avoid: set[int], rng: random.Random) -> int | None:
    """Someone in `pool` not in `avoid`: a few random tries, then a scan."""
    if not pool:
        return None
    for _ in range(PROBES):
        q = pool[rng.randrange(len(pool))]
        if q not in avoid:
            return q
    return next((q for q in pool if q not in avoid), None)


def _fit(u: int, v: int, pairs: Rounds, conflicts: Conflicts, rng: random.Random) -> bool:
    """Seat u and v by breaking up one pair (x, y) into (u, x) and (v, y)."""
    start = rng.randrange(len(pairs)) if pairs else 0
    for i in chain(range(start, len(pairs)), range(start)):
        for x, y in (pairs[i], pairs[i][::-1]):
            if x not in conflicts[u] and y not in conflicts[v]:
                pairs[i] = [u, x]
                pairs.append([v, y])
                return True
    return False


def _blossom_round(
    session: Session, r: int, people: list[int], trios: Counter[int], rng: random.Random
) -> list[list[int]]:
    """One round of pairs (one trio if odd) by maximum-weight matching on everybody."""
    cost = {
        (a, b): session.marginal((a, b), r) + rng.randrange(JITTER)
        for a, b in combinations(people, 2)  # people are sorted, so (a, b) is the key
    }
    mate = _matching(cost, people, trios, sparse=len(people) > SPARSE_ABOVE)
    if mate is None:
        mate = _matching(cost, people, trios, sparse=False)
    # sorted: iterating a set holding the GHOST string varies with PYTHONHASHSEED
    tables = sorted(sorted(pair) for pair in mate if GHOST not in pair)
    spare = [p for pair in mate if GHOST in pair for p in pair if p != GHOST]
    if spare:
        x = spare[0]
        best = min(tables, key=lambda t: cost[key(x, t[0])] + cost[key(x, t[1])])
        best.append(x)
        trios[x] += 1
    return tables


def _matching(
    cost: dict[tuple[int, int], int], people: list[int], trios: Counter[int], *, sparse: bool
) -> set | None:
    """Max-cardinality max-weight matching; None when the sparse graph is not matchable."""
    edges: set[tuple[int, int]] = set(cost)
    if sparse:
        edges = {pair for pair, c in cost.items() if c < 0}  # requests and matches
        near: dict[int, list[tuple[int, int]]] = {p: [] for p in people}
        for (a, b), c in cost.items():
            near[a].append((c, b))
            near[b].append((c, a))
        for a, options in near.items():
            edges.update(key(a, b) for _, b in sorted(options)[:NEIGHBOURS])
    graph = nx.Graph()
    graph.add_weighted_edges_from((a, b, BIG - cost[a, b]) for a, b in sorted(edges))
    if len(people) % 2:
        graph.add_weighted_edges_from((GHOST, p, BIG - TRIO_TURN * trios[p]) for p in people)
    mate = nx.max_weight_matching(graph, maxcardinality=True)
    return mate if len(mate) == (len(people) + 1) // 2 else None
