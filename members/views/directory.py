"""The directory page (filters, results in place for scripts, the shared results cache) and
the autocompletes of people, terms and companies."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.cache import patch_vary_headers
from django.utils.html import conditional_escape
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View

from betacowork.numbers import parse_int

from ..directory import directory_query, directory_search
from ..directory.cache import cache_get, cache_key, cache_set
from ..directory.cards import cards_html
from ..directory.query import blank_search_notice
from ..directory.sqlite import profile_page_fetch
from ..rules import has_staff_tools
from ..search import fold
from ..selectors import (
    MAX_PAGE,
    PER_PAGE,
    companies_to_suggest,
    directory_choices,
    directory_notice_page,
    people_autocomplete,
    terms_autocomplete,
)
from ..templatetags.members_tags import options_html, options_render

FRAGMENT_HEADER = "X-Requested-With"
FRAGMENT_VALUE = "fetch"
RESULTS_TEMPLATE = "members/_directory_results.html"


def _is_fragment(request) -> bool:
    return request.headers.get(FRAGMENT_HEADER) == FRAGMENT_VALUE


def paginate(qs, number: int, *, per_page: int = PER_PAGE):
    """A page of `qs`, clamped into range: (page, notice or "")."""
    paginator = Paginator(qs, per_page)
    last = paginator.num_pages
    notice = ""
    if number > last:
        if number != MAX_PAGE:  # MAX_PAGE: "last", asked for
            notice = directory_notice_page(number, last)
        number = last
    return paginator.get_page(number), notice


# The SQLite fetch, for callers written before `members.directory`.
_profile_page_fetch = profile_page_fetch


def page_number_of(request) -> tuple[int, str]:
    raw = request.GET.get("page", "").strip()
    if not raw:
        return 1, ""
    if parse_int(raw, minimum=1, max_digits=6) is not None:
        return int(raw), ""
    return 1, _("“%(value)s” is not a page number: showing the first page.") % {"value": raw[:20]}


def page_of_request(request, qs, *, per_page: int = PER_PAGE):
    """The page of `qs` the request's `page` asks for, never a 404: no number or a bad one
    shows the first page, one past the end the last — (page, the notices saying so)."""
    number, notice = page_number_of(request)
    page, clamp_notice = paginate(qs, number, per_page=per_page)
    return page, [n for n in (notice, clamp_notice) if n]


def _by_label(choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`choices` in alphabetical order of their labels, as a reader orders them: accents and
    case aside ("écriture" among the E's, "SEO" among the S's), then as written."""
    return sorted(choices, key=lambda choice: (fold(choice[1]), choice[1]))


def _filter_choices(options: dict) -> dict[str, str]:
    """The filter selects' `<option>`s, rendered once per language and options version
    (kept in the options' memo): `{% options_html %}` then only marks the chosen one."""
    language = get_language() or "en"
    rendered = options.setdefault("rendered", {})
    if language not in rendered:
        fixed = directory_choices()
        rendered[language] = {
            name: options_render(choices)
            for name, choices in (
                ("terms", _by_label([(t.slug, t.label(language)) for t in options["terms"]])),
                ("spaces", [(sp.slug, f"{sp.name} ({sp.city})") for sp in options["spaces"]]),
                ("languages", fixed["languages"]),
                ("plans", fixed["plans"]),
                ("joined", fixed["joined"]),
                (
                    "sort",
                    [("", _("Best match")), ("name", _("Name")), ("recent", _("Newest members"))],
                ),
            )
        }
    return rendered[language]


# What each request puts into the kept form (`form_html`): stand-ins in the markup.
_FORM_SLOTS = (
    "q", "place", "skill", "offers", "seeks", "space", "language", "plan", "joined", "sort",
    "results",
)  # fmt: skip
_FORM_STAND_IN = re.compile("\x00(" + "|".join(_FORM_SLOTS) + ")\x00")


# The form's and the results fragment's markup without their values (`form_html`,
# `results_html`), per process: they hold no data, so a change (a new directory version)
# does not render them again.
_forms: dict[tuple, str] = {}
_results: dict[tuple, str] = {}


def form_html(query, choices: dict, *, staff_tools: bool, results_html: str) -> str:
    """The directory's form (`members/_directory_form.html`) with this request's values and
    results. Its markup — labels, selects, buttons, in the active language — is rendered
    once per language and staff flag and kept in the process (unless DEBUG is on); each
    request only puts in its search, place, chosen options and results, in one pass (a
    value is never read again as a stand-in)."""
    kept = {} if settings.DEBUG else _forms
    key = (get_language() or "en", get_script_prefix(), staff_tools)
    markup = kept.get(key)
    if markup is None:
        stand_ins = {name: f"\x00{name}\x00" for name in _FORM_SLOTS}
        context = {"form": stand_ins, "staff_tools": staff_tools}
        markup = kept[key] = render_to_string("members/_directory_form.html", context)
    values = {
        "q": conditional_escape(query.q),
        "place": conditional_escape(query.place),
        "skill": options_html(choices["terms"], query.skill.slug if query.skill else ""),
        "offers": options_html(choices["terms"], query.offer.slug if query.offer else ""),
        "seeks": options_html(choices["terms"], query.seek.slug if query.seek else ""),
        "space": options_html(choices["spaces"], query.space.slug if query.space else ""),
        "language": options_html(choices["languages"], query.language),
        "plan": options_html(choices["plans"], query.plan),
        "joined": options_html(choices["joined"], query.joined),
        "sort": options_html(choices["sort"], query.sort_param),
        "results": results_html,
    }
    # Every value is escaped (or our own rendered markup).
    return mark_safe(_FORM_STAND_IN.sub(lambda m: values[m.group(1)], markup))


