"""Calendars: one event's .ics, the public feeds, the personal feed and its token (POST only)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View

from .. import selectors, services
from ..feeds import feed_title, personal_feed_title
from ..forms import EventFilterForm
from ..ics import PERSONAL_FEED_REFRESH, PUBLIC_FEED_REFRESH, event_ics, events_ics
from ..models import CalendarToken, Event, Registration
from .common import TOKEN_RE, _ics_response


class EventIcsView(View):
    def get(self, request, slug):
        event = get_object_or_404(
            Event.objects.visible_to(request.user).select_related("kind", "space"), slug=slug
        )
        # Someone on the waitlist gets what their email's attachment and their own feed say:
        # TENTATIVE, "(waitlist)" in the title.
        registration = selectors.registration_for(event=event, user=request.user)
        waitlisted = (
            registration is not None and registration.status == Registration.Status.WAITLISTED
        )
        return _ics_response(event_ics(event, waitlisted=waitlisted), f"{event.slug}.ics")


class PublicFeedView(View):
    """The public iCal feed, filterable by ?chapter=<slug>&kind=<slug>&space=<slug>: a
    chapter's, a kind's or a space's calendar. An unknown slug answers 400."""

    def get(self, request):
        form = EventFilterForm(request.GET or None)
        if request.GET and not form.is_valid():
            return HttpResponse(
                _("Unknown chapter, kind or space in the feed address."),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        filters = form.filters()
        events = selectors.feed_events(**filters)
        filename = "-".join(["betacowork", *(row.slug for row in filters.values())])
        return _ics_response(
            events_ics(events, name=feed_title(**filters), refresh=PUBLIC_FEED_REFRESH),
            f"{filename}.ics",
        )


class PersonalFeedView(View):
    """My registrations as a feed, behind a secret URL (no login: calendar apps fetch it)."""

    def get(self, request, token):
        # Tokens are URL-safe base64 (secrets.token_urlsafe): anything else, such as a NUL
        # byte that Postgres would refuse in a query, names no calendar.
        if not TOKEN_RE.fullmatch(token):
            raise Http404(_("This calendar address is not valid (any more)."))
        owner = CalendarToken.objects.select_related("user").filter(token=token).first()
        if owner is None or not owner.user.is_active:
            raise Http404(_("This calendar address is not valid (any more)."))
        events = selectors.personal_feed_events(user=owner.user)
        # Calendar apps send no useful Accept-Language: the feed speaks its owner's language.
        language = owner.user.preferred_language or get_language()
        with translation.override(language):
            content = events_ics(events, name=personal_feed_title(), refresh=PERSONAL_FEED_REFRESH)
            response = _ics_response(content, "my-betacowork-events.ics")
            # And says so (LocaleMiddleware would name the visitor's language).
            response["Content-Language"] = translation.get_language()
        return response


class CalendarTokenCreateView(LoginRequiredMixin, View):
    """The "Create my calendar link" button: with regenerate, the only writer of tokens."""

    http_method_names = ["post"]

    def post(self, request):
        services.calendar_token_create(user=request.user)
        messages.success(request, _("Your calendar address is ready: subscribe to it below."))
        return redirect(reverse("events:mine") + "#calendar")


class CalendarTokenRegenerateView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        services.calendar_token_regenerate(user=request.user)
        messages.success(request, _("Your calendar address changed: the old one no longer works."))
        return redirect(reverse("events:mine") + "#calendar")
