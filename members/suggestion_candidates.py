"""The scoring behind "people you should meet": the best (profile id, score) pairs for a member.

Score = 3 x (their offers among my seeks) + 3 x (their seeks among my offers) + 1 x (skills
we share); best first, ties by profile id. Candidates are the people the member may see,
minus themselves, their colleagues and the people other apps leave out (already met).

On PostgreSQL the work is bounded whatever the size of the community: each profile's search
row (`members.ProfileSearch`) carries its skills, offers and seeks as lexemes (`_s<term>`,
`_o<term>`, `_k<term>`, see `members.search.lexemes`) under a GIN index, so a tsquery finds
the profiles that match *at least m* of my needs (their offers of what I seek, their seeks
of what I offer) without reading the others, and each candidate is scored from its own row.
The search widens in at most four steps (m = 3, 2, 1, then any match) and stops as soon as
the answer is provably exact: when the limit-th best candidate scores at least the step's
threshold, one more than the best score a profile outside its candidate set could reach.
At 100,000 generated members the first step scores a few hundred rows instead of grouping
43,000.

On SQLite (the embedded setup, small communities) one grouped query over the through tables
does the same, as it always did.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

from django.db import connection
from django.db.models import BooleanField, IntegerField, QuerySet
from django.db.models.expressions import RawSQL

from .models import Profile, ProfileSearch
from .panels import suggestion_exclusions
from .search import FACET_OFFER, FACET_SEEK, FACET_SKILL

# A need met counts more than a shared interest.
WEIGHT_OFFER = 3  # they offer what I seek
WEIGHT_SEEK = 3  # they seek what I offer
WEIGHT_SKILL = 1  # we share a skill
# "At least m of my needs" is an OR of every m-combination: a step with more is skipped.
MAX_COMBINATIONS = 64
NARROWEST = 3  # the first step asks for three of my needs


@dataclass(frozen=True)
class MyTerms:
    """The ids of my seeks, offers and skills, and the profile they belong to."""

    profile_id: int
    company_id: int | None
    seeks: tuple[int, ...]
    offers: tuple[int, ...]
    skills: tuple[int, ...]


def _lexeme(prefix: str, term_id: int) -> str:
    return f"'{prefix}{int(term_id)}'"


def _at_least(lexemes: list[str], m: int) -> str:
    """A tsquery matching rows that hold at least `m` of `lexemes`."""
    if m == 1:
        return " | ".join(lexemes)
    return " | ".join("(" + " & ".join(c) + ")" for c in combinations(lexemes, m))


def _steps(needs: list[str], skills: list[str]) -> list[tuple[str, int]]:
    """(tsquery of a candidate set, the score that makes its top rows exact), widest last.

    Outside "at least m of my needs" a profile scores at most 3 x (m - 1) + len(skills);
    with no needs, outside "at least m of my skills" at most m - 1.
    """
    lexemes, weight, rest = (needs, WEIGHT_OFFER, len(skills)) if needs else (skills, 1, 0)
    steps = []
    for m in range(min(NARROWEST, len(lexemes)), 0, -1):
        if math.comb(len(lexemes), m) <= MAX_COMBINATIONS and (m > 1 or needs):
            steps.append((_at_least(lexemes, m), weight * (m - 1) + rest + 1))
    steps.append((_at_least(needs + skills, 1), 0))  # every match: exact by construction
    return steps


def _candidates(user, me: MyTerms, model) -> QuerySet:
    """Rows of `model` (Profile or ProfileSearch) for the people `user` may be suggested."""
    pk = "profile_id" if model is ProfileSearch else "pk"
    company = "profile__company_id" if model is ProfileSearch else "company_id"
    rows = model.objects.visible_to(user).exclude(**{pk: me.profile_id})
    if me.company_id:
        rows = rows.exclude(**{company: me.company_id})
    # People I already met (registered by other apps): subqueries, not extra queries.
    for already in suggestion_exclusions(user):
        rows = rows.exclude(user_id__in=already)
    return rows.order_by()


def scored_postgres(*, user, me: MyTerms, limit: int) -> list[tuple[int, int]]:
    """[(profile id, score)] best first, from the search rows' lexemes (1 to 4 queries)."""
    weighted = [
        *((_lexeme(FACET_OFFER, t), WEIGHT_OFFER) for t in me.seeks),
        *((_lexeme(FACET_SEEK, t), WEIGHT_SEEK) for t in me.offers),
        *((_lexeme(FACET_SKILL, t), WEIGHT_SKILL) for t in me.skills),
    ]
    vector = f"{connection.ops.quote_name(ProfileSearch._meta.db_table)}.search_vector"
    # Only quoted names and placeholders are interpolated; the lexemes are bound parameters.
    score = RawSQL(  # noqa: S611
        " + ".join(f"%s * ({vector} @@ %s::tsquery)::int" for _ in weighted),
        [value for lexeme, weight in weighted for value in (weight, lexeme)],
        output_field=IntegerField(),
    )
    needs = [lexeme for lexeme, weight in weighted if weight > WEIGHT_SKILL]
    skills = [lexeme for lexeme, weight in weighted if weight == WEIGHT_SKILL]
    base = _candidates(user, me, ProfileSearch)
    rows: list[tuple[int, int]] = []
    for tsquery, threshold in _steps(needs, skills):
        matching = RawSQL(  # noqa: S611 - a quoted name and a placeholder
            f"{vector} @@ %s::tsquery", [tsquery], output_field=BooleanField()
        )
        rows = list(
            base.filter(matching)
            .annotate(score=score)
            .order_by("-score", "profile_id")
            .values_list("profile_id", "score")[:limit]
        )
        if len(rows) == limit and rows[-1][1] >= threshold:
            break  # nobody outside this candidate set can reach the top `limit`
    return rows


def through_columns(field_name: str) -> tuple[str, str, str]:
    through = getattr(Profile, field_name).through
    opts = through._meta
    return (
        connection.ops.quote_name(opts.db_table),
        connection.ops.quote_name(opts.get_field("profile").column),
        connection.ops.quote_name(opts.get_field("term").column),
    )


def scored_grouped(*, user, me: MyTerms, limit: int) -> list[tuple[int, int]]:
    """[(profile id, score)] best first, grouped from the through tables (one query)."""
    cand_sql, cand_params = _candidates(user, me, Profile).values("pk").query.sql_with_params()
    parts, params = [], []
    for field_name, mine, weight in (
        ("offers", me.seeks, WEIGHT_OFFER),
        ("seeks", me.offers, WEIGHT_SEEK),
        ("skills", me.skills, WEIGHT_SKILL),
    ):
        if not mine:
            continue
        table, profile_col, term_col = through_columns(field_name)
        marks = ", ".join(["%s"] * len(mine))
        parts.append(
            f"SELECT {profile_col} AS pid, %s AS w FROM {table} "  # noqa: S608 - quoted names
            f"WHERE {term_col} IN ({marks})"
        )
        params.extend([weight, *mine])
    sql = (
        f"SELECT m.pid, SUM(m.w) AS score FROM ({' UNION ALL '.join(parts)}) m "  # noqa: S608
        f"WHERE m.pid IN ({cand_sql}) GROUP BY m.pid ORDER BY score DESC, m.pid LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *cand_params, limit])
        return [(pid, int(score)) for pid, score in cursor.fetchall()]


def scored(*, user, me: MyTerms, limit: int) -> list[tuple[int, int]]:
    if connection.vendor == "postgresql":
        return scored_postgres(user=user, me=me, limit=limit)
    return scored_grouped(user=user, me=me, limit=limit)
