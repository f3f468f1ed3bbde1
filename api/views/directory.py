"""/api/v1/directory/: the members directory, through the directory page's own search path.

The query is read by `members.directory.directory_query()` and answered by
`directory_search()`, the one selector behind the directory page — on PostgreSQL one
statement on the search rows, on SQLite the folded documents — so the API lists exactly who
the page shows the same caller (`members.rules`): public profiles for anonymous callers,
members-only ones too with a token. Its pages are cached like the page's results (per
directory version, viewer class, language and query), so a change shows at once; the cache
keeps the cards' links as paths, made absolute for each caller's scheme and host.

A value the page would drop with a notice ("that filter was ignored") is a 400 here, saying
what is wrong and what is accepted: the page's notices describe what the page did instead.
"""

from __future__ import annotations

from django.http import QueryDict
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from members.directory import (
    JOINED_CHOICES,
    SORTS,
    directory_choices,
    directory_query,
    directory_search,
)
from members.directory.cache import cache_get, cache_key, cache_set
from members.directory.query import MAX_PLACE_CHARS
from members.search import MAX_QUERY_CHARS, MAX_QUERY_WORDS, all_query_words
from members.selectors import profile_contact, profile_detail

from ..pagination import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    cursor_make,
    cursor_read,
    next_link,
    page_size_of,
)
from ..serializers.members import (
    CardWriter,
    DirectoryPageSerializer,
    ProfileSerializer,
    cards_absolute,
)
from .base import ApiView, error_responses

FILTERS = ("q", "skill", "offers", "seeks", "space", "place", "language", "plan", "joined")


def _refusals(name: str, value: str) -> list[str]:
    """What is wrong with `value` for the parameter `name`, and what is accepted."""
    if name == "q":
        words = " ".join(value.split())
        refusals = []
        if len(words) > MAX_QUERY_CHARS:
            refusals.append(
                _("The search is too long: at most %(n)d characters.") % {"n": MAX_QUERY_CHARS}
            )
        if len(all_query_words(words)) > MAX_QUERY_WORDS:  # as searched: "Jean-Luc" is two
            refusals.append(
                _("The search has too many words: at most %(n)d.") % {"n": MAX_QUERY_WORDS}
            )
        return refusals or [_("This search is not valid.")]
    if name == "place":
        return [
            _("The city or region is too long: at most %(n)d characters.") % {"n": MAX_PLACE_CHARS}
        ]
    fixed = directory_choices()
    accepted = {
        "language": [code for code, __ in fixed["languages"]],
        "plan": [code for code, __ in fixed["plans"]],
        "joined": list(JOINED_CHOICES),
        "sort": list(SORTS),
    }
    term_unknown = _("There is no term “%(value)s”: use a term's slug, as in the cards' skills.")
    message = {
        "skill": term_unknown,
        "offers": term_unknown,
        "seeks": term_unknown,
        "space": _("There is no space “%(value)s”: use a slug from /api/v1/spaces/."),
        "language": _("Unknown language “%(value)s”: use one of %(choices)s."),
        "plan": _("Unknown plan “%(value)s”: use one of %(choices)s."),
        "joined": _("Unknown period “%(value)s”: use one of %(choices)s (days)."),
        "sort": _("Unknown sort order “%(value)s”: use one of %(choices)s."),
    }.get(name, _("This value is not allowed."))
    return [message % {"value": value.strip()[:40], "choices": ", ".join(accepted.get(name, ()))}]


def query_errors(params: QueryDict) -> dict[str, list[str]]:
    """Per parameter the directory page would drop (with a notice saying what it did
    instead), why the API refuses it. Each parameter is read alone by the page's own parser,
    so the rules stay the page's."""
    errors = {
        name: _refusals(name, value)
        for name, value in params.items()
        if directory_query(params={name: value}).notices
    }
    return errors or {"query": [_("This search is not valid.")]}


