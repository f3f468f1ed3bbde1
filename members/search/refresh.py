"""Refreshing the search rows, document and card of profiles: set-based, batched."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterable, Iterator

from django.db import connection, transaction
from django.utils import timezone

from ..models import Profile
from .text import (
    VARIANT_MARK,
    _profile_terms,
    _term_words,
    fold,
    lexemes,
    profile_card,
    profile_document,
    profile_variants,
)

REFRESH_CHUNK = 500

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
    """Rebuild the search rows, document and card of these profiles (all when None).

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
        done += _refresh_chunk(chunk)
    if ids:
        from ..directory.cache import directory_invalidate

        directory_invalidate()
    return done


_REFRESH_FIELDS = (
    "pk",
    "user",
    "display_name",
    "headline",
    "job_title",
    "bio",
    "offers_text",
    "seeks_text",
    "city",
    "region",
    "languages",
    "home_space",
    "created_at",
    "company__name",
)


def _search_rows(profiles: list[Profile], memberships: dict[int, list]) -> list[dict]:
    """Each profile's weighted parts, lexemes, folded document and card."""
    rows = []
    for p in profiles:
        a, b, c = profile_document(p)
        d = profile_variants(p)  # other spellings of the name: found, never a name match
        marked = " ".join(VARIANT_MARK + w for w in d.split())  # SQLite: whole or long words
        terms = " ".join(w for t in _profile_terms(p) for w in _term_words(t))
        rows.append(
            {
                "id": p.pk,
                "a": a,
                "b": b,
                "c": c,
                "d": d,
                "lexemes": lexemes(p, memberships.get(p.user_id, [])),
                "created_on": timezone.localdate(p.created_at) if p.created_at else None,
                "document": " ".join(x for x in (a, b, fold(terms), c, marked) if x),
                "card": profile_card(p),
            }
        )
    return rows


def _refresh_chunk(chunk: list[int]) -> int:
    """`profile_search_refresh()` for up to REFRESH_CHUNK profiles: a constant number of
    queries. How many were refreshed."""
    from ..models import Membership

    profiles = list(
        Profile.objects.filter(pk__in=chunk)
        .select_related("company")
        .prefetch_related("skills", "offers", "seeks")
        .only(*_REFRESH_FIELDS)
    )
    if not profiles:
        return 0
    memberships: dict[int, list[tuple[int, str]]] = {}
    for user_id, space_id, plan in Membership.objects.filter(
        user_id__in=[p.user_id for p in profiles], status=Membership.Status.ACTIVE
    ).values_list("user_id", "space_id", "plan"):
        memberships.setdefault(user_id, []).append((space_id, plan))
    rows = _search_rows(profiles, memberships)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _write_postgres(rows)
        else:
            by_pk = {row["id"]: row for row in rows}
            for p in profiles:
                p.search_document = by_pk[p.pk]["document"]
                p.card = by_pk[p.pk]["card"]
            Profile.objects.bulk_update(profiles, ["search_document", "card"])
            _copy_sqlite(rows)
    return len(profiles)


def _write_postgres(rows: list[dict]) -> None:
    """The profiles' document and card, and their `ProfileSearch` rows, in one statement.

    The visibility, owner, name and "member since" copied into the search row are the ones
    the UPDATE returns, read under the profile row's lock: a concurrent change of visibility
    cannot be overwritten by an older value read before it.
    """
    import json

    values = ", ".join(["(%s::bigint, %s, %s, %s, %s, %s, %s::date, %s::jsonb, %s)"] * len(rows))
    params: list = []
    for r in rows:
        params.extend(
            [
                r["id"],
                r["a"],
                r["b"],
                r["c"],
                r["d"],
                r["lexemes"],
                r["created_on"],
                json.dumps(r["card"]),
                r["document"],
            ]
        )
    sql = f"""
        WITH v (id, a, b, c, d, lexemes, created_on, card, document) AS (VALUES {values}),
        u AS (
            UPDATE members_profile AS p SET search_document = v.document, card = v.card
            FROM v WHERE p.id = v.id
            RETURNING p.id, p.visibility, p.user_id, p.display_name, p.member_since
        )
        INSERT INTO members_profilesearch AS s
            (profile_id, visibility, user_id, display_name, member_since, created_on,
             search_vector)
        SELECT u.id, u.visibility, u.user_id, u.display_name, u.member_since, v.created_on,
               setweight(to_tsvector('simple', v.a), 'A')
               || setweight(to_tsvector('simple', v.b), 'B')
               || setweight(to_tsvector('simple', v.c), 'C')
               || setweight(to_tsvector('simple', v.d), 'D')
               || v.lexemes::tsvector
        FROM u JOIN v ON v.id = u.id
        ON CONFLICT (profile_id) DO UPDATE SET
            visibility = EXCLUDED.visibility,
            user_id = EXCLUDED.user_id,
            display_name = EXCLUDED.display_name,
            member_since = EXCLUDED.member_since,
            created_on = EXCLUDED.created_on,
            search_vector = EXCLUDED.search_vector
        WHERE (s.visibility, s.user_id, s.display_name, s.member_since, s.created_on,
               s.search_vector)
            IS DISTINCT FROM
            (EXCLUDED.visibility, EXCLUDED.user_id, EXCLUDED.display_name,
             EXCLUDED.member_since, EXCLUDED.created_on, EXCLUDED.search_vector)
    """  # noqa: S608 - only placeholders are interpolated
    # A row that did not change is not rewritten.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _copy_sqlite(rows: list[dict]) -> None:
    """SQLite: keep members.ProfileSearch's rows (not searched there: no vector)."""
    marks = ", ".join(["%s"] * len(rows))
    sql = f"""
        INSERT INTO members_profilesearch
            (profile_id, visibility, user_id, display_name, member_since, created_on,
             search_vector)
        SELECT id, visibility, user_id, display_name, member_since, NULL, NULL
        FROM members_profile WHERE id IN ({marks})
        ON CONFLICT (profile_id) DO UPDATE SET
            visibility = excluded.visibility,
            user_id = excluded.user_id,
            display_name = excluded.display_name,
            member_since = excluded.member_since
    """  # noqa: S608 - only placeholders are interpolated
    with connection.cursor() as cursor:
        cursor.execute(sql, [r["id"] for r in rows])


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
