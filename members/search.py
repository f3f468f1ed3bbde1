"""The directory's search document: what is searchable about a profile, and how to query it.

A GIN index cannot span joined tables, so what search needs is denormalised, and this module
builds those copies and refreshes them, set-based, whenever a profile, a company, a vocabulary
term or a membership changes (`members.signals` calls it; bulk writers call it directly or
batch it with `search_refresh_batch()`):

- on PostgreSQL, the narrow `ProfileSearch` row: a weighted `tsvector` (GIN-indexed, prefix
  matching so results update as you type) of the profile's own words, plus lexemes for its
  terms and facets (`lexemes()`): a term's names and synonyms in three languages live once,
  on the term, and a search word is expanded to the terms it names (`words_tsquery()`);
- on SQLite, `Profile.search_document`: plain folded text, term names included, matched with
  LIKE;
- on both, `Profile.card`: the little JSON the directory cards show.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
import unicodedata
from collections.abc import Iterable, Iterator

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import Profile, Term

MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 8
REFRESH_CHUNK = 500
CARD_SKILLS = 4
CARD_OFFERS = 3

_NON_WORD = re.compile(r"[^\w]+|_+")
# Latin letters no Unicode decomposition takes apart, spelt as a plain keyboard types them
# ("Lætitia" is "Laetitia", "cœur" "coeur"); "ß" needs nothing here: it casefolds to "ss".
LATIN_SPELT = str.maketrans(
    {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L"}
    | {"đ": "d", "Đ": "D"}
)
# The letters `fold()` writes longer: a folded name is longer than the name by one per letter.
FOLDED_LONGER = "ßẞœŒæÆ"


def fold(text: str) -> str:
    """Lower-case, accent-free words separated by single spaces ("Développeur" → "developpeur",
    "Lætitia" → "laetitia")."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NON_WORD.sub(" ", stripped.casefold().translate(LATIN_SPELT)).split())


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


def _profile_terms(profile: Profile) -> list[Term]:
    """Its skills, offers and seeks, each term once (prefetched)."""
    seen: dict[int, Term] = {}
    for term in [*profile.skills.all(), *profile.offers.all(), *profile.seeks.all()]:
        seen.setdefault(term.pk, term)
    return list(seen.values())


def profile_document(profile: Profile) -> tuple[str, str, str]:
    """(A, B, C) weighted parts of its own words: name; headline, job and company; the rest.

    `profile` must have `company` loaded. Its terms are not in here (see `lexemes()`).
    """
    a = fold(profile.display_name)
    b_parts = [profile.headline, profile.job_title]
    if profile.company_id and profile.company:
        b_parts.append(profile.company.name)
    b = fold(" ".join(b_parts))
    c = fold(
        " ".join(
            [profile.offers_text, profile.seeks_text, profile.bio, profile.city, profile.region]
        )
    )
    return a, b, c


# --- lexemes no typed word can produce ------------------------------------------------------
# `fold()` keeps letters and digits only, so a search word never starts with "_": these
# lexemes are reached only through `words_tsquery()` (terms) and `facets_tsquery()`.

TERM = "_t"
FACET_SKILL = "_s"
FACET_OFFER = "_o"
FACET_SEEK = "_k"
FACET_SPACE = "_sp"
FACET_PLAN = "_p"
FACET_LANGUAGE = "_l"
FACET_PLACE = "_c"


def _literal(lexeme: str, weight: str = "") -> str:
    """A tsvector/tsquery literal: quoted, with a position and weight when given."""
    # Lexemes are built from ids, choice codes and folded words (letters, digits, spaces):
    # no quote nor backslash to escape.
    return f"'{lexeme}'" + (f":1{weight}" if weight else "")


