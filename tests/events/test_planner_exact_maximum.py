"""The planner's warning about repeated meetings tells the organiser the truth: "more than this
room can play" only with the true maximum, and never blames their choices (colleagues, played
rounds, late changes) when nothing but the room's size made a pair meet twice. Pure Python,
plus the sentence the run page shows."""

from __future__ import annotations

from itertools import combinations

import pytest

from events.speed_networking import display
from events.speed_networking.bounds import EXACT_MAX_ROUNDS, max_rounds_without_repeats
from events.speed_networking.planner import PlanRequest, plan_rounds
from events.speed_networking.tables import table_sizes


def _partitions(n: int, sizes: list[int]) -> list[list[tuple[int, ...]]]:
    """Every way to seat range(n) at tables of these sizes."""
    out = []

    def seat(left: list[int], sizes_left: list[int], tables: list) -> None:
        if not left:
            out.append(tables)
            return
        first, rest = left[0], left[1:]
        for size in sorted(set(sizes_left)):
            others_left = list(sizes_left)
            others_left.remove(size)
            for others in combinations(rest, size - 1):
                remaining = [p for p in rest if p not in others]
                seat(remaining, others_left, [*tables, (first, *others)])

    seat(list(range(n)), sizes, [])
    return out


def most_rounds_without_repeats(n: int, k: int) -> int:
    """Exhaustive search: the most rounds in which no pair sits together twice. The first
    round is fixed (renaming people turns any round into any other of the same sizes)."""
    masks = []
    for tables in _partitions(n, table_sizes(n, k)):
        mask = 0
        for table in tables:
            for a, b in combinations(table, 2):
                mask |= 1 << (a * n + b)
        masks.append(mask)
    best = 1

    def deeper(depth: int, candidates: list[int]) -> None:
        nonlocal best
        best = max(best, depth)
        if depth + len(candidates) <= best:
            return
        for i, mask in enumerate(candidates):
            deeper(depth + 1, [c for c in candidates[i + 1 :] if not c & mask])

    deeper(1, [m for m in masks if not m & masks[0]])
    return best


@pytest.mark.parametrize("room", sorted(r for r in EXACT_MAX_ROUNDS if r[0] <= 13))
def test_the_most_rounds_without_repeats_is_what_an_exhaustive_search_finds(room):
    n, k = room
    most = most_rounds_without_repeats(n, k)
    assert max_rounds_without_repeats(n, k) == most
    # ...and the planner reaches it: the figure shown is what an evening can get.
    assert plan_rounds(PlanRequest(people=tuple(range(n)), rounds=most, table_size=k)).repeats == 0


def test_seven_strangers_asking_four_rounds_of_pairs_are_told_three_is_the_most():
    plan = plan_rounds(PlanRequest(people=tuple(range(7)), rounds=4))
    assert plan.repeats == 1
    assert plan.warnings == [("repeats_unavoidable", {"rounds": 4, "max": 3, "repeats": 1})]
    text = display.note_text({"code": plan.warnings[0][0], "params": plan.warnings[0][1]}, {})
    assert text == (
        "4 rounds is more than this room can play without anyone meeting twice (3 at most): "
        "1 meeting repeats, as few as possible."
    )
    # Three rounds: nobody meets twice, nothing to warn about.
    assert plan_rounds(PlanRequest(people=tuple(range(7)), rounds=3)).warnings == []


def test_repeats_with_nothing_but_the_room_do_not_blame_the_organiser():
    """Seventeen strangers, thirteen rounds of pairs: within the counting bound, but the
    planner finds fewer (too many people for the exact search); nobody chose anything that
    caused the repeats. (Nine in six rounds, which the matching missed, the exact search finds.)"""
    assert plan_rounds(PlanRequest(people=tuple(range(9)), rounds=6)).repeats == 0
    plan = plan_rounds(PlanRequest(people=tuple(range(17)), rounds=13))
    assert plan.repeats > 0
    [(code, params)] = plan.warnings
    assert code == "repeats_not_found"
    text = display.note_text({"code": code, "params": params}, {})
    assert "no plan was found for 17 people over 13 rounds in which nobody meets twice" in text
    assert "late changes" not in text
    assert "colleagues" not in text


def test_repeats_forced_by_played_rounds_still_say_so():
    """Six people whose three played rounds left two triangles unmet: a 4th round must repeat
    a pair although 5 rounds could have been repeat-free — the played rounds decided."""
    played = (
        ((0, 3), (1, 4), (2, 5)),
        ((0, 4), (1, 5), (2, 3)),
        ((0, 5), (1, 3), (2, 4)),
    )
    plan = plan_rounds(PlanRequest(people=tuple(range(6)), rounds=4, played=played))
    assert plan.repeats > 0
    [(code, params)] = plan.warnings
    assert code == "repeats_not_avoided"
    text = display.note_text({"code": code, "params": params}, {})
    assert "late changes, played rounds or colleagues left no other way" in text
