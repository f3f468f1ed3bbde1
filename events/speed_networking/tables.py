"""The seating engine behind `planner.py`: the cost model, the session being built (who sits
with whom in which round), the greedy table construction and the local searches.

Tables of k >= 3 people are an instance of the **social golfer problem** (CSPLib prob010:
g groups of s golfers for w weeks, no two golfers in the same group twice). Exact solutions
are known only for special sizes (resolvable designs: affine planes, Kirkman's schoolgirls), so
like the usual heuristics (Dotu & Van Hentenryck 2005; Triska & Musliu 2012) we seat each
round greedily, one person at a time where they add the least cost, then run a tabu search
that swaps two people of one round between their tables. When that still repeats a pair and
nothing was played, the planner also tries `affine_rounds` (a repeat-free skeleton for its
first `affine_repeat_free` rounds) with people assigned to seats by `relabel`, and keeps the
better session.

Costs are integers in tiers, so one step of a higher tier outweighs anything the tiers below
add up to in a session of up to a few hundred people: colleagues (1e15 per meeting) >
in-session repeats (1e9 per extra meeting) > history (1100 + up to 1000 by weight + up to
1000 the earlier it is) > requests and matches (bonus up to 1000, larger in earlier rounds).
A pair that met before *and* was requested is honoured, but late: the request decides
whether they meet, history decides when.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

Pair = tuple[int, int]
Change = tuple[Pair, int, int]  # (pair, round index, +1 they now share a table / -1 no longer)

COLLEAGUE = 10**15
REPEAT = 10**9
HISTORY = 1100
HISTORY_WEIGHT = 1000
LATENESS = 1000
MUTUAL, ONE_WAY, MATCH = 900, 600, 300


def key(a: int, b: int) -> Pair:
    """The canonical (smaller, larger) form of an unordered pair."""
    return (a, b) if a < b else (b, a)


def table_sizes(n: int, k: int) -> list[int]:
    """Table sizes for n >= 2 people at tables of k, largest first, every table >= 2 people.

    Pairs (k = 2): n // 2 tables, one trio when n is odd. Tables of k >= 3: ceil(n / k) tables
    as equal as possible (10 people, k = 4 → 4, 3, 3); n ≤ k → a single table of n.
    """
    count = n // 2 if k == 2 else max(1, -(-n // k))
    base, extra = divmod(n, count)
    return [base + 1] * extra + [base] * (count - extra)


@dataclass
class Costs:
    """What a pair sharing tables in given rounds costs (see the module docstring)."""

    rounds: int
    companies: Mapping[int, int] = field(default_factory=dict)
    history: dict[Pair, int] = field(default_factory=dict)  # pair -> 0..HISTORY_WEIGHT
    bonus: dict[Pair, tuple[int, bool]] = field(default_factory=dict)  # pair -> (base, requested)

    def __post_init__(self) -> None:
        # lateness per round (LATENESS in the first, 0 in the last), precomputed because
        # pair_cost runs millions of times in a search.
        last = max(self.rounds - 1, 1)
        self._late = [LATENESS * (self.rounds - 1 - r) // last for r in range(self.rounds)]
        self.partners: dict[int, list[int]] = {}  # who each person has a request/match with
        for a, b in self.bonus:
            self.partners.setdefault(a, []).append(b)
            self.partners.setdefault(b, []).append(a)

    def colleagues(self, a: int, b: int) -> bool:
        company = self.companies.get(a)
        return company is not None and company == self.companies.get(b)

    def pair_cost(self, pair: Pair, rs: Sequence[int]) -> int:
        """Cost of `pair` sharing a table in the rounds `rs` (0-based, any order)."""
        if not rs:
            return 0
        count = len(rs)
        cost = REPEAT * (count - 1)
        company = self.companies.get(pair[0])
        if company is not None and company == self.companies.get(pair[1]):
            cost += COLLEAGUE * count
        weight = self.history.get(pair)
        bonus = self.bonus.get(pair)
        if weight is None and bonus is None:
            return cost
        late = self._late
        if bonus is None:
            return cost + count * (HISTORY + weight) + sum(late[r] for r in rs)
        base, requested = bonus
        if weight is not None and requested:
            return cost + sum(late[r] for r in rs) - base
        if weight is not None:
            cost += count * (HISTORY + weight) + sum(late[r] for r in rs)
        return cost - base * (2 * self.rounds - min(rs)) // (2 * self.rounds)


class Session:
    """All rounds of a session, the ones before `first_free` fixed, plus who met when.

    `rounds[r]` is a list of tables (lists of ids); `meets[pair]` the rounds they shared a
    table in (absent when none); `seat[r][person]` the index of their table in round r.
    """

    def __init__(self, costs: Costs, rounds: list[list[list[int]]], first_free: int) -> None:
        self.costs = costs
        self.first_free = first_free
        self.reset(rounds)

    def reset(self, rounds: list[list[list[int]]]) -> None:
        """Take `rounds` as the seating and recount every meeting."""
        self.rounds = rounds
        self.meets: dict[Pair, list[int]] = {}
        self.seat: list[dict[int, int]] = []
        for r, tables in enumerate(rounds):
            self.seat.append({p: i for i, table in enumerate(tables) for p in table})
            for table in tables:
                self.commit([(key(a, b), r, 1) for a, b in combinations(table, 2)])

    def delta(self, changes: Iterable[Change]) -> int:
        """How much the total cost would change if `changes` were committed."""
        new: dict[Pair, list[int]] = {}
        for pair, r, sign in changes:
            rs = new.get(pair)
            if rs is None:
                rs = new[pair] = list(self.meets.get(pair, ()))
            if sign > 0:
                rs.append(r)
            else:
                rs.remove(r)
        cost = self.costs.pair_cost
        return sum(cost(p, rs) - cost(p, self.meets.get(p, ())) for p, rs in new.items())

    def commit(self, changes: Iterable[Change]) -> None:
        """Record meetings gained (+1) and lost (-1); seating is the caller's business."""
        for pair, r, sign in changes:
            if sign > 0:
                self.meets.setdefault(pair, []).append(r)
            else:
                rs = self.meets[pair]
                rs.remove(r)
                if not rs:
                    del self.meets[pair]

    def marginal(self, pair: Pair, r: int) -> int:
        """Cost of `pair` additionally sharing a table in round r."""
        rs = self.meets.get(pair, [])
        return self.costs.pair_cost(pair, [*rs, r]) - self.costs.pair_cost(pair, rs)

    def join_changes(self, r: int, person: int, table: int) -> list[Change]:
        return [(key(person, x), r, 1) for x in self.rounds[r][table]]

    def join(self, r: int, person: int, table: int) -> None:
        """Seat `person` at an existing table of round r."""
        self.commit(self.join_changes(r, person, table))
        self.rounds[r][table].append(person)
        self.seat[r][person] = table

    def leave(self, r: int, person: int) -> None:
        """Take `person` from their table in round r (the table may become empty)."""
        table = self.rounds[r][self.seat[r].pop(person)]
        table.remove(person)
        self.commit([(key(person, x), r, -1) for x in table])

    def set_round(self, r: int, tables: list[list[int]]) -> None:
        """Seat a whole (empty) round at once."""
        self.rounds[r] = [[] for _ in tables]
        for i, table in enumerate(tables):
            for person in table:
                self.join(r, person, i)

    def compact(self, r: int) -> None:
        """Drop the empty tables of round r."""
        self.rounds[r] = [t for t in self.rounds[r] if t]
        self.seat[r] = {p: i for i, table in enumerate(self.rounds[r]) for p in table}

    def swap_changes(self, r: int, p: int, q: int) -> list[Change]:
        """Changes if p and q (at different tables of round r) exchanged seats."""
        tp, tq = self.rounds[r][self.seat[r][p]], self.rounds[r][self.seat[r][q]]
        changes: list[Change] = []
        for x in tp:
            if x != p:
                changes += [(key(p, x), r, -1), (key(q, x), r, 1)]
        for y in tq:
            if y != q:
                changes += [(key(q, y), r, -1), (key(p, y), r, 1)]
        return changes

    def swap(self, r: int, p: int, q: int) -> None:
        self.commit(self.swap_changes(r, p, q))
        seat = self.seat[r]
        i, j = seat[p], seat[q]
        tables = self.rounds[r]
        tables[i][tables[i].index(p)] = q
        tables[j][tables[j].index(q)] = p
        seat[p], seat[q] = j, i

    def total(self) -> int:
        return sum(self.costs.pair_cost(p, rs) for p, rs in self.meets.items())

    def hot(self, r: int, p: int) -> bool:
        """Whether p's table in round r costs something, or p has an unmet request/match."""
        table = self.rounds[r][self.seat[r][p]]
        for x in table:
            if x != p:
                pair = key(p, x)
                rs = self.meets[pair]
                without = [other for other in rs if other != r]
                if self.costs.pair_cost(pair, rs) > self.costs.pair_cost(pair, without):
                    return True
        return bool(self.unmet_partners(r, p))

    def unmet_partners(self, r: int, p: int) -> list[int]:
        """People seated in round r with whom p has a request or match and never sat."""
        seat = self.seat[r]
        return [
            q for q in self.costs.partners.get(p, ()) if q in seat and key(p, q) not in self.meets
        ]


