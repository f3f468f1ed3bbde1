"""Rounds of pairs (one trio when the number is odd) by maximum-weight matching.

Each free round is a max-cardinality, max-weight matching on the graph of everyone present,
where an edge's weight is BIG minus what seating the two together costs in that round
(history, repeats, colleagues, wishes; random jitter breaks ties). Above SPARSE_ABOVE people
only each person's NEIGHBOURS cheapest partners and every wished-for pair are edges (falling
back to the full graph when that is not matchable). An odd room gets a GHOST vertex; the
person matched to it joins the table where they cost least, and sitting in the trio again
costs TRIO_TURN, so the role rotates. The local search of tables.py then improves the whole.
"""

from __future__ import annotations

import random
from collections import Counter
from itertools import combinations

import networkx as nx

from .tables import Costs, Session, improve, key, search_budget

GHOST = "ghost"  # the extra vertex of an odd matching; never a person id (those are ints)
SPARSE_ABOVE = 40
NEIGHBOURS = 10
BIG = 10**17  # above any single edge cost, so every weight stays positive
JITTER = 50  # random tie-breaking, far below one history step
TRIO_TURN = 500  # cost of sitting in the trio again, so the role rotates

Rounds = list[list[list[int]]]


def matching_session(
    costs: Costs, people: list[int], played: Rounds, rng: random.Random
) -> Session:
    free = costs.rounds - len(played)
    session = Session(costs, played + [[] for _ in range(free)], len(played))
    trios: Counter[int] = Counter()
    for r in range(len(played), costs.rounds):
        session.set_round(r, _match_round(session, r, people, trios, rng))
    improve(session, rng, search_budget(len(people), free))
    return session


def _match_round(
    session: Session, r: int, people: list[int], trios: Counter[int], rng: random.Random
) -> list[list[int]]:
    """One round of pairs (one trio if odd) by maximum-weight matching; see module doc."""
    if len(people) < 4:
        return [list(people)]
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
