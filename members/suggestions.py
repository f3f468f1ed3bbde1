"""People you should meet: their offers meet my seeks, their seeks meet my offers, shared skills.

A constant number of queries whatever the size of the community: my terms (4), the scoring
(`members.suggestion_candidates`: at most four bounded queries on PostgreSQL, one on
SQLite), the chosen profiles (1) and the terms that explain each suggestion (1).

The scored ids are cached per member (`SUGGESTIONS_CACHE_SECONDS`, default 600; 0 turns it
off) under the directory's cache version, which every change to a profile, its terms or its
visibility bumps — mine or a suggested person's — so an edit shows at once; the timeout bounds
what bumps nothing (e.g. meeting someone at a speed-networking evening). The profiles are read
through `visible_to()` on every request, so a cached id never shows a profile that was hidden.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils.translation import gettext as _

from .directory.cache import directory_version
from .models import Profile, Term
from .panels import suggestion_exclusions
from .selectors import profile_cards
from .suggestion_candidates import MyTerms, scored, through_columns


@dataclass
class Suggestion:
    profile: Profile
    score: int
    they_offer: list[Term] = field(default_factory=list)  # … that I seek
    they_seek: list[Term] = field(default_factory=list)  # … that I offer
    shared_skills: list[Term] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        out = []
        for term in self.they_offer:
            out.append(_("offers %(term)s — you seek %(term)s") % {"term": term.label()})
        for term in self.they_seek:
            out.append(_("seeks %(term)s — you offer %(term)s") % {"term": term.label()})
        if self.shared_skills:
            out.append(
                _("you both know %(terms)s")
                % {"terms": ", ".join(t.label() for t in self.shared_skills)}
            )
        return out


def cache_seconds() -> int:
    """settings.SUGGESTIONS_CACHE_SECONDS (0 turns the cache off)."""
    return max(0, int(getattr(settings, "SUGGESTIONS_CACHE_SECONDS", 600)))


def _scored_cached(*, user, me: MyTerms, limit: int) -> list[tuple[int, int]]:
    timeout = cache_seconds()
    if not timeout:
        return scored(user=user, me=me, limit=limit)
    key = f"members:suggest:{directory_version()}:{user.pk}:{limit}"
    found = cache.get(key)
    if found is None:
        found = scored(user=user, me=me, limit=limit)
        cache.set(key, found, timeout)
    return [tuple(row) for row in found]


EXCLUSION_SLACK = 6


def _cards(user, ids: list[int]) -> dict:
    """The cards of these profiles the viewer may see, without the people other apps exclude
    (met at speed networking…): one query, the exclusions as subqueries."""
    rows = Profile.objects.visible_to(user).filter(pk__in=ids)
    for excluded in suggestion_exclusions(user):
        rows = rows.exclude(user_id__in=excluded)
    return {p.pk: p for p in profile_cards(rows)}


def suggestions_for(*, user, limit: int = 6) -> list[Suggestion]:
    """The best people for `user` to meet, best first, each with the reasons why."""
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
    mine = MyTerms(
        profile_id=me.pk,
        company_id=me.company_id,
        seeks=tuple(sorted(my_seeks)),
        offers=tuple(sorted(my_offers)),
        skills=tuple(sorted(my_skills)),
    )
    # The cached ranking goes a few places further: people met since it was cached (other
    # apps' exclusions, which the directory version does not follow) are left out when the
    # cards are read, and the rest still fills the list. The ranking is a total order
    # (score, then id), so its first `limit` rows after exclusions are what an uncached
    # ranking gives; when too many were excluded, rank again without the cache.
    if not cache_seconds():  # ranked now: the exclusions are applied by the ranking itself
        ranked = scored(user=user, me=mine, limit=limit)
    else:
        ranked = _scored_cached(user=user, me=mine, limit=limit + EXCLUSION_SLACK)
    if not ranked:
        return []
    profiles = _cards(user, [row[0] for row in ranked])
    if len(ranked) == limit + EXCLUSION_SLACK and sum(p in profiles for p, _ in ranked) < limit:
        ranked = scored(user=user, me=mine, limit=limit)
        profiles = _cards(user, [row[0] for row in ranked])
    ranked = [row for row in ranked if row[0] in profiles][:limit]
    ids = [row[0] for row in ranked]
    suggestions = {
        pid: Suggestion(profile=profiles[pid], score=int(score))
        for pid, score in ranked
        if pid in profiles
    }
    _explain(suggestions, my_seeks=my_seeks, my_offers=my_offers, my_skills=my_skills)
    ordered = [suggestions[pid] for pid in ids if pid in suggestions]
    ordered.sort(key=lambda s: (-s.score, s.profile.display_name, s.profile.pk))
    return ordered


def _explain(suggestions: dict, *, my_seeks: dict, my_offers: dict, my_skills: dict) -> None:
    """Why: the matching (profile, term) pairs of the chosen people, one query."""
    ids = list(suggestions)
    if not ids:
        return
    reason_parts, reason_params = [], []
    for kind, field_name, mine in (
        ("o", "offers", my_seeks),
        ("s", "seeks", my_offers),
        ("k", "skills", my_skills),
    ):
        if not mine:
            continue
        table, profile_col, term_col = through_columns(field_name)
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
        suggestion = suggestions[pid]
        if kind == "o":
            suggestion.they_offer.append(my_seeks[term_id])
        elif kind == "s":
            suggestion.they_seek.append(my_offers[term_id])
        else:
            suggestion.shared_skills.append(my_skills[term_id])