def greedy_round(session: Session, r: int, people: list[int], k: int, rng: random.Random) -> None:
    """Seat round r one person at a time at the open table where they add the least cost.

    People with requests or matches come first, so a requested person finds the requester
    already seated; ties go to the emptiest table, so early choices stay open.
    """
    sizes = table_sizes(len(people), k)
    session.rounds[r] = [[] for _ in sizes]
    order = people[:]
    rng.shuffle(order)
    wanted = {p for pair in session.costs.bonus for p in pair}
    order.sort(key=lambda p: p not in wanted)
    for person in order:
        best = min(
            (
                sum(session.marginal(key(person, x), r) for x in table),
                len(table) - size,
                i,
            )
            for i, (table, size) in enumerate(zip(session.rounds[r], sizes, strict=True))
            if len(table) < size
        )
        session.join(r, person, best[2])


def improve(session: Session, rng: random.Random, budget: int, sample: int = 60) -> None:
    """Tabu search over the free rounds; leaves `session` at the cheapest seating it saw.

    A move swaps two people of one round between their tables. Colleague conflicts are
    repaired first, each against every candidate while the budget lasts (with each person
    having at most one colleague, some swap always removes one). Then each step takes a
    person in a repeated or colleague pair if any (else a random person whose table costs
    something or who has an unmet request), tries `sample` partners plus the swaps that bring
    a requested person to their table, and makes the best move that is not tabu, even a
    worsening one, so the search climbs out of local minima (Dotu & Van Hentenryck's social
    golfer search works this way). It stops after `budget` evaluations, after STALE_STEPS
    moves without a new best, or when nothing costs anything. Deterministic for a given
    `rng` state.
    """
    free = range(session.first_free, len(session.rounds))
    for r in free:
        for p in sorted(session.seat[r]):
            if budget > 0 and _has_colleague(session, r, p):
                budget -= len(session.seat[r])
                _best_move(session, r, [(p, q) for q in sorted(session.seat[r]) if q != p])
    current = best = session.total()
    snapshot = _snapshot(session)
    tabu: dict[tuple[int, int], int] = {}
    step = stale = 0
    while budget > 0 and stale < STALE_STEPS:
        step += 1
        pick = _pick(session, free, rng)
        if pick is None:
            break
        r, p = pick
        people = sorted(session.seat[r])
        table = session.rounds[r][session.seat[r][p]]
        candidates = people if len(people) <= sample else rng.sample(people, sample)
        moves = [(p, q) for q in candidates if q != p]
        moves += [(x, q) for q in session.unmet_partners(r, p) for x in table if x != p]
        budget -= len(moves)
        move = _tabu_move(session, r, moves, tabu, step, best - current)
        if move is None:
            continue
        d, a, b = move
        session.swap(r, a, b)
        current += d
        tabu[r, a] = tabu[r, b] = step + TENURE + rng.randrange(TENURE)
        stale += 1
        if current < best:
            best, snapshot, stale = current, _snapshot(session), 0
    if current > best:
        session.reset(session.rounds[: session.first_free] + snapshot)


