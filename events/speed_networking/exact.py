"""An exact search for the rounds still to play when the heuristics leave a repeat.

The planner's searches (pairs.py, tables.py) build rounds one after the other and then polish
them; after a late change in a small room they can corner the last rounds into a repeat that
another seating of the earlier unplayed rounds avoids (9 people in pairs, 6 rounds, one
played: the matching left one repeat, a repeat-free completion existed). When nothing was
played the planner has repeat-free skeletons to fall back on (circle, affine); once rounds are
played it has none, so for rooms of up to `EXACT_PEOPLE` it asks this depth-first search.

The search seats the free rounds one by one, and each round table by table: the person with
the fewest partners left first, their companions among the people they may still meet
(never met tonight, not a colleague), the cheapest pairs first (`Costs.pair_cost`: history
avoided, requests early). A round is kept only if everybody can still find new partners for
the rounds after it. It is exhaustive within its budget — every person tried at a table, and
everybody's partners for every round completed, count — deterministic, and returns the first
completion it finds or None. The budget holds a search with no answer to about 0.4 s here
(re-plans of 6-16 people, `bench/speed_networking.py` (c)): the planner runs it under the
event's lock, so check-ins wait that long at most. The planner keeps the better of the two
plans, so the search can only remove repeats, never add any.

The same search, told to avoid the pairs who met before and did not ask to meet again, also
improves a plan without repeats that seats such a pair (`without_met_before`, a quarter of the
budget); the planner takes its plan only if it is cheaper and no worse in anything it scores.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from itertools import combinations

from .tables import Costs, Session, improve, key, rank, search_budget, table_sizes

EXACT_PEOPLE = 16
BUDGET = 200_000
HISTORY_BUDGET = BUDGET // 4  # `without_met_before`: an improvement, not a rescue

Rounds = list[list[list[int]]]


class _Spent(Exception):
    """The budget ran out."""


def repeat_free_completion(
    costs: Costs,
    people: list[int],
    played: Rounds,
    k: int,
    budget: int = BUDGET,
    avoid: frozenset[tuple[int, int]] = frozenset(),
) -> Rounds | None:
    """The free rounds (`costs.rounds - len(played)`) for `people` at tables of `k`, nobody
    meeting anyone twice over the played and free rounds, no colleagues together and no pair
    of `avoid` at a table; None if there is none or the budget ran out before one was found."""
    if costs.rounds <= len(played) or len(people) > EXACT_PEOPLE:
        return None
    sizes = table_sizes(len(people), k)
    order = sorted(people)
    met = {key(a, b) for rnd in played for t in rnd for a, b in combinations(t, 2)}
    may_meet = {
        p: {
            q
            for q in people
            if q != p and key(p, q) not in met | avoid and not costs.colleagues(p, q)
        }
        for p in people
    }
    left = [budget]

    per_round = sum(s * (s - 1) // 2 for s in sizes)

    def rounds_from(r: int, may: dict[int, set[int]]) -> Rounds | None:
        if r == costs.rounds:
            return []
        # Each person meets at least (smallest table - 1) new people in every round to come,
        # and each round to come takes `per_round` of the pairs who may still meet.
        later = costs.rounds - r - 1
        need = later * (min(sizes) - 1)
        for tables in _round_tables(r, order, list(sizes), may, left):
            left[0] -= len(may)  # copying and checking everybody's partners costs as much
            after = {p: set(q) for p, q in may.items()}
            for table in tables:
                for a, b in combinations(table, 2):
                    after[a].discard(b)
                    after[b].discard(a)
            if any(len(qs) < need for qs in after.values()):
                continue
            if sum(map(len, after.values())) // 2 < later * per_round:
                continue
            rest = rounds_from(r + 1, after)
            if rest is not None:
                return [tables, *rest]
        return None

    def _round_tables(
        r: int, remaining: list[int], sizes_left: list[int], may: dict[int, set[int]], left
    ) -> Iterator[list[list[int]]]:
        if not remaining:
            yield []
            return
        here = set(remaining)
        person = min(remaining, key=lambda p: (len(may[p] & here), p))
        partners = sorted(
            may[person] & here,
            key=lambda q: (costs.pair_cost(key(person, q), [r]), len(may[q] & here), q),
        )
        for size in sorted(set(sizes_left), reverse=True):
            for companions in _cliques(partners, size - 1, may, left):
                table = [person, *companions]
                others = [p for p in remaining if p not in table]
                sizes_rest = list(sizes_left)
                sizes_rest.remove(size)
                for tables in _round_tables(r, others, sizes_rest, may, left):
                    yield [table, *tables]

    try:
        return rounds_from(len(played), may_meet)
    except _Spent:
        return None


def _cliques(
    candidates: list[int], need: int, may: dict[int, set[int]], left: list[int]
) -> Iterator[list[int]]:
    """`need` of `candidates` (in their order) who may all still meet one another, built one
    person at a time; every person tried spends one unit of the budget."""
    if need == 0:
        yield []
        return
    for i, person in enumerate(candidates):
        left[0] -= 1
        if left[0] < 0:
            raise _Spent
        rest = [q for q in candidates[i + 1 :] if q in may[person]]
        if len(rest) >= need - 1:
            for tail in _cliques(rest, need - 1, may, left):
                yield [person, *tail]


def with_fewer_repeats(
    rounds: Rounds, costs: Costs, people: list[int], played: Rounds, k: int, rng: random.Random
) -> Rounds:
    """`rounds`, or, when they repeat a pair in a room of up to EXACT_PEOPLE, the exact
    search's repeat-free completion of the free rounds (polished like the others) if it ranks
    better."""
    session = Session(costs, rounds, len(played))
    before = [[list(t) for t in rnd] for rnd in played]
    if len(people) > EXACT_PEOPLE or rank(session)[1] == rank(Session(costs, before, 0))[1]:
        return rounds  # no repeat but those of the rounds played
    found = repeat_free_completion(costs, people, played, k)
    if found is None:
        return rounds
    other = Session(costs, before + found, len(played))
    improve(other, rng, search_budget(len(people), len(found)))
    return min(session, other, key=rank).rounds


def without_met_before(
    rounds: Rounds, costs: Costs, people: list[int], played: Rounds, k: int, rng: random.Random
) -> Rounds | None:
    """When the free rounds of `rounds` seat a pair who met before and did not ask to meet
    again, in a room of up to EXACT_PEOPLE: the exact search's completion that seats no such
    pair (and repeats nobody), polished like the others, if it ranks better; else None.

    The matching and the tabu search build rounds one after the other, so the first rounds
    can take the partners a person would need later (8 people whose history leaves some of
    them exactly four strangers: the greedy rounds seated two who had met, a plan honouring
    the same requests without them existed). Its own budget, HISTORY_BUDGET, keeps a search
    with no answer to about 0.1 s."""
    if len(people) > EXACT_PEOPLE:
        return None
    stale = frozenset(pair for pair in costs.history if not costs.bonus.get(pair, (0, False))[1])
    session = Session(costs, rounds, len(played))
    free = range(len(played), costs.rounds)
    if not any(r in free for pair in stale for r in session.meets.get(pair, ())):
        return None
    found = repeat_free_completion(costs, people, played, k, HISTORY_BUDGET, avoid=stale)
    if found is None:
        return None
    before = [[list(t) for t in rnd] for rnd in played]
    other = Session(costs, before + found, len(played))
    improve(other, rng, search_budget(len(people), len(found)))
    return other.rounds if rank(other) < rank(session) else None
