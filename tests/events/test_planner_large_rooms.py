"""The planner at scale (events/speed_networking/pairs.py) and the field-based skeletons for
tables (affine.py). Pure Python: no database. Timings live in bench/speed_networking.py."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from itertools import combinations

import pytest

from events.speed_networking.affine import Field, affine_repeat_free, affine_rounds
from events.speed_networking.pairs import _blossom_round, _conflicts, _split_round, free_pairs
from events.speed_networking.planner import PlanRequest, _costs, plan_rounds
from events.speed_networking.tables import Session, table_sizes


def meetings(rounds) -> Counter:
    return Counter(
        (min(a, b), max(a, b)) for rnd in rounds for table in rnd for a, b in combinations(table, 2)
    )


def crowded_room(n: int, rounds: int, seed: int) -> PlanRequest:
    """n people, each with about 30 people met before, n/2 requests, a few colleagues."""
    rng = random.Random(seed)
    people = list(range(1, n + 1))
    history = {frozenset(rng.sample(people, 2)): rng.uniform(0.2, 5) for _ in range(15 * n)}
    companies = {p: i // 2 for i, p in enumerate(rng.sample(people, n // 10))}
    requests = frozenset(tuple(rng.sample(people, 2)) for _ in range(n // 2))
    return PlanRequest(
        people=tuple(people),
        rounds=rounds,
        history=history,
        companies=companies,
        requests=requests,
        seed=seed,
    )


@pytest.mark.parametrize("n", [600, 601])
def test_a_room_of_600_in_pairs_meets_no_one_twice_and_honours_every_request(n) -> None:
    request = crowded_room(n, 12, seed=1)
    plan = plan_rounds(request)
    for rnd in plan.rounds:
        assert sorted(p for table in rnd for p in table) == list(request.people)
        assert sorted(map(len, rnd), reverse=True) == table_sizes(n, 2)  # 601: one trio
    assert plan.repeats == 0
    assert plan.colleague_pairs == 0
    assert plan.requests_honoured == len(request.requests)
    # Only requested pairs who met before meet again: the request outweighs history.
    requested = {frozenset(r) for r in request.requests}
    assert plan.history_repeats == len(requested & set(request.history))
    assert plan == plan_rounds(request)  # deterministic for a seed


@pytest.mark.parametrize("seed", range(8))
def test_a_round_split_into_wishes_and_strangers_is_as_cheap_as_the_full_matching(seed) -> None:
    """The fast round (wished-for pairs by blossom, then pairs costing nothing) costs no more
    than the maximum-weight matching of everybody, whose jitter may cost up to JITTER a pair."""
    rng = random.Random(seed)
    request = crowded_room(rng.choice([40, 60, 80]), 6, seed)
    matches = frozenset(frozenset(rng.sample(request.people, 2)) for _ in range(20))
    request = replace(request, matches=matches)
    people = sorted(request.people)
    costs = _costs(request, set(people), request.rounds)
    session = Session(costs, [[] for _ in range(request.rounds)], 0)
    conflicts = _conflicts(session, people)
    split = 0
    for r in range(request.rounds):
        fast = _split_round(session, r, people, Counter(), conflicts, random.Random(r))
        full = _blossom_round(session, r, people, Counter(), random.Random(r))

        def cost(tables, r=r):
            return sum(session.marginal((a, b), r) for a, b in map(sorted, tables))

        if fast is not None:
            split += 1
            assert sorted(p for t in fast for p in t) == people
            assert cost(fast) <= cost(full)
        session.set_round(r, full)
        for table in full:
            conflicts[table[0]].add(table[1])
            conflicts[table[1]].add(table[0])
    assert split >= 4  # the fast path is the common one, even in rooms of 40


def test_free_pairs_avoids_every_conflict_or_says_it_cannot() -> None:
    people = list(range(10))
    conflicts = {p: {q for q in people if (p + q) % 2 == 0 and q != p} for p in people}
    pairs = free_pairs(people, conflicts, random.Random(0))
    assert sorted(p for pair in pairs for p in pair) == people
    assert all((a + b) % 2 for a, b in pairs)  # an even with an odd number: no conflict
    conflicts[0] = set(people) - {0}  # 0 may sit with nobody
    assert free_pairs(people, conflicts, random.Random(0)) is None


@pytest.mark.parametrize(("n", "k", "rounds"), [(32, 4, 8), (36, 4, 9), (45, 5, 9)])
def test_rooms_the_search_alone_repeated_in_are_repeat_free_now(n, k, rounds) -> None:
    """8 tables of 4 (GF(8)), 9 tables of 4 or 5 (GF(9)): Z_8 and Z_9 gave 4, 3 and 3 repeat-free
    rounds, and the tabu search found 6 or 7, so these evenings repeated meetings and were
    told no plan without repeats was found."""
    plan = plan_rounds(PlanRequest(people=tuple(range(n)), rounds=rounds, table_size=k))
    assert plan.repeats == 0
    assert plan.warnings == []


def test_sixteen_people_in_fours_meet_everybody_once_in_five_rounds() -> None:
    """The affine plane of order 4, AG(2, 4): every pair of the 16 meets exactly once."""
    assert affine_repeat_free(16, 4) == 5
    plan = plan_rounds(PlanRequest(people=tuple(range(16)), rounds=5, table_size=4))
    assert set(meetings(plan.rounds).values()) == {1}
    assert len(meetings(plan.rounds)) == 16 * 15 // 2


@pytest.mark.parametrize("t", [4, 8, 9, 16, 25, 27, 32, 49, 64, 81, 121, 125, 128])
def test_the_prime_power_fields_are_fields(t) -> None:
    field = Field.of(t)
    elements = range(t)
    assert all(sum(field.mul(x, y) == 1 for y in elements) == 1 for x in elements if x)
    assert all(field.add(x, y) == field.add(y, x) for x in elements for y in elements)
    assert all(sorted(field.add(x, y) for y in elements) == list(elements) for x in elements)
    x, y, z = 2, t - 1, t // 2 + 1
    assert field.mul(x, field.add(y, z)) == field.add(field.mul(x, y), field.mul(x, z))


@pytest.mark.parametrize("k", [3, 4, 5, 6])
def test_affine_skeletons_repeat_nobody_for_as_many_rounds_as_promised(k) -> None:
    for n in range(2 * k, 130):
        promised = affine_repeat_free(n, k)
        skeleton = affine_rounds(range(n), max(promised, 1), k)
        if skeleton is None:
            continue
        assert max(meetings(skeleton).values()) == 1, n
        for rnd in skeleton:
            assert sorted(map(len, rnd), reverse=True) == table_sizes(n, k)


def test_an_odd_room_whose_spare_has_met_everyone_goes_to_the_full_matching() -> None:
    """Five people, the one left over (who has sat in a trio least) met all four before: the
    quick round would seat them with two people they met; the full matching decides instead
    (the review of the two-step round: it seated a history pair in the trio)."""
    request = PlanRequest(
        people=(1, 2, 3, 4, 5),
        rounds=1,
        history={frozenset((5, other)): 1.0 for other in (1, 2, 3, 4)},
        seed=3,
    )
    people = sorted(request.people)
    session = Session(_costs(request, set(people), 1), [[]], 0)
    conflicts = _conflicts(session, people)
    trios = Counter({1: 1, 2: 1, 3: 1, 4: 1})  # 5 is the one least often in a trio
    assert _split_round(session, 0, people, trios, conflicts, random.Random(0)) is None
