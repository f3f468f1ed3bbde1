"""The members directory: one public selector, with the per-database code beside it.

Public entry points (keep their names and signatures stable: the directory page and
/api/v1/directory/ call them):

    query = directory_query(params=request.GET)          # lenient: notices, never errors
    result = directory_search(viewer=request.user, query=query, page=None, per_page=24)
    result.cards, result.total, result.capped, result.page, result.number, result.notices

- `query.py`    the filters read from a query string (`DirectoryQuery`), their choices;
- `postgres.py` PostgreSQL: one statement on the full-text search rows, bounded work
                (its fragments in `postgres_parts.py`; `postgres_count.py`: its count up
                to the cap, or kept and brought up to date; `postgres_places.py`: people
                by place and space);
- `sqlite.py`   SQLite (the embedded default): querysets on the folded search document;
- `cards.py`    what a member card reads and shows (`members/_member_cards.html`);
- `cache.py`    the shared results cache and the per-process options, under one version.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db import connection
from django.utils import timezone

from ..search import fold
from . import postgres, postgres_places, sqlite
from .cache import options_get, viewer_class
from .postgres_count import counted_since, kept_total
from .query import (
    JOINED_CHOICES,
    MAX_PAGE,
    PER_PAGE,
    SORTS,
    DirectoryQuery,
    count_cap,
    directory_choices,
    directory_notice_page,
    directory_options,
    directory_parse,
    parse_choices,
)

__all__ = [
    "JOINED_CHOICES",
    "MAX_PAGE",
    "PER_PAGE",
    "SORTS",
    "DirectoryQuery",
    "DirectoryResult",
    "count_cap",
    "directory_choices",
    "directory_notice_page",
    "directory_options",
    "directory_parse",
    "directory_query",
    "directory_search",
    "profiles_in_places",
]


@dataclass
class DirectoryResult:
    """One page of the directory as `directory_search()` found it.

    `cards`: `members.models.Card`s or `Profile`s loaded by `cards.profile_cards()` (the same
    attributes); `total`: how many match, exact up to `count_cap()`; `capped`: there are more
    than the cap (then `total` is the cap: show "2,000+ members"); `number`: the page shown
    (a page past the end shows the last one, with a notice in `notices`); `page`: a Django
    `Page` over `cards` for the pagination template.
    """

    query: DirectoryQuery
    cards: list
    total: int
    capped: bool
    number: int
    per_page: int
    notices: list[str] = field(default_factory=list)

    @property
    def page(self) -> Page:
        paginator = Paginator([], self.per_page)
        paginator.count = self.total  # a cached_property: set it, no COUNT query
        return Page(self.cards, self.number, paginator)


def directory_query(*, params) -> DirectoryQuery:
    """The directory's filters from a query string: a QueryDict or any mapping of q, skill,
    offers, seeks, space, place, language, plan, joined, sort and page. Lenient: what it
    cannot use is dropped with a translated notice in `query.notices`. The query keeps the
    options it was read with (`query.options`): one read of the directory's version serves
    the whole request."""
    options = options_get()
    query = directory_parse(params, options={**options, **parse_choices()})
    query.options = options
    return query


# The counts a process keeps per directory version (lists' totals per viewer class).
COUNTS_KEPT = 1000


def _count_key(cls: str | None, query: DirectoryQuery) -> tuple | None:
    """What a filtered list's count depends on besides the version: the viewer's class (None,
    a viewer who sees their own hidden profile: not kept), the cap, the words and the
    filters (not the order or the page); and today's date for "joined"."""
    if cls is None:
        return None
    return (
        cls,
        count_cap(),
        tuple(query.words),
        *(row.pk if row else None for row in (query.skill, query.offer, query.seek, query.space)),
        query.place,  # as given: one of punctuation only names no place
        query.language,
        query.plan,
        query.joined,
        timezone.localdate() if query.joined else None,
    )


