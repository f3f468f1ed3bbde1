"""The directory on PostgreSQL: every list in one statement on the narrow `ProfileSearch` rows.

A filtered list is one tsquery the GIN index answers (a search's words, each expanded to the
terms it names, and the skill, offer, seek, space, language, plan and place facets, see
`members.search`); "joined recently" and visibility are checked on the matches. The same
statement counts the matches, picks the page's ids and reads their cards.

The work is bounded whatever the number of matches (`count_cap()`, 2,000 by default):

- the matches are read at most cap + 1 times: an exact count up to the cap, "2,000+" above;
- up to the cap, the matches are ordered as they always were (best match: name matches first —
  the whole name, then every word a word of the name, then every word the start of one —,
  then `ts_rank`, name A; headline, job, company and terms B; the rest C);
- above it (a broad search), nothing is ranked in full: best match takes the name matches
  first (found by the GIN index on the names alone, `members_profilesearch_name_gin`), then
  the rest by walking the name index; name and newest-first orders walk their own index
  (`members_profilesearch_name_idx`, `_since_idx`) and stop at the page's last card.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from betacowork.db import fetchall_prepared

from ..models import Card
from ..rules import profile_visibility_sql
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
from .postgres_count import (
    NAME_VECTOR,
    SNAPSHOT,
    class_visibility_sql,
    count_keep,
    search_count_sql,
    visible_total_sql,
)
from .query import JOINED_CHOICES, PER_PAGE, DirectoryQuery, count_cap

_ORDER = {
    "name": "display_name, {id}",
    "recent": "member_since DESC NULLS LAST, {id} DESC",
}

# Where a search's words stand in a profile's name (weight A of its vector): 0 the whole
# name, 1 every word a word of the name, 2 every word the start of one, 3 elsewhere.
# `name_lexemes`: the name's lexemes, counted when the vector is written (migration 0011),
# compared first: most names have more words than the search, and then no vector is read.
_NAME_TIER = """CASE
    WHEN NOT {v} @@ %(name_prefix)s::tsquery THEN 3
    WHEN name_lexemes = %(name_words)s AND {v} @@ %(name_phrase)s::tsquery THEN 0
    WHEN {v} @@ %(name_whole)s::tsquery THEN 1
    ELSE 2 END"""
# The tier of a row whose name holds every word whole (`NAME_VECTOR @@ name_plain`, found by
# the names' GIN index): 0 or 1, without testing the vector again for most rows (ranking the
# 2,433 name matches of "zoe" at 100,000 members: that test was 1 ms of 2.6).
_WHOLE_TIER = (
    "CASE WHEN name_lexemes = %(name_words)s AND {v} @@ %(name_phrase)s::tsquery THEN 0 ELSE 1 END"
)


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


def _cards_fetch(
    sql: str, params: dict, *, number: int, per_page: int, kept: bool = False, seen: bool = False
) -> tuple[list[Card], int, str | None]:
    """The cards, total and snapshot (`seen`, else None) of `sql` (`cards_sql()`). `kept`:
    the statement takes its total as a parameter, kept from an earlier count, so it runs on
    every request for that list: its generic plan from the first run. Else it counts, once
    per directory version: a plan for its values every time (see `fetchall_prepared()`)."""
    params = {**params, "limit": per_page, "offset": (number - 1) * per_page}
    rows = fetchall_prepared(sql, params, plan="generic" if kept else "custom")
    first = 2 if seen else 1
    cards = [Card(row[first:]) for row in rows if row[first] is not None]
    return cards, rows[0][0], rows[0][1] if seen else None


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
        if fold(value):
            facets.append((prefix, fold(value)))
    return facets


def _match(query: DirectoryQuery, term_index) -> tuple[str, str]:
    """(the words' tsquery, the whole match: words and facets) — "" when there is none."""
    words = words_tsquery(query.words, term_index) if query.words else ""
    match = " & ".join(x for x in (words and f"({words})", _facets(query)) if x)
    return words, match


def name_tsqueries(words: list[str]) -> dict:
    """The parameters of the name tiers for a search's (folded) words."""
    return {
        "name_prefix": " & ".join(f"'{w}':*" for w in words),
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
                       ts_rank(search_vector, %(words)s::tsquery) AS rank
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
# matches, ~590 rows, a longer tsquery tested on each) gained nothing, hence the bound.
WALK_EXPECTED = 512


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


def directory_search_sql(
    *,
    user,
    query: DirectoryQuery,
    term_index,
    rows: int = PER_PAGE,
    total: int | None = None,
    walk: int = 0,
) -> tuple[str, dict]:
    """The SQL of `directory_search_page()` and its parameters (without the page's: `limit`
    and `offset`, which must not reach past `rows`). Given the `total` (as counted before,
    up to cap + 1), the matches are not counted again; given `walk` too (`_walk_bound()`),
    a list below the cap in name or newest-first order first walks that order's index for
    at most `walk` rows, and sorts its matches only when the walk found too few."""
    cap = count_cap()
    params: dict = {}
    visible = profile_visibility_sql(user, params)
    where, match, words = _conditions(visible, query, term_index, params)
    ranked = query.sort == "relevance" and bool(words)
    sort = query.sort if query.sort in _ORDER else "name"
    if ranked:
        params["words"] = words
        order = (
            f"{_NAME_TIER.format(v='search_vector')}, ts_rank(search_vector, %(words)s::tsquery)"
            " DESC, display_name, profile_id"
        )
    else:
        order = _ORDER[sort].format(id="profile_id")
    conditions = " AND ".join([*where, match] if match else where) or "TRUE"
    facets = bool(_facets(query))
    if query.words:
        params.update(name_tsqueries(query.words))
    if total is None:  # counted under the statement's snapshot: `seen` (`counted_since()`)
        count = search_count_sql(query, term_index, where, match, params, cap, facets=facets)
        counted = f"SELECT n, {SNAPSHOT} AS seen FROM ({count}) c"  # noqa: S608
    else:
        counted, params["total"] = "SELECT %(total)s::bigint AS n", min(int(total), cap + 1)
    # Counted up to cap + 1 (`search_count_sql()`, MATERIALIZED: run once); up to the cap the
    # page is ordered from the matches, past it an index is walked (`_broad_ids()`). With the
    # total kept, only the branch it chooses is in the statement: each EXECUTE opens every
    # scan of its plan, taken or not (10k members: 0.03-0.14 ms per list, e.g. 1.39 -> 1.26).
    above = "ARRAY(SELECT profile_id FROM ({}) b LIMIT %(limit)s OFFSET %(offset)s)"
    ordered = f"SELECT profile_id FROM members_profilesearch WHERE {conditions}"  # noqa: S608
    below = _page_of(f"{ordered} ORDER BY {order}", rows)
    walked = ""
    if total is not None and params["total"] > cap:
        ids = above.format(_broad_ids(sort, where, match, ranked, rows, facets=facets))
    elif total is not None and walk and match and not ranked:
        walked, walked_ids = _walked_sql(where, match, order, walk)
        ids = f"CASE {walked_ids} ELSE {below} END"
    elif total is not None:
        ids = below
    else:
        broad = above.format(_broad_ids(sort, where, match, ranked, rows, facets=facets))
        ids = f"CASE WHEN counted.n <= {cap} THEN {below} ELSE {broad} END"
    seen = ", counted.seen AS seen" if total is None else ""
    page = f"""
        counted AS MATERIALIZED ({counted}), {walked}page AS (
            SELECT counted.n AS total{seen}, {ids} AS ids FROM counted
        )
    """  # noqa: S608 - only fixed fragments are interpolated; values are parameters
    return cards_sql(page, profile_visibility_sql(user, {}), seen=total is None), params


def directory_search_page(
    *,
    user,
    query: DirectoryQuery,
    term_index,
    number: int,
    per_page: int = PER_PAGE,
    total: int | None = None,
    visible: int | None = None,
    since: tuple | None = None,
) -> tuple[list[Card], int]:
    """(the cards of page `number`, total — cap + 1 when there are more than the cap) of a
    filtered directory list, in one statement on the `ProfileSearch` rows. `term_index` is
    `directory_options()["term_words"]`; `total`, when the caller kept it from an earlier
    count of the same match, and `visible`, how many profiles the viewer sees in all;
    `since`, the key under which a count it takes is kept (`count_key()`). The
    same members and order as
    `members.directory.sqlite.directory_profiles()` (but for best match, which ranks by
    `ts_rank` within the name tiers here), checked against the same visibility rule."""
    rows = _rows_bound(number * per_page)
    walk = _walk_bound(query, number * per_page, total, visible)
    sql, params = directory_search_sql(
        user=user, query=query, term_index=term_index, rows=rows, total=total, walk=walk
    )
    cards, counted, seen = _cards_fetch(
        sql, params, number=number, per_page=per_page, kept=total is not None, seen=total is None
    )
    if since is not None and seen is not None:
        count_keep(since, counted, seen)
    return cards, counted


def count_key(cls: str, query: DirectoryQuery, term_index) -> tuple:
    """What a filtered list's count for viewers of class `cls` is a function of: the cap
    and its conditions on the search rows, as SQL and parameters (the class's rule for the
    visibility; the words as the terms they name, and today's date for "joined")."""
    params: dict = {}
    where, match, _words = _conditions(class_visibility_sql(cls, params), query, term_index, params)
    conditions = " AND ".join([*where, match] if match else where) or "TRUE"
    return count_cap(), conditions, tuple(sorted(params.items()))


def directory_list_page(
    *, user, sort: str, number: int, per_page: int = PER_PAGE, total: int | None = None
) -> tuple[list[Card], int]:
    """(the cards of page `number`, total) of the unfiltered directory, in one query: the
    total from the per-visibility counts (`visible_total_sql()`, unless the caller knows
    it), the page's ids by walking the name (or "member since") index, and their cards."""
    params: dict = {}
    visible = profile_visibility_sql(user, params)
    where = visible.format(t="") or "TRUE"
    order = _ORDER["recent" if sort == "recent" else "name"].format(id="id")
    if total is None:
        count = visible_total_sql(user, params)
    else:
        count, params["total"] = "%(total)s::bigint", total
    ordered = f"SELECT id FROM members_profile WHERE {where} ORDER BY {order}"  # noqa: S608
    ids = _page_of(ordered, _rows_bound(number * per_page))
    page = f"page AS (SELECT {count} AS total, {ids} AS ids)"
    sql = cards_sql(page, visible)
    cards, total, _seen = _cards_fetch(
        sql, params, number=number, per_page=per_page, kept=total is not None
    )
    return cards, total
