"""The directory on PostgreSQL: every list in one statement on the narrow `ProfileSearch` rows.

A filtered list is one tsquery the GIN index answers (a search's words, each expanded to the
terms it names, and the skill, offer, seek, space, language, plan and place facets, see
`members.search`); "joined recently" and visibility are checked on the matches. The same
statement counts the matches, picks the page's ids and reads their cards.

The work is bounded whatever the number of matches (`count_cap()`, 2,000 by default):

- the matches are read at most cap + 1 times: an exact count up to the cap, "2,000+" above;
- up to the cap, the matches are ordered as they always were (best match: name matches first —
  the whole name, then every word a word of the name, then every word the start of one —,
  then `ts_rank`, name A; headline, job, company and terms B; the rest C; the name's
  other spellings D, weighed 0);
- above it (a broad search), nothing is ranked in full: best match takes the name matches
  first (found by the GIN index on the names alone, `members_profilesearch_name_gin`), then
  the rest by walking the name index; name and newest-first orders walk their own index
  (`members_profilesearch_name_idx`, `_since_idx`) and stop at the page's last card.

The statement's parts (cards, match, orders, walks) are built in `postgres_parts.py`.
"""

from __future__ import annotations

from betacowork.db import fetchall_prepared

from ..models import Card
from ..rules import profile_visibility_sql
from .postgres_count import (
    SNAPSHOT,
    class_visibility_sql,
    count_keep,
    search_count_sql,
    visible_total_sql,
)
from .postgres_parts import (  # noqa: F401 - WALK_EXPECTED, facet_lexemes: public here too
    _NAME_TIER,
    _ORDER,
    RANK,
    WALK_EXPECTED,
    _broad_ids,
    _conditions,
    _facets,
    _page_of,
    _rows_bound,
    _walk_bound,
    _walked_sql,
    cards_sql,
    facet_lexemes,
    name_tsqueries,
)
from .query import PER_PAGE, DirectoryQuery, count_cap


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
        order = f"{_NAME_TIER.format(v='search_vector')}, {RANK} DESC, display_name, profile_id"
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
