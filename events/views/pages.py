"""The event pages: the list (with its feeds), the month grid, an event, my events."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from members.models import Profile

from .. import selectors, services
from ..feeds import personal_feed_link, public_feed_link
from ..forms import EventFilterForm, GuestRegistrationForm, RegistrationForm
from ..models import Event
from ..panels import event_panels


class EventListView(TemplateView):
    """Upcoming events, filterable by kind, chapter and space."""

    template_name = "events/event_list.html"
    paginate_by = 30

    def get(self, request, *args, **kwargs):
        form = EventFilterForm(request.GET or None)
        status = 200
        if request.GET and not form.is_valid():
            status = 400
        events = selectors.event_list(user=request.user, **form.filters())
        # A page past the end (an old link, a list that got shorter) shows the last one; a
        # page that is no number shows the first.
        page = Paginator(events, self.paginate_by).get_page(request.GET.get("page"))
        today = timezone.localdate()
        ctx = self.get_context_data(
            form=form,
            page=page,
            events=page.object_list,
            month_url=reverse("events:month", kwargs={"year": today.year, "month": today.month}),
            query=_query_without_page(request),
            **_list_feeds(request, form.filters()),
        )
        return self.render_to_response(ctx, status=status)


def _list_feeds(request, filters: dict) -> dict:
    """The events page's calendars: the one its filters select, all events, each kind."""
    return {
        "selection_feed": public_feed_link(request, **filters) if filters else None,
        "all_feed": public_feed_link(request),
        "kind_feeds": [public_feed_link(request, kind=kind) for kind in selectors.feed_kinds()],
    }


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


MONTH_YEARS = (2000, 2100)  # the years the month grid shows


class EventMonthView(TemplateView):
    """A month grid (Monday first) of the events visible to the viewer."""

    template_name = "events/event_month.html"

    def get(self, request, *args, year: int | None = None, month: int | None = None, **kwargs):
        today = timezone.localdate()
        # Only /events/month/ leaves them out: a 0 in the address is a month that does not
        # exist, not "the current one".
        if year is None or month is None:
            year, month = today.year, today.month
        if not (1 <= month <= 12 and MONTH_YEARS[0] <= year <= MONTH_YEARS[1]):
            raise Http404(_("There is no such month."))
        first = date(year, month, 1)
        form = EventFilterForm(request.GET or None)
        status = 400 if request.GET and not form.is_valid() else 200
        grid = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
        found = selectors.event_month(
            user=request.user, first_day=grid[0][0], last_day=grid[-1][-1], **form.filters()
        )
        by_day: dict[date, list[tuple[Event, bool]]] = {}
        events = []  # "No event this month" speaks of the month, not of the days around it.
        for event in found:
            days = _days_of(event)
            if any(day.month == month for day in days):
                events.append(event)
            for n, day in enumerate(days):  # after its first day, it is going on
                by_day.setdefault(day, []).append((event, n > 0))
        weeks = [
            [
                {
                    "date": d,
                    "in_month": d.month == month,
                    "entries": by_day.get(d, []),  # (event, going on from an earlier day)
                }
                for d in week
            ]
            for week in grid
        ]
        prev_month = (first.replace(day=1) - timedelta(days=1)).replace(day=1)
        next_month = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        query = request.GET.urlencode()
        ctx = self.get_context_data(
            form=form,
            first=first,
            weeks=weeks,
            events=events,
            today=today,
            query=query,
            # No link past the grid's bounds (it would lead to "There is no such month").
            prev_url=reverse(
                "events:month", kwargs={"year": prev_month.year, "month": prev_month.month}
            )
            if prev_month.year >= MONTH_YEARS[0]
            else "",
            next_url=reverse(
                "events:month", kwargs={"year": next_month.year, "month": next_month.month}
            )
            if next_month.year <= MONTH_YEARS[1]
            else "",
            weekdays=[WEEKDAYS_ABBR[i] for i in range(7)],
        )
        return self.render_to_response(ctx, status=status)


