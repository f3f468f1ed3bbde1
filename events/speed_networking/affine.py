"""Repeat-free skeletons for tables of k >= 3 and the search that assigns people to them.

`affine_rounds` builds rounds from the affine plane over the field of order t when t is a
prime power (GF(4), GF(8), GF(9)...: `Field`) and over Z_t otherwise: rows of a t x t grid
shifted by multipliers; its first `affine_repeat_free(n, k)` rounds seat no pair twice.
`relabel` then exchanges two people's whole schedules (which never creates a repeat) to
honour history, colleagues and wishes. Used by planner.py when nothing was played yet.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from functools import cache

from .tables import Session, table_sizes


def affine_rounds(people: Sequence[int], rounds: int, k: int) -> list[list[list[int]]] | None:
    """A schedule skeleton for tables of k >= 3 whose first `affine_repeat_free(n, k)` rounds
    repeat nobody (None if it would seat someone alone); later rounds cycle.

    The people fill a grid of t columns (t = number of tables) row by row; in round r the
    person in row a, column b sits at table b + a*m_r, computed in the field of order t when
    there is one, else mod t. Two people of rows a != a' meet in rounds r and s only if
    (a - a')(m_r - m_s) = 0: in a field never, mod t only for some multipliers
    (`affine_multipliers` avoids them); people of one row never meet, so when n = t*t the rows
    are one more round. For a prime power t = k and n = k*k this is the affine plane AG(2, k):
    k + 1 rounds, the most possible (16 people in fours: 5). Table sizes are exactly
    `table_sizes(n, k)`: a partial last row puts one more person at distinct tables.
    """
    n = len(people)
    t = len(table_sizes(n, k))
    rows = -(-n // t)
    field = _field(t, rows)
    seats = [divmod(i, t) for i in range(n)]
    classes = []
    for m in affine_multipliers(t, rows)[:rounds]:
        tables: list[list[int]] = [[] for _ in range(t)]
        for person, (a, b) in zip(people, seats, strict=True):
            tables[field.add(b, field.mul(a, m)) if field else (b + a * m) % t].append(person)
        classes.append(tables)
    if n == t * t and len(classes) < rounds:
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
    """The multipliers of the repeat-free rounds of `affine_rounds`: every element of the
    field of order t if there is one; else greedy m in 0..t-1 such that (a - a')(m - m') is
    never 0 mod t for two rows a != a' (< rows) and two chosen multipliers."""
    if _field(t, rows):
        return list(range(t))
    chosen = [0]
    for m in range(1, t):
        if all(d * (m - x) % t for x in chosen for d in range(1, rows)):
            chosen.append(m)
    return chosen


def _field(t: int, rows: int) -> Field | None:
    """The field of order t for `rows` rows, if t is a prime power >= rows (more rows than
    tables seat two people of a row together: then only Z_t's single round)."""
    return Field.of(t) if rows <= t else None


class Field:
    """GF(p^e) for e >= 2: element i stands for the polynomial over Z_p whose coefficients
    are i's base-p digits; products go through the powers of a generator (log tables)."""

    def __init__(self, p: int, e: int) -> None:
        self.p, self.e, self.order = p, e, p**e
        self.exp = _powers_of_x(p, e)
        self.log = {x: i for i, x in enumerate(self.exp)}

    @staticmethod
    @cache
    def of(t: int) -> Field | None:
        """The field of order t when t = p^e with e >= 2 (for a prime t, Z_t is the field)."""
        p = next(d for d in range(2, t + 1) if t % d == 0) if t > 1 else 0
        e, rest = 0, t
        while p and rest % p == 0:
            rest, e = rest // p, e + 1
        return Field(p, e) if p and rest == 1 and e >= 2 else None

    def add(self, x: int, y: int) -> int:
        total, place = 0, 1
        for _ in range(self.e):
            total += (x % self.p + y % self.p) % self.p * place
            x, y, place = x // self.p, y // self.p, place * self.p
        return total

    def mul(self, x: int, y: int) -> int:
        if not x or not y:
            return 0
        return self.exp[(self.log[x] + self.log[y]) % (self.order - 1)]


def _powers_of_x(p: int, e: int) -> list[int]:
    """1, x, x^2, ... x^(p^e - 2) modulo the first monic polynomial of degree e in which x
    has order p^e - 1 (a primitive polynomial: one exists for every p and e), as integers."""
    order = p**e
    for tail in range(1, order):  # the coefficients below x^e, as base-p digits
        low = [tail // p**i % p for i in range(e)]
        powers, current = [], [1] + [0] * (e - 1)
        for _ in range(order - 1):
            powers.append(sum(c * p**i for i, c in enumerate(current)))
            top = current[-1]  # times x: shift up; x^e = -(low) mod p
            current = [
                (prev - top * c) % p for prev, c in zip([0, *current[:-1]], low, strict=True)
            ]
        if current == [1] + [0] * (e - 1) and len(set(powers)) == order - 1:
            return powers
    raise ValueError(f"no primitive polynomial of degree {e} over Z_{p}")


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