STALE_STEPS = 300  # steps without a new best before giving up
TENURE = 6  # a moved person stays put for 6-11 steps


def _pick(session: Session, free: range, rng: random.Random) -> tuple[int, int] | None:
    """The (round, person) to move next: hard conflicts first, then a costly seat."""
    hard = [
        (r, p)
        for pair, rs in session.meets.items()
        if len(rs) > 1 or session.costs.colleagues(*pair)
        for r in rs
        if r in free
        for p in pair
    ]
    if hard:
        return rng.choice(hard)
    for _ in range(30):
        r = rng.choice(free)
        p = rng.choice(list(session.seat[r]))
        if session.hot(r, p):
            return r, p
    hot = [(r, p) for r in free for p in sorted(session.seat[r]) if session.hot(r, p)]
    return rng.choice(hot) if hot else None


def _tabu_move(
    session: Session,
    r: int,
    moves: list[tuple[int, int]],
    tabu: dict[tuple[int, int], int],
    step: int,
    aspiration: int,
) -> tuple[int, int, int] | None:
    """The best (delta, p, q) swap of round r that is not tabu or beats the best-ever cost
    (delta < aspiration); None when every move is tabu."""
    seat = session.seat[r]
    chosen = None
    for p, q in moves:
        if seat[p] == seat[q]:
            continue
        d = session.delta(session.swap_changes(r, p, q))
        allowed = tabu.get((r, p), 0) < step and tabu.get((r, q), 0) < step
        if (allowed or d < aspiration) and (chosen is None or d < chosen[0]):
            chosen = (d, p, q)
    return chosen


