"""Re-planning after a late change finds the repeat-free rounds when they exist (QA: 9 people
in pairs, 6 rounds, one played, one left and one arrived — the matching repeated a pair and
the page said there was no other choice; events/speed_networking/exact.py)."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

from events.speed_networking.exact import repeat_free_completion
from events.speed_networking.planner import PlanRequest, plan_rounds
from events.speed_networking.tables import Costs, table_sizes

CECIL, EMMA, ERIC, GUILLAUME, JEREMIE, KATIA, LUCAS, LEA, RAMON, STAN = range(1, 11)
ROUND_ONE = ((JEREMIE, LUCAS), (RAMON, LEA, GUILLAUME), (KATIA, ERIC), (CECIL, STAN))
TONIGHT = (CECIL, EMMA, ERIC, GUILLAUME, JEREMIE, KATIA, LUCAS, LEA, RAMON)  # Stan left


def _meetings(rounds) -> Counter:
    return Counter(
        frozenset(pair) for rnd in rounds for table in rnd for pair in combinations(table, 2)
    )


def test_a_replan_after_someone_left_and_someone_arrived_repeats_nobody():
    plan = plan_rounds(
        PlanRequest(
            people=TONIGHT,
            rounds=6,
            table_size=2,
            companies={ERIC: 1, STAN: 1},  # Data.be
            played=(ROUND_ONE,),
        )
    )
    assert plan.repeats == 0
    assert plan.warnings == []
    assert max(_meetings(plan.rounds).values()) == 1
    assert plan.rounds[0] == [tuple(t) for t in ROUND_ONE]  # the round played stays
    for rnd in plan.rounds[1:]:
        assert sorted(p for table in rnd for p in table) == sorted(TONIGHT)
        assert sorted(map(len, rnd), reverse=True) == [3, 2, 2, 2]


def test_the_completion_seats_everybody_once_a_round_and_keeps_colleagues_apart():
    people = list(range(1, 13))
    costs = Costs(4, companies={1: 7, 2: 7, 3: 8, 4: 8})  # 4 rounds: the most for 12 in threes
    played = [[[1, 5, 9], [2, 6, 10], [3, 7, 11], [4, 8, 12]]]
    rounds = repeat_free_completion(costs, people, played, 3)
    assert rounds is not None
    assert len(rounds) == 3
    for rnd in rounds:
        assert sorted(p for table in rnd for p in table) == people
        assert sorted(map(len, rnd)) == sorted(table_sizes(12, 3))
    meetings = _meetings(played + rounds)
    assert max(meetings.values()) == 1
    assert not {frozenset({1, 2}), frozenset({3, 4})} & set(meetings)


def test_no_completion_when_there_is_none_or_the_budget_runs_out():
    # 4 people in pairs meet everybody in 3 rounds: after 2 played, 2 more must repeat.
    played = [[[1, 2], [3, 4]], [[1, 3], [2, 4]]]
    assert repeat_free_completion(Costs(4), [1, 2, 3, 4], played, 2) is None
    assert repeat_free_completion(Costs(3), [1, 2, 3, 4], played, 2) == [[[1, 4], [2, 3]]]
    assert repeat_free_completion(Costs(3), [1, 2, 3, 4], played, 2, budget=0) is None


def test_a_plan_keeps_apart_two_who_met_before_when_an_equally_good_plan_does():
    # QA: the round-by-round matching seated 2 and 3 (met before, no request) in round 3,
    # though a plan honouring the same requests and matches kept every such pair apart.
    history = {
        (160, 2): 1.0, (3, 4): 4.0, (160, 3): 1.966, (2, 3): 1.0, (11, 4): 1.0,
        (11, 7): 0.966, (12, 5): 3.966, (160, 4): 0.966, (11, 3): 3.966, (2, 12): 0.966,
        (4, 5): 6.966, (11, 12): 0.966,
    }  # fmt: skip
    requests = frozenset({(4, 11), (3, 160), (160, 3), (12, 7)})
    plan = plan_rounds(
        PlanRequest(
            people=(2, 3, 4, 5, 7, 11, 12, 160),
            rounds=4,
            seed=27,
            history={frozenset(pair): weight for pair, weight in history.items()},
            companies={5: 11, 7: 5, 12: 7, 11: 2, 3: 9, 4: 10, 2: 1},
            requests=requests,
            matches=frozenset(map(frozenset, [(3, 4), (160, 4), (160, 3), (11, 7)])),
        )
    )
    met_before = set(map(frozenset, history)) - set(map(frozenset, requests))
    assert not met_before & set(_meetings(plan.rounds))
    assert (plan.repeats, plan.requests_honoured, plan.matches_honoured) == (0, 4, 1)
    assert plan.warnings == []
