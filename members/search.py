"""The directory's search document: what is searchable about a profile, and how to query it.

A GIN index cannot span joined tables, so every profile carries a denormalised copy of what
search needs — its name, headline, bio, company, and every name and synonym (en/fr/nl) of its
skills, offers and seeks — plus the little JSON the directory cards show. This module builds
those copies and refreshes them, set-based, whenever a profile, a company or a vocabulary
term changes (`members.signals` calls it; bulk writers call it directly or batch it with
`search_refresh_batch()`).

On PostgreSQL the copy is a weighted `tsvector` (GIN-indexed, prefix matching so results
update as you type); on SQLite it is plain folded text matched with LIKE.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
import unicodedata
from collections.abc import Iterable, Iterator

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet

from .models import Profile, Term

MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 8
REFRESH_CHUNK = 500
CARD_SKILLS = 4
CARD_OFFERS = 3

_NON_WORD = re.compile(r"[^\w]+|_+")


def fold(text: str) -> str:
    """Lower-case, accent-free words separated by single spaces ("Développeur" → "developpeur")."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NON_WORD.sub(" ", stripped.casefold()).split())


def query_words(raw: str) -> list[str]:
    """The words of a search string, folded, de-duplicated, at most MAX_QUERY_WORDS."""
    words: list[str] = []
    for word in fold(raw[:MAX_QUERY_CHARS]).split():
        if word not in words:
            words.append(word)
    return words[:MAX_QUERY_WORDS]


def _term_words(term: Term) -> list[str]:
    return [term.name_en, term.name_fr, term.name_nl, *term.synonym_list]


def _term_card(term: Term) -> dict:
    return {"s": term.slug, "en": term.name_en, "fr": term.name_fr, "nl": term.name_nl}


def profile_document(profile: Profile) -> tuple[str, str, str]:
    """(A, B, C) weighted parts: name; headline, job, company and terms; the rest.

    `profile` must have `company` loaded and `skills`, `offers`, `seeks` prefetched.
    """
    terms = [*profile.skills.all(), *profile.offers.all(), *profile.seeks.all()]
    a = fold(profile.display_name)
    b_parts = [profile.headline, profile.job_title]
    if profile.company_id and profile.company:
        b_parts.append(profile.company.name)
    seen: set[int] = set()
    for term in terms:
        if term.pk not in seen:
            seen.add(term.pk)
            b_parts.extend(_term_words(term))
    b = fold(" ".join(b_parts))
    c = fold(
        " ".join(
            [profile.offers_text, profile.seeks_text, profile.bio, profile.city, profile.region]
        )
    )
    return a, b, c


def profile_card(profile: Profile) -> dict:
    skills = list(profile.skills.all())
    offers = list(profile.offers.all())
    return {
        "skills": [_term_card(t) for t in skills[:CARD_SKILLS]],
        "more_skills": max(0, len(skills) - CARD_SKILLS),
        "offers": [_term_card(t) for t in offers[:CARD_OFFERS]],
        "more_offers": max(0, len(offers) - CARD_OFFERS),
    }


# --- refreshing ------------------------------------------------------------------------------

_batch: contextvars.ContextVar[set[int] | None] = contextvars.ContextVar(
    "members_search_batch", default=None
)


@contextlib.contextmanager
def search_refresh_batch() -> Iterator[None]:
    """Collect the refreshes asked for inside the block and run them once, at its end."""
    if _batch.get() is not None:  # nested: the outermost block does the work
        yield
        return
    token = _batch.set(set())
    try:
        yield
        pending = _batch.get() or set()
    finally:
        _batch.reset(token)
    if pending:
        profile_search_refresh(profile_ids=pending)


