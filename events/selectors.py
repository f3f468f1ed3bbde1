"""Reads for the event pages, each with the joins and counts its page needs (no N+1)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from members.models import Profile

from .models import CalendarToken, Event, EventKind, Registration

CONFIRMED = Q(registrations__status=Registration.Status.CONFIRMED)
WAITLISTED = Q(registrations__status=Registration.Status.WAITLISTED)


def with_counts(qs: QuerySet[Event]) -> QuerySet[Event]:
    """Annotate confirmed / waitlisted / checked-in counts in the same query."""
    return qs.annotate(
        confirmed_count=Count("registrations", filter=CONFIRMED),
        waitlisted_count=Count("registrations", filter=WAITLISTED),
        checked_in_count=Count(
            "registrations",
            filter=CONFIRMED & Q(registrations__checked_in_at__isnull=False),
        ),
    )


def event_list(*, user, kind=None, chapter=None, space=None, now=None) -> QuerySet[Event]:
    """Upcoming events `user` may see, soonest first."""
    qs = Event.objects.visible_to(user).upcoming(now).select_related("kind", "space", "chapter")
    return with_counts(_filtered(qs, kind=kind, chapter=chapter, space=space)).order_by(
        "start", "pk"
    )


def _filtered(qs: QuerySet[Event], *, kind=None, chapter=None, space=None) -> QuerySet[Event]:
    """The list filters (kind, chapter, space): each one applies only when given."""
    given = {"kind": kind, "chapter": chapter, "space": space}
    return qs.filter(**{name: value for name, value in given.items() if value is not None})


# How long before a month grid's first day an event still going on then may have started: a
# conference of a few days, a summer camp of a fortnight; no event here lasts a month.
MONTH_LOOKBACK = timedelta(days=31)


def event_month(
    *, user, first_day: date, last_day: date, kind=None, chapter=None, space=None
) -> list[Event]:
    """Events visible to `user` taking place between `first_day` and `last_day` included
    (local time): a month grid's weeks, whose first and last days belong to the months
    around it (QA: the grid showed 29 December empty, its lunch listed in December only).
    An event that started before `first_day` and is still going on counts, if it started
    within `MONTH_LOOKBACK` before (the start's index bounds the read on both sides: without
    it the read went through every event of the past, 10 ms at 100,000 events)."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(first_day, datetime.min.time()).replace(tzinfo=tz)
    end = datetime.combine(last_day + timedelta(days=1), datetime.min.time()).replace(tzinfo=tz)
    qs = Event.objects.visible_to(user).filter(
        start__gte=start - MONTH_LOOKBACK, start__lt=end, end__gt=start
    )
    qs = _filtered(qs, kind=kind, chapter=chapter, space=space)
    return list(with_counts(qs.select_related("kind", "space", "chapter")).order_by("start"))


def event_detail_queryset(*, user) -> QuerySet[Event]:
    return with_counts(
        Event.objects.visible_to(user).select_related("kind", "space", "chapter", "series")
    ).prefetch_related(Prefetch("speakers", queryset=_speakers()))


def _speakers():
    from .models import Speaker

    return Speaker.objects.select_related("member__profile")


def event_attendees(*, event: Event, viewer, limit: int = 60) -> tuple[list[Profile], int]:
    """Confirmed people whose profile `viewer` may see, and how many others are coming.

    Guests and people with hidden profiles are counted but never named.
    """
    profiles = (
        Profile.objects.visible_to(viewer)
        .filter(
            user__event_registrations__event=event,
            user__event_registrations__status=Registration.Status.CONFIRMED,
        )
        .select_related("company")
        .order_by("display_name")
        .distinct()
    )
    shown = list(profiles[:limit])
    total = getattr(event, "confirmed_count", None)
    if total is None:
        total = event.registrations.confirmed().count()
    return shown, max(total - len(shown), 0)


def registration_for(*, event: Event, user) -> Registration | None:
    if user is None or not user.is_authenticated:
        return None
    return event.registrations.active().filter(user=user).first()


def my_registrations(*, user, now=None) -> tuple[list[Registration], list[Registration]]:
    """(upcoming active registrations, past registrations with attendance)."""
    now = now or timezone.now()
    qs = Registration.objects.filter(user=user).select_related(
        "event", "event__kind", "event__space", "event__chapter"
    )
    upcoming = list(
        qs.filter(event__end__gt=now)
        .exclude(status=Registration.Status.CANCELLED)
        .order_by("event__start")
    )
    past = list(
        qs.filter(event__end__lte=now)
        .exclude(status=Registration.Status.CANCELLED)
        .order_by("-event__start")[:200]
    )
    return upcoming, past