def _days_of(event: Event) -> list[date]:
    """The days a month grid shows `event` on: the day it starts, and for an event of a day
    or more (a two-day conference) each following day it goes on; an evening that ends after
    midnight stays on its evening."""
    first = timezone.localdate(event.start)
    # By the clock, as the grid shows it: 09:00 to 09:00 over the spring night is 23 hours.
    clock = timezone.localtime(event.end).replace(tzinfo=None)
    if clock - timezone.localtime(event.start).replace(tzinfo=None) < timedelta(days=1):
        return [first]
    last = timezone.localdate(event.end - timedelta(minutes=1))
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


class EventDetailView(TemplateView):
    template_name = "events/event_detail.html"

    def get_event(self) -> Event:
        return get_object_or_404(
            selectors.event_detail_queryset(user=self.request.user), slug=self.kwargs["slug"]
        )

    def build_context(self, event: Event, *, form=None, errors=None) -> dict:
        user = self.request.user
        registration = selectors.registration_for(event=event, user=user)
        is_member = user.is_authenticated
        if form is None:
            form = RegistrationForm() if is_member else GuestRegistrationForm()
        attendees, others = [], 0
        if not event.is_cancelled:  # nobody is coming to it: the page lists nobody
            attendees, others = selectors.event_attendees(event=event, viewer=user)
        seats_left = None
        if event.capacity is not None and not event.is_cancelled:
            seats_left = max(event.capacity - event.confirmed_count, 0)
        return self.get_context_data(
            event=event,
            registration=registration,
            position=services.waitlist_position(registration) if registration else None,
            # Once it has started a seat can no longer be given back (registration_cancel):
            # no button that could only answer an error.
            can_cancel=not event.is_cancelled and not event.has_started(),
            refusal=services.registration_refusal(event=event, user=user),
            form=form,
            errors=errors or [],
            attendees=attendees,
            others_count=others,
            seats_left=seats_left,
            is_full=seats_left == 0,
            can_check_in=user.has_perm("events.check_in", event),
            kind_feed=public_feed_link(self.request, kind=event.kind),
            speakers=_speakers_with_links(event, viewer=user),
            panels=event_panels(self.request, event),
        )

    def get(self, request, *args, **kwargs):
        event = self.get_event()
        return self.render_to_response(self.build_context(event))


def _speakers_with_links(event: Event, *, viewer) -> list:
    """The speakers, each with `profile_url` only when `viewer` may see that profile."""
    speakers = list(event.speakers.all())
    member_ids = {s.member_id for s in speakers if s.member_id}
    visible = set()
    if member_ids:
        visible = set(
            Profile.objects.visible_to(viewer)
            .filter(user_id__in=member_ids)
            .values_list("user_id", flat=True)
        )
    for speaker in speakers:
        profile = speaker.member.profile if speaker.member_id in visible else None
        speaker.profile_url = profile.get_absolute_url() if profile else ""
    return speakers


class MyEventsView(LoginRequiredMixin, TemplateView):
    template_name = "events/my_events.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        upcoming, past = selectors.my_registrations(user=user)
        for registration in (*upcoming, *past):
            # An event unpublished since (back to draft) is a 404 to them: no dead link. Only
            # drafts are asked (rarely any), so the page's queries do not grow with the list.
            event = registration.event
            registration.event_unlinked = event.status == Event.Status.DRAFT and not (
                user.has_perm("events.view_event", event)
            )
        # Read only: the address is created by a POST ("Create my calendar link").
        token = selectors.calendar_token_of(user=self.request.user)
        ctx.update(
            upcoming=upcoming,
            past=past,
            # As attendance_by_kind counts: a check-in at an event cancelled since is none.
            attended=sum(1 for r in past if r.checked_in_at and not r.event.is_cancelled),
            attendance=selectors.attendance_by_kind(user=self.request.user),
            personal_feed=personal_feed_link(self.request, token.token) if token else None,
            all_feed=public_feed_link(self.request),
        )
        return ctx
