"""The oracle: "people you should meet" as it was computed before the bounded candidate sets
(members/suggestions.py at 18e8e92: one query grouping every match of my terms). The new
implementation must suggest the same people, with the same scores and reasons."""

from __future__ import annotations

from django.db import connection

from members.models import Profile
from members.panels import suggestion_exclusions
from members.selectors import profile_cards
from members.suggestions import Suggestion

WEIGHT_OFFER = 3
WEIGHT_SEEK = 3
WEIGHT_SKILL = 1


def _through(field_name: str) -> tuple[str, str, str]:
    through = getattr(Profile, field_name).through
    opts = through._meta
    return (
        connection.ops.quote_name(opts.db_table),
        connection.ops.quote_name(opts.get_field("profile").column),
        connection.ops.quote_name(opts.get_field("term").column),
    )


def suggestions_reference(*, user, limit: int = 6) -> list[Suggestion]:
    """The best people for `user` to meet, as the old implementation found them."""
    if user is None or not user.is_authenticated:
        return []
    me = (
        Profile.objects.filter(user=user)
        .prefetch_related("skills", "offers", "seeks")
        .only("pk", "company_id")
        .first()
    )
    if me is None:
        return []
    my_skills = {t.pk: t for t in me.skills.all()}
    my_offers = {t.pk: t for t in me.offers.all()}
    my_seeks = {t.pk: t for t in me.seeks.all()}
    if not (my_skills or my_offers or my_seeks):
        return []

    # Candidates: people `user` may see, minus themselves and their colleagues. The SQL of
    # the visible_to() queryset is embedded as-is, so the privacy rule lives in one place.
    candidates = Profile.objects.visible_to(user).exclude(pk=me.pk)
    if me.company_id:
        candidates = candidates.exclude(company_id=me.company_id)
    # People I already met (registered by other apps): subqueries, not extra queries.
    for already in suggestion_exclusions(user):
        candidates = candidates.exclude(user_id__in=already)
    cand_sql, cand_params = candidates.values("pk").query.sql_with_params()

    parts, params = [], []
    for field_name, mine, weight in (
        ("offers", my_seeks, WEIGHT_OFFER),
        ("seeks", my_offers, WEIGHT_SEEK),
        ("skills", my_skills, WEIGHT_SKILL),
    ):
        if not mine:
            continue
        table, profile_col, term_col = _through(field_name)
        marks = ", ".join(["%s"] * len(mine))
        parts.append(
            f"SELECT {profile_col} AS pid, %s AS w FROM {table} "  # noqa: S608 - quoted names
            f"WHERE {term_col} IN ({marks})"
        )
        params.extend([weight, *mine.keys()])
    sql = (
        f"SELECT m.pid, SUM(m.w) AS score FROM ({' UNION ALL '.join(parts)}) m "  # noqa: S608
        f"WHERE m.pid IN ({cand_sql}) GROUP BY m.pid ORDER BY score DESC, m.pid LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *cand_params, limit])
        scored = cursor.fetchall()
    if not scored:
        return []
    ids = [row[0] for row in scored]
    profiles = {p.pk: p for p in profile_cards(Profile.objects.visible_to(user).filter(pk__in=ids))}
    suggestions = {
        pid: Suggestion(profile=profiles[pid], score=int(score))
        for pid, score in scored
        if pid in profiles
    }

    # Why: the matching (profile, term) pairs of the chosen people, one query.
    reason_parts, reason_params = [], []
    for kind, field_name, mine in (
        ("o", "offers", my_seeks),
        ("s", "seeks", my_offers),
        ("k", "skills", my_skills),
    ):
        if not mine:
            continue
        table, profile_col, term_col = _through(field_name)
        reason_parts.append(
            f"SELECT %s, {profile_col}, {term_col} FROM {table} "  # noqa: S608
            f"WHERE {profile_col} IN ({', '.join(['%s'] * len(ids))}) "
            f"AND {term_col} IN ({', '.join(['%s'] * len(mine))})"
        )
        reason_params.extend([kind, *ids, *mine.keys()])
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(reason_parts), reason_params)
        pairs = cursor.fetchall()
    for kind, pid, term_id in sorted(pairs, key=lambda r: (r[0], r[2])):
        suggestion = suggestions.get(pid)
        if suggestion is None:
            continue
        if kind == "o":
            suggestion.they_offer.append(my_seeks[term_id])
        elif kind == "s":
            suggestion.they_seek.append(my_offers[term_id])
        else:
            suggestion.shared_skills.append(my_skills[term_id])
    ordered = [suggestions[pid] for pid in ids if pid in suggestions]
    ordered.sort(key=lambda s: (-s.score, s.profile.display_name, s.profile.pk))
    return ordered