# What each request puts into a kept results fragment (`results_html`): stand-ins.
_RESULTS_STAND_IN = re.compile("\x00(cards|base)\x00")
RESULTS_KEPT = 1000  # fragment skeletons a process keeps


def results_html(result) -> str:
    """The results fragment (`members/_directory_results.html`) of a `DirectoryResult`.

    Everything in it but the cards and the filters in its page links — the notices, the
    count ("1,234 members", "2,000+ members"), the pagination and the empty message, in the
    active language — follows from a few values (`_results_shape`), so its markup is
    rendered once per shape and kept in the process (unless DEBUG is on); each request only
    puts in its cards and its links' query string, in one pass (0.29 -> 0.05 ms at 10,000
    members, in a loop: the template's translation tags and the pagination it includes cost
    more than the 24 kept cards)."""
    page = result.page
    params = result.query.params()
    page_base = "?" + urlencode(params) + ("&" if params else "")
    cards = cards_html(page.object_list)
    context = {
        "query": result.query,
        "result": result,
        "notices": result.notices,
        "page_obj": page,
        "profiles": page.object_list,
    }
    if settings.DEBUG:
        return render_to_string(
            RESULTS_TEMPLATE, {**context, "cards": cards, "page_base": page_base}
        )
    key = _results_shape(result)
    markup = _results.get(key)
    if markup is None:
        if len(_results) >= RESULTS_KEPT:
            _results.clear()
        stand_ins = {"cards": mark_safe("\x00cards\x00"), "page_base": "\x00base\x00"}
        markup = _results[key] = render_to_string(RESULTS_TEMPLATE, {**context, **stand_ins})
    # The links' query string is escaped as the template escapes `{% page_url %}`; the
    # cards are our own rendered markup. No request carries a NUL (the middleware refuses
    # it), so only the stand-ins are read as stand-ins.
    values = {"cards": cards, "base": conditional_escape(page_base)}
    return mark_safe(_RESULTS_STAND_IN.sub(lambda m: values[m.group(1)], markup))


def _results_shape(result) -> tuple:
    """What the results fragment shows besides its cards and links' query string."""
    return (
        get_language() or "en",
        get_script_prefix(),
        tuple(result.notices),
        result.total,
        result.capped,
        result.query.filtered,
        bool(result.cards),
        result.number,
        result.per_page,
    )


class DirectoryView(View):
    """The directory: search, filters, sorting, pagination; as a page or as a fragment.

    Its data comes from one selector, `members.directory.directory_search()`. The results
    fragment is cached per viewer class and query string (see `members.directory.cache`): a
    popular search costs one cache read.
    """

    template_name = "members/directory.html"

    def get(self, request):
        query = directory_query(params=request.GET)
        if query.blank_search:  # "!!!": say why everyone is listed
            query.notices.append(blank_search_notice(query))
        canonical = urlencode(sorted((k, v) for k, vs in request.GET.lists() for v in vs))
        results_key = cache_key(
            "results", user=request.user, query_string=canonical, options=query.options
        )
        html = cache_get(results_key)
        if html is None:
            result = directory_search(viewer=request.user, query=query)
            html = results_html(result)
            cache_set(results_key, html)
        if _is_fragment(request):
            response = HttpResponse(html)
        else:
            form = form_html(
                query,
                _filter_choices(query.options),
                staff_tools=has_staff_tools(request.user),
                results_html=html,  # our own rendered template
            )
            context = {"query": query, "form_html": form}
            response = render(request, self.template_name, context)
        patch_vary_headers(response, [FRAGMENT_HEADER])
        return response


def _q(request) -> str:
    return request.GET.get("q", "")[:200]


class TermAutocompleteView(View):
    """Vocabulary terms the visitor may use (approved, plus their own proposals)."""

    def get(self, request):
        return JsonResponse({"results": terms_autocomplete(user=request.user, q=_q(request))})


class PeopleAutocompleteView(View):
    """People by name, through `visible_to` like every list of people."""

    def get(self, request):
        return JsonResponse({"results": people_autocomplete(user=request.user, q=_q(request))})


class CompanyAutocompleteView(View):
    """Companies by name, among those the visitor may be offered (`companies_to_suggest`)."""

    def get(self, request):
        q = " ".join(_q(request).split())[:60]
        names = []
        if q:
            names = list(
                companies_to_suggest(user=request.user)
                .filter(Q(name__icontains=q))
                .values_list("name", flat=True)[:10]
            )
        return JsonResponse({"results": names})


# --- my data ---------------------------------------------------------------------------------
