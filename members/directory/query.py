"""The directory's input: its filters read leniently from a query string, and their choices.

Anything unknown or malformed is dropped with a notice the page shows; nothing here raises,
so no query string can make the directory fail.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from betacowork.numbers import parse_int

from ..models import SPOKEN_LANGUAGES, Membership, Space, Term
from ..search import (
    MAX_QUERY_CHARS,
    MAX_QUERY_WORDS,
    all_query_words,
    symbol_terms,
    term_words,
)

JOINED_CHOICES = {"30": 30, "90": 90, "365": 365}
SORTS = ("name", "recent", "relevance")
PER_PAGE = 24
MAX_PAGE = 10_000
COUNT_CAP = 2_000
MAX_PLACE_CHARS = 80  # the longest city or region a list filters on


def count_cap() -> int:
    """How many matches a filtered list counts exactly (settings.DIRECTORY_COUNT_CAP, default
    2,000): above it the page says "2,000+ members" and pages stop at the cap."""
    return max(1, int(getattr(settings, "DIRECTORY_COUNT_CAP", COUNT_CAP)))


@dataclass
class DirectoryQuery:
    """The directory's filters, as `directory_parse()` read them."""

    q: str = ""
    words: list[str] = field(default_factory=list)
    skill: Term | None = None
    offer: Term | None = None
    seek: Term | None = None
    space: Space | None = None
    place: str = ""
    language: str = ""
    plan: str = ""
    joined: str = ""
    sort: str = "name"
    sort_param: str = ""  # what the visitor chose; "" = best match when searching, else name
    page: int = 1
    notices: list[str] = field(default_factory=list)
    # The options it was read with (`members.directory.cache.options_get()`): the search and
    # the filter form reuse them instead of reading the directory's version again.
    options: dict | None = field(default=None, repr=False, compare=False)

    @property
    def filtered(self) -> bool:
        return bool(
            self.words
            or self.skill
            or self.offer
            or self.seek
            or self.space
            or self.place
            or self.language
            or self.plan
            or self.joined
        )

    @property
    def blank_search(self) -> bool:
        """A search with nothing to look for ("!!!", "-"): everyone is listed. The page
        says so (`blank_search_notice()`); the API lists everyone, as without `q`."""
        return bool(self.q) and not self.words

    def params(self, **override) -> dict[str, str]:
        """The canonical query string, for shareable links and pagination."""
        values = {
            "q": self.q,
            "skill": self.skill.slug if self.skill else "",
            "offers": self.offer.slug if self.offer else "",
            "seeks": self.seek.slug if self.seek else "",
            "space": self.space.slug if self.space else "",
            "place": self.place,
            "language": self.language,
            "plan": self.plan,
            "joined": self.joined,
            "sort": self.sort_param,
        }
        values.update(override)
        return {k: v for k, v in values.items() if v not in ("", None)}

    @property
    def default_sort(self) -> str:
        return "relevance" if self.words else "name"


def directory_options(*, user=None) -> dict:
    """The filter form's rows (approved terms, spaces) and the word-to-term index a search
    is expanded with (every term, proposed ones included: profiles may use them).
    Two queries; kept per directory version by `members.directory.cache.options_get()`."""
    every_term = list(Term.objects.order_by("name_en"))
    spaces = list(Space.objects.order_by("name").only("pk", "slug", "name", "city"))
    terms = [t for t in every_term if t.status == Term.Status.APPROVED]
    return {
        "terms": terms,
        "spaces": spaces,
        "term_words": term_words(every_term),
        # Names a search must take whole, not folded to a letter ("C++"): `_parse_words()`.
        "symbol_terms": symbol_terms(every_term),
        # The rows by slug, for `directory_parse()` (built once per version, not per request).
        "terms_by_slug": {t.slug: t for t in terms},
        "spaces_by_slug": {s.slug: s for s in spaces},
    }


def parse_choices() -> dict:
    """The fixed choices `directory_parse()` checks values against (their labels are not
    read there): `directory_choices()` without translating anything, once per process."""
    return _PARSE_CHOICES


_PARSE_CHOICES = {"languages": SPOKEN_LANGUAGES, "plans": Membership.Plan.choices}


def directory_choices() -> dict:
    """The filter form's fixed choices, in the active language (no query)."""
    return {
        "languages": SPOKEN_LANGUAGES,
        "plans": Membership.Plan.choices,
        "joined": [
            ("30", _("in the last month")),
            ("90", _("in the last 3 months")),
            ("365", _("in the last year")),
        ],
    }


def _one(params, name: str) -> str:
    values = params.getlist(name) if hasattr(params, "getlist") else [params.get(name, "")]
    value = values[-1] if values else ""
    return "" if value is None else str(value)