DIRECTORY_PARAMETERS = [
    OpenApiParameter(
        "q",
        str,
        description="Words searched in names, headlines, companies, "
        "bios, skills, offers and seeks, in English, French and Dutch.",
    ),
    OpenApiParameter("skill", str, description="A skill's slug."),
    OpenApiParameter("offers", str, description="Members who offer this term (its slug)."),
    OpenApiParameter("seeks", str, description="Members who seek this term (its slug)."),
    OpenApiParameter("space", str, description="A space's slug."),
    OpenApiParameter("place", str, description="A city or region."),
    OpenApiParameter("language", str, description="A spoken language's code (e.g. `fr`)."),
    OpenApiParameter("plan", str, description="A membership plan."),
    OpenApiParameter(
        "joined",
        str,
        enum=list(JOINED_CHOICES),
        description="Joined in the last 30, 90 or 365 days.",
    ),
    OpenApiParameter(
        "sort", str, enum=list(SORTS), description="Default: best match when searching, else name."
    ),
    OpenApiParameter("cursor", str, description="From the `next` link of the previous page."),
    OpenApiParameter(
        "page_size",
        # The bounds `page_size_of()` enforces, declared as the other lists' paginator does.
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        description=f"Items per page (default {DEFAULT_PAGE_SIZE}, at most {MAX_PAGE_SIZE}).",
    ),
]


class DirectoryView(ApiView):
    """Members the caller may see, searched and filtered like the directory page."""

    serializer_class = DirectoryPageSerializer
    filter_params = (*FILTERS, "sort", "cursor", "page_size")

    @extend_schema(
        operation_id="directory_list",
        parameters=DIRECTORY_PARAMETERS,
        responses={200: DirectoryPageSerializer, **error_responses()},
    )
    def get(self, request):
        params = QueryDict(mutable=True)
        for name in (*FILTERS, "sort"):
            if name in request.query_params:
                params[name] = request.query_params[name]
        query = directory_query(params=params)
        if query.notices:
            raise ValidationError(query_errors(params))
        size = page_size_of(request)
        position = cursor_read(request)
        number = position.get("n") if position else 1
        if not isinstance(number, int) or number < 1:
            raise ValidationError({"cursor": [_("This cursor is not valid.")]})
        canonical = urlencode(sorted(params.items()))
        key = cache_key(
            "results",
            user=request.user,
            # Cards with paths, not links ("paths", so no entry with links is ever read).
            query_string=f"api/v1/paths:{canonical}:{number}:{size}",
            options=query.options,
        )
        page = cache_get(key)
        if page is None:
            result = directory_search(
                viewer=request.user, query=query, page=number, per_page=size, clamp=False
            )
            writer = CardWriter()
            page = {
                "count": result.total,
                "capped": result.capped,
                "results": [writer.card(c) for c in result.cards],
            }
            cache_set(key, page)
        more = number * size < page["count"]
        nxt = next_link(request, cursor_make(request, n=number + 1)) if more else None
        return Response({**page, "results": cards_absolute(page["results"], request), "next": nxt})


class ProfileDetailView(ApiView):
    """A member's profile, if the caller may see it (else 404, as on the site)."""

    serializer_class = ProfileSerializer

    @extend_schema(
        operation_id="directory_retrieve",
        responses={200: ProfileSerializer, **error_responses(404)},
    )
    def get(self, request, slug: str):
        profile = profile_detail(user=request.user).filter(slug=slug).first()
        if profile is None:  # unknown, or not shown to this caller: the same answer
            raise NotFound(
                _("There is no member profile “%(slug)s” that you may see.") % {"slug": slug[:80]}
            )
        contact = profile_contact(profile=profile, viewer=request.user)
        card = CardWriter(request).card(profile)
        lang = (get_language() or "en")[:2]

        def terms(manager):
            return [{"slug": t.slug, "name": t.label(lang)} for t in manager.all()]

        space = profile.home_space
        return Response(
            {
                **card,
                "skills": terms(profile.skills),
                "more_skills": 0,
                "offers": terms(profile.offers),
                "more_offers": 0,
                "seeks": terms(profile.seeks),
                "bio": profile.bio,
                "city": profile.city,
                "region": profile.region,
                "website": profile.website,
                "linkedin": profile.linkedin,
                "languages": [str(x) for x in profile.languages or []],
                "offers_text": profile.offers_text,
                "seeks_text": profile.seeks_text,
                "member_since": profile.member_since,
                "home_space": (
                    {"slug": space.slug, "name": space.name, "city": space.city} if space else None
                ),
                "email": contact["email"] or None,
                "phone": contact["phone"] or None,
            }
        )
