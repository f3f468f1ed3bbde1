"""/api/v1/events/ and /api/v1/series/."""

from __future__ import annotations

import re
from datetime import date

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from events import selectors as event_selectors
from events.forms import EventFilterForm

from ..pagination import KeysetPagination
from ..selectors import api_events, api_series
from ..serializers.events import EventSerializer, EventSeriesSerializer
from .base import ApiView, error_responses

FIRST_YEAR, LAST_YEAR = 2000, 2100
# YYYY-MM-DD only: date.fromisoformat() also reads ten-character week dates ("2026-W01-1").
DAY_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_day(request, name: str) -> date | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    try:
        day = date.fromisoformat(raw) if DAY_RE.fullmatch(raw) else None
    except ValueError:
        day = None
    if day is None:
        raise ValidationError({name: [_("A date as YYYY-MM-DD, e.g. 2026-03-31.")]})
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValidationError(
            {name: [_("A date between %(a)d and %(b)d.") % {"a": FIRST_YEAR, "b": LAST_YEAR}]}
        )
    return day


def filter_refusal(name: str, value: str) -> str:
    """Why the API refuses a kind, chapter or space slug, and where the existing ones are
    (not the event page's "choose one from the list": an API caller has no list)."""
    message = {
        "kind": _(
            "There is no event kind “%(value)s”: use a kind's slug, as in the events' “kind”."
        ),
        "chapter": _("There is no chapter “%(value)s”: use a slug from /api/v1/chapters/."),
        "space": _("There is no space “%(value)s”: use a slug from /api/v1/spaces/."),
    }[name]
    return message % {"value": value.strip()[:40]}


EVENT_FILTERS = [
    OpenApiParameter("kind", str, description="An event kind's slug (e.g. `betacooks`)."),
    OpenApiParameter("chapter", str, description="A chapter's slug."),
    OpenApiParameter("space", str, description="A space's slug."),
    OpenApiParameter(
        "from",
        OpenApiTypes.DATE,
        description="Events starting on or after this local date (past ones included). "
        "Without it: upcoming events only.",
    ),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Events starting on or before it."),
]


class EventListView(ApiView):
    """Events the caller may see, soonest first."""

    serializer_class = EventSerializer
    pagination_class = KeysetPagination
    paginated = True
    ordering = ("start", "pk")
    filter_params = ("kind", "chapter", "space", "from", "to")

    @extend_schema(
        operation_id="events_list",
        parameters=EVENT_FILTERS,
        responses={200: EventSerializer(many=True), **error_responses()},
    )
    def get(self, request):
        # A blank value is no filter, as an empty one (and as the directory's; QA: "?space=
        # " was refused with 'There is no space “”').
        form = EventFilterForm(
            {k: request.query_params.get(k, "").strip() for k in ("kind", "chapter", "space")}
        )
        if not form.is_valid():
            raise ValidationError(
                {name: [filter_refusal(name, request.query_params[name])] for name in form.errors}
            )
        date_from, date_to = parse_day(request, "from"), parse_day(request, "to")
        if date_from and date_to and date_to < date_from:
            raise ValidationError({"to": [_("“to” comes before “from”.")]})
        qs = api_events(user=request.user, date_from=date_from, date_to=date_to, **form.filters())
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class EventDetailView(ApiView):
    serializer_class = EventSerializer

    @extend_schema(
        operation_id="events_retrieve", responses={200: EventSerializer, **error_responses(404)}
    )
    def get(self, request, slug: str):
        event = event_selectors.event_detail_queryset(user=request.user).filter(slug=slug).first()
        if event is None:  # unknown, or not shown to this caller: the same answer
            raise NotFound(
                _("There is no event “%(slug)s” that you may see.") % {"slug": slug[:80]}
            )
        return Response(self.get_serializer(event).data)


class SeriesListView(ApiView):
    """Recurring events of which the caller may see at least one occurrence, by title."""

    serializer_class = EventSeriesSerializer
    pagination_class = KeysetPagination
    paginated = True
    ordering = ("title", "pk")

    @extend_schema(
        operation_id="series_list",
        responses={200: EventSeriesSerializer(many=True), **error_responses()},
    )
    def get(self, request):
        page = self.paginate_queryset(api_series(user=request.user))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
