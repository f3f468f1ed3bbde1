"""How many rounds a room can play before someone meets a person twice: proven upper bounds,
exact for some rooms (planner.py warns the organiser when a plan must repeat meetings)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from itertools import combinations
from typing import TYPE_CHECKING

from .tables import key, table_sizes

if TYPE_CHECKING:
    from .planner import PlanRequest

# The most rounds without a repeat for rooms where the counting bound of
# `max_rounds_without_repeats` cannot be reached: (people, table size) -> rounds. Found by
# exhaustive search (tests/events/test_planner_exact_maximum.py searches them again): 7 people in
# pairs (3, 2, 2) — the count allows 4, yet 3 is the most. 36 in sixes: a 4th round would make
# two orthogonal Latin squares of order 6, which do not exist (Euler's 36 officers, Tarry 1900).
EXACT_MAX_ROUNDS = {(7, 2): 3, (7, 3): 3, (11, 3): 4, (12, 3): 4, (13, 4): 4, (36, 6): 3}


def max_rounds_without_repeats(n: int, table_size: int = 2) -> int:
    """Rounds beyond which some pair must meet twice: a proven upper bound, exact for pairs
    with an even n (n - 1, reached by the circle method) and the rooms of `EXACT_MAX_ROUNDS`;
    for other rooms it may not be reachable.

    Odd pairs: every round has (n + 3)/2 meetings (one trio), so R <= n(n - 1)/(n + 3); and 5
    people manage only 1 (after {a,b,c}{d,e} any trio repeats). Tables: each round someone
    meets at least (smallest table - 1) new people and the room has n(n - 1)/2 pairs; and a
    table larger than the number of tables must hold two people who sat together in the
    previous round (10 people at 4, 3, 3: one round only).
    """
    if n < 2:
        return 0
    if (n, table_size) in EXACT_MAX_ROUNDS:
        return EXACT_MAX_ROUNDS[n, table_size]
    sizes = table_sizes(n, table_size)
    if len(sizes) == 1:
        return 1
    if table_size == 2 and n % 2 == 0:
        return n - 1
    if n == 5 or max(sizes) > len(sizes):
        return 1  # a table bigger than the table count seats two people of an earlier table
    per_round = sum(s * (s - 1) // 2 for s in sizes)
    return min(n * (n - 1) // 2 // per_round, (n - 1) // (min(sizes) - 1))


def rounds_left_without_repeats(
    played: Sequence[Sequence[Sequence[int]]], people: Collection[int], request: PlanRequest
) -> int:
    """Rounds beyond which `people`, after the `played` rounds, must meet someone again at
    tables of `request.table_size`: a proven upper bound (it may not be reachable). The
    free rounds are a repeat-free session of their own (`max_rounds_without_repeats`); each
    round seats `per_round` pairs who have not met yet; each person meets at least (smallest
    table - 1) new people per round."""
    n = len(people)
    if n < 2:
        return 0
    sizes = table_sizes(n, request.table_size)
    met = {key(a, b) for rnd in played for t in rnd for a, b in combinations(t, 2)}
    unmet = [pair for pair in combinations(sorted(people), 2) if pair not in met]
    partners: Counter[int] = Counter(p for pair in unmet for p in pair)
    per_round = sum(s * (s - 1) // 2 for s in sizes)
    return min(
        max_rounds_without_repeats(n, request.table_size),
        len(unmet) // per_round,
        min(partners[p] for p in people) // (min(sizes) - 1),
    )
