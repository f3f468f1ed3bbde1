"""Repeat-free skeletons for tables of k >= 3 and the search that assigns people to them.

`affine_rounds` builds rounds from the affine plane over Z_t (t prime or not: rows of a
t x t grid shifted by multipliers coprime to t), whose first `affine_repeat_free(n, k)`
rounds seat no pair twice; `relabel` then exchanges two people's whole schedules (which
never creates a repeat) to honour history, colleagues and wishes. Used by planner.py when
nothing was played yet.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from .tables import Session, table_sizes


def affine_rounds(people: Sequence[int], rounds: int, k: int) -> list[list[list[int]]] | None:
    """A schedule skeleton for tables of k >= 3 whose first `affine_repeat_free(n, k)` rounds
    repeat nobody (None if it would seat someone alone); later rounds cycle.

    The people fill a grid of t columns (t = number of tables) row by row; in round r the
    person in row a, column b sits at table (b + a*m_r) mod t. Two people of rows a != a' meet
    in rounds r and s only if t divides (a - a')(m_r - m_s), so with multipliers whose
    differences never make that product 0 mod t (`affine_multipliers`) nobody meets twice, and
    people of one row never meet; so when n = t*t the rows are one more round. For a prime
    t = k and n = k*k this is the affine plane AG(2, k): k + 1 rounds, the most possible.
    Table sizes are exactly `table_sizes(n, k)`.
    """
    n = len(people)
    t = len(table_sizes(n, k))
    seats = [divmod(i, t) for i in range(n)]
    classes = [
        [
            [p for p, (a, b) in zip(people, seats, strict=True) if (b + a * m) % t == j]
            for j in range(t)
        ]
        for m in affine_multipliers(t, -(-n // t))
    ]
    if n == t * t:
        classes.append([list(people[a * t : a * t + t]) for a in range(t)])
    if any(len(table) < 2 for table in classes[0]):
        return None
    return [[table[:] for table in classes[r % len(classes)]] for r in range(rounds)]


def affine_repeat_free(n: int, k: int) -> int:
    """How many rounds of `affine_rounds(n people, ..., k)` repeat nobody (0: no skeleton)."""
    t = len(table_sizes(n, k))
    if affine_rounds(range(n), 1, k) is None:
        return 0
    return len(affine_multipliers(t, -(-n // t))) + (n == t * t)


def affine_multipliers(t: int, rows: int) -> list[int]:
    """Greedy multipliers m in 0..t-1 such that (a - a')(m - m') is never 0 mod t for two rows
    a != a' (< rows) and two chosen multipliers: the repeat-free rounds of `affine_rounds`."""
    chosen = [0]
    for m in range(1, t):
        if all(d * (m - x) % t for x in chosen for d in range(1, rows)):
            chosen.append(m)
    return chosen


def relabel(session: Session, people: list[int], rng: random.Random, budget: int) -> None:
    """Local search exchanging two people's seats in *every* free round at once.

    Such an exchange only renames people, so a schedule skeleton keeps its structure (no
    repeats stay no repeats) while costly people move to where their pairs cost less. Needs
    everybody seated in every free round. Best improving exchange per costly person.
    """
    free = range(session.first_free, len(session.rounds))
    improved = True
    while improved and budget > 0:
        improved = False
        hot = [p for p in people if any(session.hot(r, p) for r in free)]
        rng.shuffle(hot)
        for a in hot:
            others = people if len(people) <= 60 else rng.sample(people, 60)
            best: tuple[int, list[int], int | None] = (0, [], None)
            for b in others:
                rounds = [r for r in free if session.seat[r][a] != session.seat[r][b]]
                if b == a or not rounds:
                    continue
                d = session.delta([c for r in rounds for c in session.swap_changes(r, a, b)])
                if d < best[0]:
                    best = (d, rounds, b)
            budget -= len(others)
            if best[2] is not None:
                for r in best[1]:
                    session.swap(r, a, best[2])
                improved = True
            if budget <= 0:
                return