def _parse_words(query: DirectoryQuery, params, options: dict) -> None:
    raw_q = " ".join(_one(params, "q").split())
    if len(raw_q) > MAX_QUERY_CHARS:
        query.notices.append(
            _("Your search was cut to its first %(n)d characters.") % {"n": MAX_QUERY_CHARS}
        )
        raw_q = raw_q[:MAX_QUERY_CHARS]
    query.q = raw_q
    # As searched: "Jean-Luc" is two words, "Web web" one, "C++" the term so named.
    words = all_query_words(raw_q, options.get("symbol_terms"))
    query.words = words[:MAX_QUERY_WORDS]
    if len(words) > MAX_QUERY_WORDS:
        query.notices.append(
            _("Only the first %(n)d words of your search are used.") % {"n": MAX_QUERY_WORDS}
        )


def _by_slug(options: dict, key: str, rows: str) -> dict:
    """`options[key]` (`directory_options()` builds it once per version), or built now from
    `options[rows]` for callers whose options lack it."""
    found = options.get(key)
    return found if found is not None else {row.slug: row for row in options[rows]}


def _row_label(param: str) -> str:
    """The filter's name in a notice (translated only when a notice is written)."""
    return {"skill": _("skill"), "offers": _("offer"), "seeks": _("seek")}[param]


def _parse_rows(query: DirectoryQuery, params, options: dict) -> None:
    """Skill, offer, seek and space: slugs of known rows."""
    terms = None
    for param, attr in (("skill", "skill"), ("offers", "offer"), ("seeks", "seek")):
        slug = _one(params, param).strip()[:80]
        if not slug:
            continue
        if terms is None:
            terms = _by_slug(options, "terms_by_slug", "terms")
        if slug in terms:
            setattr(query, attr, terms[slug])
        else:
            query.notices.append(
                _("There is no %(what)s called “%(value)s”: that filter was ignored.")
                % {"what": _row_label(param), "value": slug}
            )
    space_slug = _one(params, "space").strip()[:120]
    if space_slug:
        spaces = _by_slug(options, "spaces_by_slug", "spaces")
        if space_slug in spaces:
            query.space = spaces[space_slug]
        else:
            query.notices.append(
                _("There is no space called “%(value)s”: that filter was ignored.")
                % {"value": space_slug}
            )


def _parse_choices(query: DirectoryQuery, params, options: dict) -> None:
    """Place, language, plan and "joined": free text or one of fixed choices."""
    notices = query.notices
    place = " ".join(_one(params, "place").split())
    if len(place) > MAX_PLACE_CHARS:
        notices.append(_("The city or region was too long and was ignored."))
        place = ""
    query.place = place
    language = _one(params, "language").strip()
    if language and language in dict(options["languages"]):
        query.language = language
    elif language:
        notices.append(
            _("Unknown language “%(value)s”: that filter was ignored.") % {"value": language[:20]}
        )
    plan = _one(params, "plan").strip()
    if plan and plan in dict(options["plans"]):
        query.plan = plan
    elif plan:
        notices.append(
            _("Unknown plan “%(value)s”: that filter was ignored.") % {"value": plan[:20]}
        )
    joined = _one(params, "joined").strip()
    if joined and joined in JOINED_CHOICES:
        query.joined = joined
    elif joined:
        notices.append(_("“Joined” must be 30, 90 or 365 days: that filter was ignored."))


def _parse_order(query: DirectoryQuery, params) -> None:
    sort = _one(params, "sort").strip()
    query.sort = query.default_sort
    if sort == "relevance":
        query.sort_param = sort  # without a search, relevance means name order
    elif sort in SORTS:
        query.sort = query.sort_param = sort
    elif sort:
        query.notices.append(
            _("Unknown sort order “%(value)s”: sorted by name.") % {"value": sort[:20]}
        )
    page = _one(params, "page").strip()
    if page and parse_int(page, minimum=1, max_digits=6) is not None:
        query.page = int(page)
    elif page == "last":
        query.page = MAX_PAGE
    elif page:
        query.notices.append(
            _("“%(value)s” is not a page number: showing the first page.") % {"value": page[:20]}
        )


def directory_parse(params, *, options: dict) -> DirectoryQuery:
    """A `DirectoryQuery` from a query string (a QueryDict or any mapping of the names q,
    skill, offers, seeks, space, place, language, plan, joined, sort, page), with a notice
    for each value it had to drop. `options`: `directory_options()` and
    `directory_choices()` merged."""
    query = DirectoryQuery()
    _parse_words(query, params, options)
    _parse_rows(query, params, options)
    _parse_choices(query, params, options)
    _parse_order(query, params)
    return query


def blank_search_notice(query: DirectoryQuery) -> str:
    return _("Your search “%(value)s” has no letters or digits: showing everyone.") % {
        "value": query.q[:20]
    }


def directory_notice_page(requested: int, last: int) -> str:
    return ngettext(
        "There is only %(last)d page: showing it.",
        "There are only %(last)d pages: showing the last one.",
        last,
    ) % {"last": last}
