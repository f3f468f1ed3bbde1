"""The parts of the directory's statement on PostgreSQL, which `postgres.py` puts together
and runs: the cards of a page, the match and its conditions, the orders, and the bounded walks
of an index that stand in for sorting every match."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ..search import (
    FACET_LANGUAGE,
    FACET_OFFER,
    FACET_PLACE,
    FACET_PLAN,
    FACET_SEEK,
    FACET_SKILL,
    FACET_SPACE,
    facets_tsquery,
    fold,
    words_tsquery,
)
from .cards import CARD_COLUMNS
from .postgres_count import NAME_VECTOR
from .query import JOINED_CHOICES, DirectoryQuery, count_cap

_ORDER = {
    "name": "display_name, {id}",
    "recent": "member_since DESC NULLS LAST, {id} DESC",
}

# Where a search's words stand in a profile's name (weight A of its vector): 0 the whole
# name, 1 every word a word of the name, 2 every word the start of one, 3 elsewhere.
# `name_lexemes`: the name's lexemes, counted when the vector is written (migration 0011),
# compared first: most names have more words than the search, and then no vector is read.
_NAME_TIER = """CASE
    WHEN NOT {v} @@ %(name_start)s::tsquery THEN 3
    WHEN name_lexemes = %(name_words)s AND {v} @@ %(name_phrase)s::tsquery THEN 0
    WHEN {v} @@ %(name_whole)s::tsquery THEN 1
    ELSE 2 END"""
# The tier of a row whose name holds every word whole (`NAME_VECTOR @@ name_plain`, found by
# the names' GIN index): 0 or 1, without testing the vector again for most rows (ranking the
# 2,433 name matches of "zoe" at 100,000 members: that test was 1 ms of 2.6).
_WHOLE_TIER = (
    "CASE WHEN name_lexemes = %(name_words)s AND {v} @@ %(name_phrase)s::tsquery THEN 0 ELSE 1 END"
)


# Best match's rank within a tier: `ts_rank` with its default weights (A 1, B 0.4, C 0.2)
# but D 0: the name's other spellings (`members.search.profile_variants()`) find a person,
# they do not move them up.
RANK = "ts_rank('{0, 0.2, 0.4, 1.0}', search_vector, %(words)s::tsquery)"


def cards_sql(page: str, visible: str, *, seen: bool = False) -> str:
    """A statement returning (total, *CARD_COLUMNS) rows, one per card of the page in order
    (one row of NULL cards when the page is empty). `page` is SQL that defines the CTE
    `page (total, ids)`; the cards' profile rows are checked against `visible` again.
    `seen`: the CTE also has `seen` (the snapshot a count was taken under, `SNAPSHOT`),
    returned after the total."""
    check = " AND " + visible.format(t="p.") if visible else ""
    return f"""
        WITH {page}
        SELECT page.total, {"page.seen, " if seen else ""}{CARD_COLUMNS}
        FROM page
        LEFT JOIN LATERAL unnest(page.ids) WITH ORDINALITY AS x (id, n) ON TRUE
        LEFT JOIN members_profile p ON p.id = x.id{check}
        LEFT JOIN members_company c ON c.id = p.company_id
        ORDER BY x.n
    """  # noqa: S608 - only fixed fragments are interpolated; values are parameters


def _facets(query: DirectoryQuery) -> str:
    """The facets' tsquery (skill, offer, seek, space, language, plan, place), or ""."""
    return facets_tsquery(_facet_pairs(query))


def facet_lexemes(query: DirectoryQuery) -> list[str]:
    """The lexemes of the list's facets, e.g. ["_s3", "_sp1"] (`members.models.FacetCount`)."""
    return [f"{prefix}{value}" for prefix, value in _facet_pairs(query)]


def _facet_pairs(query: DirectoryQuery) -> list[tuple[str, object]]:
    """The (prefix, value) of each facet the list filters on."""
    facets = [
        (prefix, row.pk)
        for prefix, row in (
            (FACET_SKILL, query.skill),
            (FACET_OFFER, query.offer),
            (FACET_SEEK, query.seek),
            (FACET_SPACE, query.space),
        )
        if row
    ]
    for prefix, value in (
        (FACET_LANGUAGE, query.language),
        (FACET_PLAN, query.plan),
        (FACET_PLACE, query.place),
    ):
        folded = fold(value) if value else ""
        if folded:
            facets.append((prefix, folded))
    return facets