def _fetcher(viewer, query: DirectoryQuery, per_page: int):
    """`fetch(number) -> (cards, total)` for this query, from this database's module."""
    if connection.vendor != "postgresql":
        qs = sqlite.directory_profiles(user=viewer, query=query)
        return sqlite.profile_page_fetch(qs, user=viewer, per_page=per_page)
    options = query.options if query.options is not None else options_get()
    # How many people a viewer class finds changes only when a search row, a profile's
    # visibility or a term changes — each bumps the version the options are kept under —, so
    # a list is counted once per version and class (for each page and order of it), not on
    # every request; the date is part of a "joined" filter's key. After a change, the facet
    # counts answer a one-facet list, and a list this process counted before is brought up
    # to date from the search rows changed since (`counted_since()`), not counted again.
    counts = options.setdefault("counts", {})
    cls = viewer_class(viewer)
    if len(counts) >= COUNTS_KEPT:
        counts.clear()
    if query.filtered:
        key = _count_key(cls, query)

        def fetch(number: int):
            total = counts.get(key) if key else None
            since = None
            if total is None and key:  # what the facet counts answer is not counted
                facets = postgres.facet_lexemes(query)
                total = kept_total(cls, query, options["term_words"], facets)
            if total is None and key:
                since = postgres.count_key(cls, query, options["term_words"])
                total = counted_since(since)
            cards, total = postgres.directory_search_page(
                user=viewer,
                query=query,
                term_index=options["term_words"],
                number=number,
                per_page=per_page,
                total=total,
                visible=counts.get(cls) if cls else None,
                since=since,
            )
            if key:
                counts[key] = total
            return cards, total

        return fetch

    def fetch_all(number: int):
        known = counts.get(cls) if cls else None
        cards, total = postgres.directory_list_page(
            user=viewer, sort=query.sort, number=number, per_page=per_page, total=known
        )
        if cls:
            counts[cls] = total
        return cards, total

    return fetch_all


def directory_search(
    *,
    viewer,
    query: DirectoryQuery,
    page: int | None = None,
    per_page: int = PER_PAGE,
    clamp: bool = True,
) -> DirectoryResult:
    """Page `page` (default: `query.page`) of the directory as `viewer` may see it.

    The one selector behind the directory page and /api/v1/directory/. Every list starts
    from the visibility rule (`members.rules`): anonymous visitors see public profiles,
    members members-only ones too (and their own), staff everyone. A filtered list counts
    exactly up to `count_cap()` (`capped` above it: pages then stop at the cap) and orders
    best match with name matches first — the whole name, then a word of the name, then the
    start of one — on PostgreSQL (full-text rows, `postgres.py`) and SQLite (`sqlite.py`)
    alike. With `clamp`, a page past the end shows the last page and says so in `notices`;
    without, it is empty. A constant number of queries whatever the number of matches.
    """
    # `requested` as asked (a number, or MAX_PAGE for "last"); served at most MAX_PAGE deep.
    requested = max(1, page or query.page)
    number = min(requested, MAX_PAGE)
    cap = count_cap() if query.filtered else None
    last_cap = -(-cap // per_page) if cap is not None else MAX_PAGE
    notices = list(query.notices)
    fetch = _fetcher(viewer, query, per_page)
    if number > last_cap and not clamp:  # past the pages a broad list has: empty
        cards, total = [], fetch(1)[1]
    else:
        number = min(number, last_cap)  # never walk an index deeper than the cap
        cards, total = fetch(number)
    if clamp and not cards and number > 1 and total:
        number = -(-min(total, cap or total) // per_page)
        cards, total = fetch(number)
    elif clamp and not cards and number > 1:
        number = 1  # nothing matches: there is only the (empty) first page
    if clamp and number < requested and requested != MAX_PAGE and total:
        notices.append(directory_notice_page(requested, number))
    capped = cap is not None and total > cap
    return DirectoryResult(
        query=query,
        cards=cards,
        total=cap if capped else total,
        capped=capped,
        number=number,
        per_page=per_page,
        notices=notices,
    )


def profiles_in_places(
    *, viewer, places: list[str], exclude_space_id: int | None, limit: int | None = PER_PAGE
) -> tuple[list, int]:
    """(the first `limit` cards by name — all of them when None —, how many) of the people
    `viewer` may see whose city or region is one of `places` (accent- and case-insensitive)
    and who belong to a space (home space or active membership) but not to
    `exclude_space_id`: a chapter's region, working elsewhere. Answered like the directory's
    place and space filters, from its search rows; one query on either database."""
    folded = sorted({fold(place) for place in places} - {""})
    if not folded:
        return [], 0
    module = postgres_places if connection.vendor == "postgresql" else sqlite
    return module.profiles_in_places(
        viewer=viewer, places=folded, exclude_space_id=exclude_space_id, limit=limit
    )
