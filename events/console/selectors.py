"""Reads for the organiser console, each a fixed number of queries whatever the rows."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When
from django.utils import timezone

from members.models import Chapter, Profile

from ..models import Event, EventChange, EventKind, EventSeries, Registration
from ..rules import CHAPTER_CAPACITY_LIMIT, run_by_q
from ..selectors import with_counts
from ..services.creation import event_default_end

PAST_SHOWN = 20
UPCOMING_SHOWN = 100
HISTORY_SHOWN = 30
FALLBACK_KIND = "it-day"  # the monthly IT day is what chapters run most


def console_events(*, user, now: datetime | None = None) -> tuple[list[Event], list[Event]]:
    """(upcoming events `user` may run, soonest first; the most recent past ones), counted."""
    now = now or timezone.now()
    base = with_counts(Event.objects.run_by(user).select_related("kind", "space", "chapter"))
    upcoming = list(base.filter(end__gt=now).order_by("start", "pk")[:UPCOMING_SHOWN])
    past = list(base.filter(end__lte=now).order_by("-start", "-pk")[:PAST_SHOWN])
    return upcoming, past


def console_series(*, user) -> QuerySet[EventSeries]:
    """The series `user` may change (`events.change_eventseries`: the same rule as events)."""
    condition = run_by_q(user)
    qs = EventSeries.objects.select_related("kind", "chapter", "space").order_by("title", "pk")
    return qs if condition is None else qs.filter(condition)


def usual_kind(chapter: Chapter | None) -> EventKind | None:
    """The kind the chapter runs most often; the IT day for a chapter without events yet."""
    if chapter is not None:
        row = (
            Event.objects.filter(chapter=chapter)
            .values("kind")
            .annotate(n=Count("pk"))
            .order_by("-n", "kind")
            .first()
        )
        if row is not None:
            return EventKind.objects.filter(pk=row["kind"]).first()
    return EventKind.objects.filter(slug=FALLBACK_KIND).first()


def first_weekday_of_next_month(today: date, weekday: int = calendar.THURSDAY) -> date:
    first = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first + timedelta(days=(weekday - first.weekday()) % 7)


def new_event_defaults(*, user, today: date | None = None) -> dict:
    """The create form's initial values: my chapter (when I organise exactly one), its host
    space, CHAPTER_CAPACITY_LIMIT seats, its usual kind, next month's first Thursday 18:00
    for the kind's duration."""
    today = today or timezone.localdate()
    chapters = list(Chapter.objects.organised_by(user).select_related("space")[:2])
    chapter = chapters[0] if len(chapters) == 1 else None
    kind = usual_kind(chapter)
    day = first_weekday_of_next_month(today)
    start = timezone.make_aware(datetime.combine(day, time(18, 0)))
    initial = {"capacity": CHAPTER_CAPACITY_LIMIT, "start": start}
    if chapter is not None:
        initial.update(chapter=chapter, space=chapter.space)
    if kind is not None:
        initial.update(kind=kind, end=event_default_end(start=start, kind=kind))
    return initial


def new_series_defaults(*, user, today: date | None = None) -> dict:
    initial = new_event_defaults(user=user, today=today)
    start = initial.pop("start")
    end = initial.pop("end", None)
    initial.update(
        rrule="FREQ=MONTHLY;BYDAY=1TH",
        start_time=time(18, 0),
        starts_on=timezone.localdate(start),
    )
    if end is not None:
        initial["duration_minutes"] = int((end - start).total_seconds() // 60)
    return initial


def event_history(*, event: Event) -> list[EventChange]:
    """The event's last history lines, newest first, their notes as people read them."""
    return list(event.changes.all()[:HISTORY_SHOWN])


@dataclass
class RegistrationsOverview:
    """What the registrations page and the CSV show. Rows of people whose profile the viewer
    may not see have `shown` False: counted and kept in their place, never named."""

    confirmed: list[Registration] = field(default_factory=list)
    waitlist: list[Registration] = field(default_factory=list)
    cancelled_count: int = 0

    @property
    def checked_in_count(self) -> int:
        return sum(1 for r in self.confirmed if r.checked_in_at)

    @property
    def hidden_count(self) -> int:
        return sum(1 for r in self.confirmed if not r.shown)


def registrations_overview(*, event: Event, viewer) -> RegistrationsOverview:
    """Confirmed (by name), waitlisted (in queue order) and the cancelled count: two queries.

    Staff see everyone; organisers see guests and members whose profile they may see — the
    rule of the door list (`events.selectors.check_in_registrations`).
    """
    qs = event.registrations.active().select_related("user")
    if viewer.has_perm("events.see_all_registrants"):
        qs = qs.annotate(shown=Value(True, output_field=BooleanField()))
    else:
        visible = Profile.objects.visible_to(viewer).values("user_id")
        qs = qs.annotate(
            shown=Case(
                When(Q(user__isnull=True) | Q(user_id__in=visible), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
    overview = RegistrationsOverview()
    for registration in qs.order_by("name", "pk"):
        if registration.status == Registration.Status.CONFIRMED:
            overview.confirmed.append(registration)
        else:
            overview.waitlist.append(registration)
    overview.confirmed.sort(key=lambda r: (not r.shown, r.name.casefold(), r.pk))
    overview.waitlist.sort(key=lambda r: (r.waitlisted_at or r.created_at, r.pk))
    for position, registration in enumerate(overview.waitlist, start=1):
        registration.position = position
    overview.cancelled_count = event.registrations.filter(
        status=Registration.Status.CANCELLED
    ).count()
    return overview