def lexemes(profile: Profile, memberships: Iterable[tuple[int, str]]) -> str:
    """The profile's term and facet lexemes, as a tsvector literal.

    Terms (`_t<id>`, weight B: they rank like the headline), skills, offers and seeks by
    term, the spaces (home space and active memberships), active plans, languages and the
    city and region. `memberships` are its active (space id, plan) pairs.
    """
    out = [_literal(f"{TERM}{t.pk}", "B") for t in _profile_terms(profile)]
    for prefix, field in ((FACET_SKILL, "skills"), (FACET_OFFER, "offers"), (FACET_SEEK, "seeks")):
        out.extend(_literal(f"{prefix}{t.pk}") for t in getattr(profile, field).all())
    if profile.home_space_id:
        out.append(_literal(f"{FACET_SPACE}{profile.home_space_id}"))
    for space_id, plan in memberships:
        out.append(_literal(f"{FACET_SPACE}{space_id}"))
        out.append(_literal(f"{FACET_PLAN}{fold(plan)}"))
    for code in profile.languages or []:
        if isinstance(code, str) and fold(code):
            out.append(_literal(f"{FACET_LANGUAGE}{fold(code)}"))
    for place in (profile.city, profile.region):
        if fold(place):
            out.append(_literal(f"{FACET_PLACE}{fold(place)}"))
    return " ".join(out)


def term_words(terms: Iterable[Term]) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """Each term's folded words (every name and synonym), for `words_tsquery()`."""
    return tuple((t.pk, tuple(sorted(set(fold(" ".join(_term_words(t))).split())))) for t in terms)


def words_tsquery(words: list[str], index: Iterable[tuple[int, tuple[str, ...]]]) -> str:
    """A tsquery matching every word, as a prefix of the profile's own words or of a name
    or synonym of one of its terms ("vertal" → `'vertal':* | '_t1'`, term 1 being
    translation)."""
    index = tuple(index)
    parts = []
    for word in words:
        alternatives = [f"'{word}':*"]
        alternatives += [
            _literal(f"{TERM}{pk}") for pk, names in index if any(n.startswith(word) for n in names)
        ]
        parts.append("(" + " | ".join(alternatives) + ")")
    return " & ".join(parts)


def facets_tsquery(facets: Iterable[tuple[str, object]]) -> str:
    """A tsquery requiring every (prefix, value) facet, e.g. (FACET_SKILL, 3)."""
    return " & ".join(_literal(f"{prefix}{value}") for prefix, value in facets)


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
        from .directory.cache import directory_invalidate

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
        terms = " ".join(w for t in _profile_terms(p) for w in _term_words(t))
        rows.append(
            {
                "id": p.pk,
                "a": a,
                "b": b,
                "c": c,
                "lexemes": lexemes(p, memberships.get(p.user_id, [])),
                "created_on": timezone.localdate(p.created_at) if p.created_at else None,
                "document": " ".join(x for x in (a, b, fold(terms), c) if x),
                "card": profile_card(p),
            }
        )
    return rows


def _refresh_chunk(chunk: list[int]) -> int:
    """`profile_search_refresh()` for up to REFRESH_CHUNK profiles: a constant number of
    queries. How many were refreshed."""
    from .models import Membership

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

    values = ", ".join(["(%s::bigint, %s, %s, %s, %s, %s::date, %s::jsonb, %s)"] * len(rows))
    params: list = []
    for r in rows:
        params.extend(
            [
                r["id"],
                r["a"],
                r["b"],
                r["c"],
                r["lexemes"],
                r["created_on"],
                json.dumps(r["card"]),
                r["document"],
            ]
        )
    sql = f"""
        WITH v (id, a, b, c, lexemes, created_on, card, document) AS (VALUES {values}),
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


# --- querying --------------------------------------------------------------------------------


def search_filter(qs: QuerySet[Profile], words: list[str]) -> QuerySet[Profile]:
    """Profiles whose folded document has a word starting with each word: the search on
    SQLite, the same prefix match as PostgreSQL's ("ian" finds Ian, not Christian).

    On PostgreSQL the directory searches `ProfileSearch` instead
    (`members.selectors.directory_search_page()`); this stays valid there too.
    """
    cond = Q()
    for word in words:
        cond &= Q(search_document__startswith=word) | Q(search_document__contains=f" {word}")
    return qs.filter(cond)
