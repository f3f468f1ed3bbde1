"""The speed-networking round planner (events/speed_networking/planner.py): properties over
random rooms (hypothesis) and worked examples. Pure Python: no database."""

from __future__ import annotations

import random
from collections import Counter
from itertools import combinations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.speed_networking.affine import affine_repeat_free
from events.speed_networking.late_changes import add_person, remove_person
from events.speed_networking.planner import (
    Plan,
    PlanError,
    PlanRequest,
    circle_rounds,
    max_rounds_without_repeats,
    plan_rounds,
    random_plan,
    score_plan,
)
from events.speed_networking.tables import table_sizes


def guaranteed_repeat_free(n: int, k: int) -> int:
    """Rounds the planner promises without a repeat when nothing was played and nobody
    present shares a company (see the planner's module docstring)."""
    if k > 2:
        return max(1, affine_repeat_free(n, k))
    if n % 2 == 0:
        return n - 1
    return 1 if n <= 5 else 2 if n == 7 else (n - 1) // 2


def meetings(rounds) -> Counter:
    return Counter(
        (min(a, b), max(a, b)) for rnd in rounds for table in rnd for a, b in combinations(table, 2)
    )


def colleague_meetings(rounds, companies) -> int:
    return sum(
        c
        for (a, b), c in meetings(rounds).items()
        if a in companies and companies[a] == companies.get(b)
    )


def assert_seated_once(rnd, people) -> None:
    seated = [p for table in rnd for p in table]
    assert sorted(seated) == sorted(people)
    assert all(len(table) >= 2 for table in rnd)