# The words' tsqueries worked out with one term index (`directory_options()["term_words"]`,
# a new tuple for every directory version): expanding a word to the terms it names reads
# every term's words (~200 terms: 0.05-0.1 ms a search), the same for every request.
# (the index, {words: tsquery}), replaced as one reference: threads never mix two indexes.
_expanded: tuple = (None, {})
EXPANDED_KEPT = 1000


def _words_tsquery(words: list[str], term_index) -> str:
    """`words_tsquery(words, term_index)`, kept per term index (a tuple: immutable) — at
    most EXPANDED_KEPT searches."""
    global _expanded
    if not isinstance(term_index, tuple):
        return words_tsquery(words, term_index)
    index, kept = _expanded
    if index is not term_index:
        index, kept = _expanded = (term_index, {})
    key = tuple(words)
    found = kept.get(key)
    if found is None:
        if len(kept) >= EXPANDED_KEPT:
            kept.clear()
        found = kept[key] = words_tsquery(words, term_index)
    return found


def _match(query: DirectoryQuery, term_index) -> tuple[str, str]:
    """(the words' tsquery, the whole match: words and facets) — "" when there is none."""
    words = _words_tsquery(query.words, term_index) if query.words else ""
    match = " & ".join(x for x in (words and f"({words})", _facets(query)) if x)
    return words, match


def name_tsqueries(words: list[str]) -> dict:
    """The parameters of the name tiers for a search's (folded) words."""
    return {
        "name_prefix": " & ".join(f"'{w}':*" for w in words),
        "name_start": " & ".join(f"'{w}':*A" for w in words),
        "name_plain": " & ".join(f"'{w}'" for w in words),
        "name_whole": " & ".join(f"'{w}':A" for w in words),
        "name_phrase": " <-> ".join(f"'{w}':A" for w in words),
        "name_words": len(words),
    }


def _conditions(
    visible: str, query: DirectoryQuery, term_index, params: dict
) -> tuple[list, str, str]:
    """(the WHERE conditions but the match, the match's SQL, the words' tsquery), the rows
    seen being those of `visible` (`profile_visibility_sql()`, or a class's rule)."""
    where: list[str] = []
    words, match = _match(query, term_index)
    if query.place and not fold(query.place):
        where.append("FALSE")  # a place of punctuation only names no place
    if visible:
        where.append(visible.format(t=""))
    if query.joined:
        where.append(
            "(member_since >= %(since)s OR (member_since IS NULL AND created_on >= %(since)s))"
        )
        params["since"] = timezone.localdate() - timedelta(days=JOINED_CHOICES[query.joined])
    if not match:
        return where, "", words
    params["match"] = match
    return where, "search_vector @@ %(match)s::tsquery", words


def _broad_ids(
    sort: str, where: list[str], match: str, ranked: bool, rows: int, facets: bool = True
) -> str:
    """The page's ids when the matches pass the cap: index order, nothing ranked in full.

    The match is written `COALESCE(…, FALSE)` so that the planner walks the order's index,
    testing each row, instead of collecting every match through the GIN index to sort them:
    it cannot use an index and is assumed true for half the rows, whatever the words — this
    branch runs only past the cap, when many rows match. (`(…) IS TRUE`, used before, was
    assumed as rare as the words' tsquery: with a parameter, in a prepared statement's
    generic plan, that is 0.5 % of the rows, and at 10,000 members the plan read the whole
    table and sorted it, 3.5 ms instead of 0.1.) `rows` (at least the page's last row) is
    written into the statement for the same reason: with a parameter, a generic plan would
    assume a tenth of the table.
    Without `facets`, a name match is a match (each word is a prefix of a name's word): the
    name matches are not tested against the whole match again."""
    walk = [*where, f"COALESCE({match}, FALSE)"] if match else list(where)
    if not ranked:
        return f"""
            SELECT profile_id FROM members_profilesearch
            WHERE {" AND ".join(walk) or "TRUE"}
            ORDER BY {_ORDER[sort].format(id="profile_id")} LIMIT {int(rows)}
        """  # noqa: S608 - only fixed fragments are interpolated; values are parameters
    # The name matches through the names' own GIN index only (the whole match, tested on
    # each of them, would otherwise bring the broad bitmap of every match back): first those
    # whose name holds every word whole (tiers 0 and 1), then those where some word only
    # starts one (tier 2), each ranked — in turn, the same order as all of them ranked at once.
    base = walk if facets else where
    whole = f"{NAME_VECTOR} @@ %(name_plain)s::tsquery"
    started = [
        f"{NAME_VECTOR} @@ %(name_prefix)s::tsquery",
        "NOT search_vector @@ %(name_whole)s::tsquery",
    ]
    rest = [*walk, f"NOT {NAME_VECTOR} @@ %(name_prefix)s::tsquery"]

    def ranked_names(conditions: list[str], tier: str) -> str:
        return f"""
            SELECT profile_id FROM (
                SELECT profile_id, display_name, {tier} AS tier,
                       {RANK} AS rank
                FROM members_profilesearch WHERE {" AND ".join([*base, *conditions])}
                ORDER BY tier, rank DESC, display_name, profile_id LIMIT {int(rows)}
            ) n
        """  # noqa: S608 - only fixed fragments are interpolated; values are parameters

    # The name matches (bounded by the cap, ranked), then the others by name: UNION ALL
    # returns its branches in turn, and each runs only for the rows the page still lacks.
    return f"""
        SELECT profile_id FROM ({ranked_names([whole], _WHOLE_TIER.format(v="search_vector"))}) w
        UNION ALL
        SELECT profile_id FROM ({ranked_names(started, "2")}) s
        UNION ALL
        SELECT profile_id FROM (
            SELECT profile_id FROM members_profilesearch WHERE {" AND ".join(rest)}
            ORDER BY display_name, profile_id LIMIT {int(rows)}
        ) others
    """  # noqa: S608 - only fixed fragments are interpolated; values are parameters