def attendance_by_kind(*, user, now: datetime | None = None) -> list[dict]:
    """[{"kind": name, "slug": slug, "count": n}] of the events `user` attended: checked in
    with a confirmed seat at an event that has started and was not cancelled (a check-in at
    the door days early, or at an event cancelled since, is no attendance)."""
    now = now or timezone.now()
    rows = (
        Registration.objects.filter(
            user=user,
            status=Registration.Status.CONFIRMED,
            checked_in_at__isnull=False,
            event__start__lte=now,
        )
        .exclude(event__status=Event.Status.CANCELLED)
        .values(
            "event__kind__slug",
            "event__kind__name_en",
            "event__kind__name_fr",
            "event__kind__name_nl",
        )
        .annotate(count=Count("pk"))
        .order_by("-count", "event__kind__slug")
    )
    from django.utils.translation import get_language

    lang = (get_language() or "en")[:2]
    out = []
    for row in rows:
        name = row.get(f"event__kind__name_{lang}") or row["event__kind__name_en"]
        out.append({"slug": row["event__kind__slug"], "kind": name, "count": row["count"]})
    return out


def check_in_list(*, event: Event, viewer, query: str = "") -> QuerySet[Registration]:
    """Confirmed registrations at the door, as `viewer` may see them.

    Staff see everyone and search names and emails. An organiser sees guests and the members
    whose profile they may see (never a hidden one: they are counted, not named, and staff
    check them in), and searches by name or by a complete email address only, so the
    search cannot be used to probe addresses letter by letter.
    """
    qs = check_in_registrations(event=event, viewer=viewer).confirmed().order_by("name", "pk")
    sees_all = viewer.has_perm("events.see_all_registrants")
    query = (query or "").replace("\x00", "").strip()
    if query:
        if sees_all:
            qs = qs.filter(
                Q(name__icontains=query)
                | Q(email__icontains=query)
                | Q(user__email__icontains=query)  # a member's address as it is now
            )
        else:
            qs = qs.filter(
                Q(name__icontains=query) | Q(email__iexact=query) | Q(user__email__iexact=query)
            )
    return qs


def check_in_registrations(*, event: Event, viewer) -> QuerySet[Registration]:
    """Every registration of `event` (any status) that `viewer` may see at the door: staff
    see all; others see guests and members whose profile is visible to them."""
    qs = event.registrations.select_related("user")
    if viewer.has_perm("events.see_all_registrants"):
        return qs
    return qs.filter(Q(user__isnull=True) | Q(user_id__in=_visible_user_ids(viewer)))


def check_in_hidden_count(*, event: Event, viewer) -> int:
    """How many confirmed members `check_in_list` leaves out for `viewer` (hidden profiles)."""
    if viewer.has_perm("events.see_all_registrants"):
        return 0
    return (
        event.registrations.confirmed()
        .filter(user__isnull=False)
        .exclude(user_id__in=_visible_user_ids(viewer))
        .count()
    )


def _visible_user_ids(viewer):
    return Profile.objects.visible_to(viewer).values("user_id")


def feed_events(*, chapter=None, kind=None, space=None, now=None) -> QuerySet[Event]:
    """Public feed: public published/cancelled events from 30 days ago on."""
    now = now or timezone.now()
    qs = (
        Event.objects.published()
        .filter(visibility=Event.Visibility.PUBLIC, end__gte=now - timedelta(days=30))
        .select_related("kind", "space")
        .order_by("start")
    )
    if chapter is not None:
        qs = qs.filter(chapter=chapter)
    if kind is not None:
        qs = qs.filter(kind=kind)
    if space is not None:
        qs = qs.filter(space=space)
    return qs[:500]


def personal_feed_events(*, user, now=None) -> QuerySet[Event]:
    """The events of my active registrations (confirmed or waitlisted), recent and upcoming;
    each with `waitlisted`: whether my place is on the waitlist (no seat yet)."""
    now = now or timezone.now()
    mine = Registration.objects.active().filter(user=user).values("event_id")
    waiting = Registration.objects.waitlisted().filter(user=user, event=OuterRef("pk"))
    return (
        Event.objects.filter(pk__in=mine, end__gte=now - timedelta(days=90))
        .annotate(waitlisted=Exists(waiting))
        .exclude(status=Event.Status.DRAFT)
        .select_related("kind", "space")
        .order_by("start")[:500]
    )


def calendar_token_of(*, user) -> CalendarToken | None:
    """The member's personal feed token, if they asked for one (reading never creates it)."""
    if user is None or not user.is_authenticated:
        return None
    return CalendarToken.objects.filter(user=user).first()


def feed_kinds() -> QuerySet[EventKind]:
    """The kinds that have a feed of their own on the events page."""
    return EventKind.objects.order_by("name_en")