@st.composite
def rooms(draw) -> tuple[PlanRequest, str, list[int]]:
    """A room: 2-60 people, tables of 2-6, 1-10 rounds, some of them played (by a room that
    had some people who left since and lacked some who arrived late), random history,
    companies (none, sparse: companies of 2 covering <= 10% of the room, or heavy: everybody
    in one of 1-4 companies), requests and offer/seek matches. Also returns the people seated
    in the played rounds."""
    n = draw(st.integers(2, 60))
    k = draw(st.integers(2, 6))
    rounds = draw(st.integers(1, 10))
    played_count = draw(st.integers(0, rounds - 1)) if draw(st.booleans()) else 0
    mode = draw(st.sampled_from(["none", "sparse", "heavy"]))
    rng = random.Random(draw(st.integers(0, 2**32)))
    people = rng.sample(range(1, 500), n)
    pairs = list(combinations(people, 2))
    density = draw(st.sampled_from([0, 0.1, 0.5]))
    history = {frozenset(p): rng.uniform(0.1, 9) for p in pairs if rng.random() < density}
    history[frozenset((people[0], 999))] = 1.0  # names someone absent: ignored
    companies: dict[int, int] = {}
    if mode == "sparse" and n >= 20:
        colleagues = rng.sample(people, 2 * (n // 20))
        companies = {p: i // 2 for i, p in enumerate(colleagues)}
    elif mode == "heavy":
        companies = {p: rng.randrange(rng.randint(1, 4)) for p in people}
    requests = frozenset(tuple(rng.sample(people, 2)) for _ in range(rng.randint(0, n)))
    matches = frozenset(frozenset(rng.sample(people, 2)) for _ in range(rng.randint(0, n // 2)))
    then = [p for p in people if rng.random() > 0.1] + [1000 + i for i in range(rng.randint(0, 2))]
    if len(then) < 2:
        then = people
    earlier = random_plan(PlanRequest(people=tuple(then), rounds=played_count or 1, table_size=k))
    played = tuple(tuple(rnd) for rnd in earlier.rounds[:played_count])
    request = PlanRequest(
        people=tuple(people),
        rounds=rounds,
        table_size=k,
        history=history,
        companies=companies,
        requests=requests | {(people[0], 999)},
        matches=matches,
        played=played,
        seed=draw(st.integers(0, 3)),
    )
    return request, mode, then


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rooms(), st.data())
def test_plan_properties(room, data) -> None:
    request, mode, _ = room
    n, k, played = len(request.people), request.table_size, len(request.played)
    plan = plan_rounds(request)

    assert len(plan.rounds) == request.rounds
    assert plan.rounds[:played] == [list(rnd) for rnd in request.played]
    for rnd in plan.rounds[played:]:
        assert_seated_once(rnd, request.people)
        assert sorted(map(len, rnd), reverse=True) == table_sizes(n, k)
    assert (plan.repeats, plan.history_repeats, plan.requests_honoured) == score_plan(
        plan.rounds, request
    )[:3]
    if not request.companies and not played and request.rounds <= guaranteed_repeat_free(n, k):
        assert plan.repeats == 0
    if not played and request.rounds > max_rounds_without_repeats(n, k):
        assert plan.repeats > 0
        assert "repeats_unavoidable" in [code for code, _ in plan.warnings]
    if mode == "sparse":
        assert colleague_meetings(plan.rounds[played:], request.companies) == 0

    # A late arrival, then a departure, from some unplayed round on.
    start = data.draw(st.integers(played + 1, request.rounds + 1), label="from_round")
    later = add_person(plan, 777, from_round=start, request=request)
    assert later.rounds[: start - 1] == plan.rounds[: start - 1]
    for rnd in later.rounds[start - 1 :]:
        assert_seated_once(rnd, [*request.people, 777])
    if mode == "sparse":
        assert colleague_meetings(later.rounds[played:], request.companies) == 0

    if start > request.rounds:
        return
    leaver = data.draw(st.sampled_from(sorted(request.people)), label="leaver")
    gone = remove_person(later, leaver, from_round=start, request=request)
    assert gone.rounds[: start - 1] == plan.rounds[: start - 1]
    for rnd in gone.rounds[start - 1 :]:
        assert_seated_once(rnd, [p for p in [*request.people, 777] if p != leaver])
    if mode == "sparse":
        assert colleague_meetings(gone.rounds[played:], request.companies) == 0


@settings(max_examples=15, deadline=None)
@given(st.integers(2, 40), st.integers(3, 6), st.integers(0, 3))
def test_tables_deterministic_per_seed(n, k, seed) -> None:
    people = tuple(range(100, 100 + n))
    history = {frozenset((p, p + 1)): 1.0 for p in people[::3]}
    request = PlanRequest(people=people, rounds=4, table_size=k, history=history, seed=seed)
    assert plan_rounds(request) == plan_rounds(request)


@pytest.mark.parametrize("n", [2, 4, 10, 40])
def test_circle_method_gives_n_minus_1_rounds_without_repeats(n) -> None:
    plan = plan_rounds(PlanRequest(people=tuple(range(1, n + 1)), rounds=n - 1))
    assert plan.repeats == 0
    assert plan.warnings == []
    assert len(meetings(plan.rounds)) == n * (n - 1) // 2  # everybody met everybody
    for rnd in plan.rounds:
        assert all(len(table) == 2 for table in rnd)


def test_the_circle_schedule_of_an_odd_room_is_repeat_free_as_promised() -> None:
    for n in range(3, 62, 2):
        rounds = guaranteed_repeat_free(n, 2)
        schedule = circle_rounds(list(range(n)), rounds)
        assert max(meetings(schedule).values()) == 1, n
        assert all(sorted(map(len, rnd)) == [2] * (n // 2 - 1) + [3] for rnd in schedule)


def test_odd_room_has_exactly_one_trio_per_round() -> None:
    plan = plan_rounds(PlanRequest(people=tuple(range(7)), rounds=6))
    for rnd in plan.rounds:
        assert sorted(map(len, rnd)) == [2, 2, 3]
    assert plan.repeats == 6 * 5 - 21  # 5 meetings a round, 21 pairs: the minimum


def test_mutual_request_is_honoured_in_round_one_first_table() -> None:
    people = tuple(range(1, 11))
    requests = frozenset({(3, 8), (8, 3), (1, 2)})
    plan = plan_rounds(PlanRequest(people=people, rounds=3, requests=requests))
    assert plan.rounds[0][0] == (3, 8)
    assert (1, 2) in plan.rounds[0]
    assert plan.requests_honoured == 3


def test_mutual_requests_beat_one_way_requests_which_beat_matches() -> None:
    people = (1, 2, 3, 4)
    one_way = frozenset({(1, 2)})
    match = frozenset({frozenset((1, 3))})
    plan = plan_rounds(PlanRequest(people=people, rounds=1, requests=one_way, matches=match))
    assert plan.rounds[0][0] == (1, 2)
    mutual = one_way | {(1, 3), (3, 1)}
    plan = plan_rounds(PlanRequest(people=people, rounds=1, requests=mutual))
    assert plan.rounds[0][0] == (1, 3)
    plan = plan_rounds(PlanRequest(people=people, rounds=2, requests=mutual, matches=match))
    assert plan.rounds[1][0] == (1, 2)  # the one-way request comes next round
    assert (plan.requests_honoured, plan.matches_honoured) == (3, 1)


def test_a_pair_who_met_before_meet_never_when_others_are_available() -> None:
    history = {frozenset((1, 2)): 3.0}
    plan = plan_rounds(PlanRequest(people=tuple(range(1, 11)), rounds=5, history=history))
    assert (1, 2) not in meetings(plan.rounds)
    assert plan.history_repeats == 0


def test_a_pair_who_met_before_meet_last_when_everybody_must_meet() -> None:
    history = {frozenset((1, 2)): 3.0}
    plan = plan_rounds(PlanRequest(people=(1, 2, 3, 4), rounds=3, history=history))
    assert plan.repeats == 0
    assert (1, 2) in plan.rounds[-1]
    assert plan.history_repeats == 1


@pytest.mark.parametrize("k", [2, 3, 4])
def test_colleagues_never_share_a_table(k) -> None:
    companies = {p: p // 2 for p in range(10)}  # 0-1, 2-3, ... 8-9 are colleagues
    plan = plan_rounds(
        PlanRequest(people=tuple(range(20)), rounds=8, table_size=k, companies=companies)
    )
    assert plan.colleague_pairs == 0
    assert colleague_meetings(plan.rounds, companies) == 0


def test_everybody_in_one_company_still_gets_a_plan_with_a_warning() -> None:
    plan = plan_rounds(
        PlanRequest(people=tuple(range(6)), rounds=2, companies=dict.fromkeys(range(6), 1))
    )
    assert plan.colleague_pairs == 6
    assert ("colleagues_unavoidable", {"pairs": 6}) in plan.warnings


def test_more_rounds_than_possible_warns_and_repeats_minimally() -> None:
    plan = plan_rounds(PlanRequest(people=tuple(range(6)), rounds=8))
    assert plan.repeats == (8 - 5) * 3  # each round beyond n - 1 = 5 repeats 3 pairs: minimal
    assert ("repeats_unavoidable", {"rounds": 8, "max": 5, "repeats": 9}) in plan.warnings


def test_more_rounds_than_possible_with_history_still_repeats_minimally() -> None:
    history = {frozenset(p): 1.0 for p in combinations(range(0, 8, 2), 2)}
    plan = plan_rounds(PlanRequest(people=tuple(range(8)), rounds=9, history=history))
    assert plan.repeats == (9 - 7) * 4


def test_one_table_when_the_room_is_smaller_than_a_table() -> None:
    plan = plan_rounds(PlanRequest(people=(1, 2, 3), rounds=1, table_size=5))
    assert plan.rounds == [[(1, 2, 3)]]
    assert ("one_table", {"count": 3, "table_size": 5}) in plan.warnings


def test_ten_people_at_tables_of_four_sit_four_three_three() -> None:
    plan = plan_rounds(PlanRequest(people=tuple(range(10)), rounds=3, table_size=4))
    assert all(sorted(map(len, rnd)) == [3, 3, 4] for rnd in plan.rounds)
    # Any 4 people include two who shared one of 3 tables the round before.
    assert max_rounds_without_repeats(10, 4) == 1
    assert [code for code, _ in plan.warnings] == ["repeats_unavoidable"]


def test_sixteen_people_at_tables_of_four_never_meet_twice_in_three_rounds() -> None:
    plan = plan_rounds(PlanRequest(people=tuple(range(16)), rounds=3, table_size=4))
    assert plan.repeats == 0


def test_the_affine_plane_seats_nine_people_in_threes_for_four_rounds() -> None:
    plan = plan_rounds(PlanRequest(people=tuple(range(9)), rounds=4, table_size=3))
    assert plan.repeats == 0  # Kirkman-style: every pair meets exactly once
    assert len(meetings(plan.rounds)) == 36


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"people": (1,)}, "too_few_people"),
        ({"people": ()}, "too_few_people"),
        ({"table_size": 7}, "bad_table_size"),
        ({"table_size": 1}, "bad_table_size"),
        ({"rounds": 0}, "bad_rounds"),
        ({"people": (1, 2, 2)}, "duplicate_people"),
        ({"played": (((1, 2),), ((1, 2),))}, "too_many_played"),
    ],
)
def test_impossible_requests_raise_plan_error(changes, code) -> None:
    request = PlanRequest(**{"people": (1, 2, 3), "rounds": 1, **changes})
    with pytest.raises(PlanError) as raised:
        plan_rounds(request)
    assert raised.value.code == code
    assert isinstance(raised.value, ValueError)


def test_unknown_people_in_history_requests_and_matches_are_ignored() -> None:
    request = PlanRequest(
        people=(1, 2, 3, 4),
        rounds=2,
        history={frozenset((1, 50)): 2.0},
        requests=frozenset({(1, 60)}),
        matches=frozenset({frozenset((2, 70))}),
        companies={80: 1, 81: 1},
    )
    plan = plan_rounds(request)
    assert (plan.history_repeats, plan.requests_honoured, plan.matches_honoured) == (0, 0, 0)
    assert plan.warnings == []


def test_played_rounds_never_change_and_late_arrivals_join_the_rest() -> None:
    played = (((1, 2), (3, 4)),)
    plan = plan_rounds(PlanRequest(people=(1, 2, 3, 4, 5, 6), rounds=3, played=played))
    assert plan.rounds[0] == [(1, 2), (3, 4)]
    assert all(sorted(p for t in rnd for p in t) == [1, 2, 3, 4, 5, 6] for rnd in plan.rounds[1:])
    assert plan.repeats == 0


def test_a_departure_leaves_a_trio_or_re_pairs_the_partner() -> None:
    request = PlanRequest(people=tuple(range(1, 9)), rounds=4)
    plan = plan_rounds(request)
    gone = remove_person(plan, 1, from_round=2, request=request)
    assert gone.rounds[0] == plan.rounds[0]
    for rnd in gone.rounds[1:]:
        assert sorted(map(len, rnd)) == [2, 2, 3]  # the partner joined a pair
        assert 1 not in {p for t in rnd for p in t}
    back = add_person(gone, 1, from_round=3, request=request)
    for rnd in back.rounds[2:]:
        assert sorted(map(len, rnd)) == [2, 2, 2, 2]  # the trio gave up someone to pair with
    with pytest.raises(PlanError) as raised:
        add_person(back, 2, from_round=3, request=request)
    assert raised.value.code == "already_seated"
    with pytest.raises(PlanError) as raised:
        remove_person(plan, 1, from_round=9, request=request)
    assert raised.value.code == "bad_from_round"


def test_a_departure_that_would_leave_someone_alone_is_refused() -> None:
    request = PlanRequest(people=(1, 2), rounds=2)
    plan = plan_rounds(request)
    with pytest.raises(PlanError) as raised:
        remove_person(plan, 1, from_round=2, request=request)
    assert raised.value.code == "too_few_people"


def test_late_changes_at_tables_keep_sizes_balanced() -> None:
    request = PlanRequest(people=tuple(range(12)), rounds=3, table_size=4)
    plan = plan_rounds(request)
    arrived = add_person(plan, 50, from_round=1, request=request)
    for rnd in arrived.rounds:  # 13 ideally sit 4, 3, 3, 3: one move gets closest
        assert sorted(map(len, rnd)) == [2, 3, 4, 4]
    gone = remove_person(plan, 0, from_round=2, request=request)
    for rnd in gone.rounds[1:]:
        assert sorted(map(len, rnd)) == [3, 4, 4]


def test_random_plan_is_seeded_and_scored_the_same_way() -> None:
    request = PlanRequest(people=tuple(range(12)), rounds=3, table_size=3, seed=5)
    first = random_plan(request)
    assert first == random_plan(request)
    assert isinstance(first, Plan)
    assert (first.repeats, first.history_repeats) == score_plan(first.rounds, request)[:2]


def test_max_rounds_without_repeats() -> None:
    assert [max_rounds_without_repeats(n) for n in (0, 1, 2, 3, 4, 5, 7, 9)] == [
        0,
        0,
        1,
        1,
        3,
        1,
        3,  # the count allows 4: see test_planner_exact_maximum.py
        6,
    ]
    assert max_rounds_without_repeats(9, 3) == 4  # (9 - 1) / (3 - 1): reached, see above
    assert max_rounds_without_repeats(4, 6) == 1


def realistic_room(seed: int = 11) -> PlanRequest:
    """40 people, 6 rounds, half of the pairs met before, 10% colleagues, 20 requests."""
    rng = random.Random(seed)
    people = list(range(1, 41))
    pairs = list(combinations(people, 2))
    history = {frozenset(p): rng.uniform(0.2, 5) for p in rng.sample(pairs, len(pairs) // 2)}
    companies = {p: 100 + i // 2 for i, p in enumerate(rng.sample(people, 4))}
    requests: set[tuple[int, int]] = set()
    while len(requests) < 20:
        requests.add(tuple(rng.sample(people, 2)))
    return PlanRequest(
        people=tuple(people),
        rounds=6,
        history=history,
        companies=companies,
        requests=frozenset(requests),
        seed=seed,
    )


def test_realistic_evening_beats_a_random_plan() -> None:
    request = realistic_room()
    ours, baseline = plan_rounds(request), random_plan(request)
    assert ours.repeats == 0
    assert ours.colleague_pairs == 0
    assert ours.history_repeats < baseline.history_repeats
    assert ours.requests_honoured > baseline.requests_honoured
    assert ours.warnings == []