# A list below the cap walks its order's index instead of sorting its matches when about
# this many rows would give its page (and at most four times as many are read). Measured at
# 10,000 members: `skill=seo` (905 matches, ~270 rows) 1.37 -> 0.79 ms; three facets (409
# matches, ~590 rows, a longer tsquery tested on each) 0.70 -> 0.67 ms of wall time, within
# the noise, with 512; in the backend's CPU (`bench/directory_cpu.py`, the statement alone,
# 400 runs alternated) the walk is 0.19 ms cheaper (867 -> 679 µs), hence 1024.
WALK_EXPECTED = 1024


def _walk_bound(query: DirectoryQuery, needed: int, total: int | None, visible: int | None):
    """How many index rows a filtered list may walk for its first `needed` rows (0: sort
    the matches): from its kept `total` (below the cap) and the viewer's `visible` total
    — matches spread evenly come every visible/total rows. Not with "joined" or a place of
    punctuation only (conditions the walk would test on rows it does not count)."""
    if not total or not visible or total > count_cap() or query.joined:
        return 0
    if query.place and not fold(query.place):
        return 0
    expected = needed * visible / total
    return _rows_bound(int(4 * expected)) if expected <= WALK_EXPECTED else 0


def _walked_sql(where: list[str], match: str, order: str, walk: int) -> tuple:
    """(the CTE `walked`, the CASE branch taking the page from it) for `_walk_bound()`'s walk
    of a list below the cap: the page's rows are the first matches in the order's index, so
    when the walk, in that order, found as many as the page needs (or all there are: the
    count is exact below the cap), they are the page."""
    walked = f"""walked AS MATERIALIZED (
        SELECT profile_id, display_name, member_since FROM (
            SELECT profile_id, display_name, member_since, COALESCE({match}, FALSE) AS hit
            FROM members_profilesearch WHERE {" AND ".join(where) or "TRUE"}
            ORDER BY {order} LIMIT {int(walk)}
        ) w WHERE hit LIMIT %(limit)s::bigint + %(offset)s::bigint
    ), """  # noqa: S608 - only fixed fragments are interpolated; values are parameters
    branch = f"""WHEN (SELECT count(*) FROM walked)
                    >= LEAST(%(limit)s::bigint + %(offset)s::bigint, counted.n)
               THEN ARRAY(SELECT profile_id FROM walked
                          ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s)
               """  # noqa: S608
    return walked, branch


def _rows_bound(rows: int) -> int:
    """`rows` rounded up to a power of two: a handful of statements for every page."""
    return 1 << max(5, (max(1, rows) - 1).bit_length())


def _page_of(ordered: str, rows: int) -> str:
    """The page (`limit` ids from `offset`) of `ordered`, a SELECT of ids in order, as an
    array: its first `rows` (at least offset + limit), then sliced. A bound written in the
    statement, not a LIMIT parameter, lets a generic plan see how few rows are read (with
    a parameter it assumes a tenth of the table, so PostgreSQL plans a list anew on every
    EXECUTE: 0.4 ms of the directory's first page at 10,000 members)."""
    return (
        f"(ARRAY({ordered} LIMIT {int(rows)}))"
        "[%(offset)s::int + 1 : %(offset)s::int + %(limit)s::int]"
    )