def profile_search_refresh_later(profile_ids: Iterable[int]) -> None:
    """Refresh now, or at the end of the enclosing `search_refresh_batch()`."""
    ids = {int(pk) for pk in profile_ids if pk is not None}
    if not ids:
        return
    pending = _batch.get()
    if pending is not None:
        pending.update(ids)
    else:
        profile_search_refresh(profile_ids=ids)


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def profile_search_refresh(*, profile_ids: Iterable[int] | None = None) -> int:
    """Rebuild the search document and card of these profiles (all when None).

    Set-based: a constant number of queries per chunk of REFRESH_CHUNK profiles, whatever
    caused the refresh (one edit, a company rename touching 40 people, a term rename touching
    3,000).
    """
    if profile_ids is None:
        ids = list(Profile.objects.order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted({int(pk) for pk in profile_ids})
    done = 0
    for chunk in _chunks(ids, REFRESH_CHUNK):
        profiles = list(
            Profile.objects.filter(pk__in=chunk)
            .select_related("company")
            .prefetch_related("skills", "offers", "seeks")
            .only(
                "pk",
                "display_name",
                "headline",
                "job_title",
                "bio",
                "offers_text",
                "seeks_text",
                "city",
                "region",
                "company__name",
            )
        )
        if not profiles:
            continue
        rows = [(p.pk, *profile_document(p), profile_card(p)) for p in profiles]
        with transaction.atomic():
            if connection.vendor == "postgresql":
                _write_postgres(rows)
            else:
                for p, (_, a, b, c, card) in zip(profiles, rows, strict=True):
                    p.search_document = " ".join(x for x in (a, b, c) if x)
                    p.card = card
                Profile.objects.bulk_update(profiles, ["search_document", "card"])
                _copy_sqlite([p.pk for p in profiles])
        done += len(profiles)
    if ids:
        from .directory_cache import directory_invalidate

        directory_invalidate()
    return done


def _write_postgres(rows: list[tuple]) -> None:
    import json

    values = ", ".join(["(%s, %s, %s, %s, %s::jsonb)"] * len(rows))
    params: list = []
    for pk, a, b, c, card in rows:
        params.extend([pk, a, b, c, json.dumps(card)])
    sql = f"""
        UPDATE members_profile AS p SET
            search_document = concat_ws(' ', v.a, v.b, v.c),
            search_vector = setweight(to_tsvector('simple', v.a), 'A')
                         || setweight(to_tsvector('simple', v.b), 'B')
                         || setweight(to_tsvector('simple', v.c), 'C'),
            card = v.card
        FROM (VALUES {values}) AS v(id, a, b, c, card)
        WHERE p.id = v.id
        RETURNING p.id, p.visibility, p.user_id, p.display_name, p.search_vector
    """  # noqa: S608 - only placeholders are interpolated
    # The narrow copy the directory searches (members.ProfileSearch), in the same statement;
    # a row that did not change is not rewritten.
    sql = f"""
        WITH u AS ({sql})
        INSERT INTO members_profilesearch AS s
            (profile_id, visibility, user_id, display_name, search_vector)
        SELECT * FROM u
        ON CONFLICT (profile_id) DO UPDATE SET
            visibility = EXCLUDED.visibility,
            user_id = EXCLUDED.user_id,
            display_name = EXCLUDED.display_name,
            search_vector = EXCLUDED.search_vector
        WHERE (s.visibility, s.user_id, s.display_name, s.search_vector)
            IS DISTINCT FROM
            (EXCLUDED.visibility, EXCLUDED.user_id, EXCLUDED.display_name, EXCLUDED.search_vector)
    """  # noqa: S608 - only placeholders are interpolated
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _copy_sqlite(ids: list[int]) -> None:
    """SQLite: keep members.ProfileSearch's rows (not searched there: no vector)."""
    marks = ", ".join(["%s"] * len(ids))
    sql = f"""
        INSERT INTO members_profilesearch
            (profile_id, visibility, user_id, display_name, search_vector)
        SELECT id, visibility, user_id, display_name, NULL FROM members_profile
        WHERE id IN ({marks})
        ON CONFLICT (profile_id) DO UPDATE SET
            visibility = excluded.visibility,
            user_id = excluded.user_id,
            display_name = excluded.display_name
    """  # noqa: S608 - only placeholders are interpolated
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)


def profiles_of_terms(term_ids: Iterable[int]) -> set[int]:
    """Ids of the profiles that use any of these terms as a skill, offer or seek."""
    term_ids = list(term_ids)
    ids: set[int] = set()
    for field in ("skills", "offers", "seeks"):
        through = getattr(Profile, field).through
        ids.update(
            through.objects.filter(term_id__in=term_ids).values_list("profile_id", flat=True)
        )
    return ids


# --- querying --------------------------------------------------------------------------------


def search_filter(qs: QuerySet[Profile], words: list[str], *, rank: bool) -> QuerySet[Profile]:
    """Profiles matching every word (as a prefix on PostgreSQL); annotate `rank` if asked."""
    if not words:
        return qs
    if connection.vendor == "postgresql":
        # Words are folded to letters and digits only, so the raw tsquery cannot be malformed.
        query = SearchQuery(" & ".join(f"{w}:*" for w in words), search_type="raw", config="simple")
        qs = qs.filter(search_vector=query)
        if rank:
            qs = qs.annotate(rank=SearchRank(F("search_vector"), query))
        return qs
    cond = Q()
    for word in words:
        cond &= Q(search_document__contains=word)
    return qs.filter(cond)