def _snapshot(session: Session) -> list[list[list[int]]]:
    return [
        [t[:] for t in session.rounds[r]] for r in range(session.first_free, len(session.rounds))
    ]


def _has_colleague(session: Session, r: int, p: int) -> bool:
    table = session.rounds[r][session.seat[r][p]]
    return any(x != p and session.costs.colleagues(p, x) for x in table)


def _best_move(session: Session, r: int, moves: list[tuple[int, int]]) -> bool:
    """Apply the most improving of the swaps `moves` in round r, if one improves."""
    seat = session.seat[r]
    best, chosen = 0, None
    for p, q in moves:
        if seat[p] == seat[q]:
            continue
        d = session.delta(session.swap_changes(r, p, q))
        if d < best:
            best, chosen = d, (p, q)
    if chosen:
        session.swap(r, *chosen)
    return chosen is not None


def seat_tables(session: Session, people: list[int], k: int, rng: random.Random) -> None:
    """Fill every free round of `session` with tables of k (>= 3), then improve it."""
    for r in range(session.first_free, len(session.rounds)):
        greedy_round(session, r, people, k, rng)
    free = len(session.rounds) - session.first_free
    improve(session, rng, budget=search_budget(len(people), free))


def rank(session: Session) -> tuple[int, int, int]:
    """Colleague meetings, then repeats, then the total cost: lower is better."""
    colleagues = sum(len(rs) for p, rs in session.meets.items() if session.costs.colleagues(*p))
    repeats = sum(len(rs) - 1 for rs in session.meets.values())
    return colleagues, repeats, session.total()


def search_budget(n: int, rounds: int) -> int:
    """Swap evaluations the local search may spend: a few hundred tabu steps for small rooms,
    bounded so that 200 people x 10 rounds stays within about a second."""
    return min(max(40 * n * rounds, 20_000), 60_000)
