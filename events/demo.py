"""The events part of the demo world (idempotent: every row is keyed on a fixed slug).

- a weekly Betacooks series (Tuesday 12:30-14:00 at Betacowork) with past lunches that the
  people of the articles attended (checked in) and next Tuesday's lunch full with a waitlist;
- a past Speed Networking evening (attended) and an upcoming one, full with a waitlist;
- the Switch IT Day of BetaGroup Charleroi (first Thursday of the month, 18:00), past and
  upcoming, with the chapters' other events and budgets (events/demo_chapters.py);
- a talk by an invited speaker, Adrien Ramy, on free software.

Registrations are written directly (not through the services) so seeding sends no email.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from importlib import import_module
from zoneinfo import ZoneInfo

from django.apps import apps as django_apps
from django.conf import settings
from django.utils import timezone

from members.demo import (
    GENERATED_DOMAIN,
    MEMBER_EMAIL,
    ORGANISER_EMAIL,
    STAFF_EMAIL,
    register_demo_seeder,
)
from members.models import Chapter, Space, User

from .models import Event, EventCost, EventKind, EventSeries, Registration, Speaker
from .services import series_generate

TZ = ZoneInfo(settings.TIME_ZONE)

# The people the collaborations demo needs at past Betacooks and Speed Networking events.
REGULARS = [
    "jeremie@betacowork.test",
    "guillaume@betacowork.test",
    "cecil@betacowork.test",
    "toon@betacowork.test",
    "eric@betacowork.test",
]
OTHERS = [
    MEMBER_EMAIL,
    "ramon@betacowork.test",
    "lea@betacowork.test",
    "stan@betacowork.test",
    "jean@woorank.test",
    "julie@betagroup.test",
]
CHARLEROI = [
    ORGANISER_EMAIL,
    "anton@betagroup.test",
    "philippe@switch.test",
    "adrien@betagroup.test",
    "julie@betagroup.test",
]


def _at(day: date, hh: int, mm: int) -> datetime:
    return datetime.combine(day, time(hh, mm)).replace(tzinfo=TZ)


def _weekday_before(today: date, weekday: int, weeks: int) -> date:
    """The `weeks`-th given weekday strictly before today (0 = Monday)."""
    delta = (today.weekday() - weekday) % 7 or 7
    return today - timedelta(days=delta + 7 * (weeks - 1))


def _weekday_after(today: date, weekday: int, weeks: int = 1) -> date:
    delta = (weekday - today.weekday()) % 7 or 7
    return today + timedelta(days=delta + 7 * (weeks - 1))


def _users(emails: list[str]) -> list[User]:
    found = {u.email: u for u in User.objects.filter(email__in=emails)}
    return [found[e] for e in emails if e in found]


def _generated(count: int, offset: int = 0) -> list[User]:
    return list(
        User.objects.filter(email__endswith=f"@{GENERATED_DOMAIN}").order_by("email")[
            offset : offset + count
        ]
    )


def _event(slug: str, **fields) -> Event:
    event, _created = Event.objects.update_or_create(slug=slug, defaults=fields)
    return event


def _register(
    event: Event, users: list[User], *, checked_in: bool = False, waitlist: bool = False
) -> None:
    """Confirmed seats (up to capacity), then the waitlist; idempotent per (event, user)."""
    confirmed = event.registrations.confirmed().count()
    now = timezone.now()
    for i, user in enumerate(users):
        if event.registrations.filter(user=user).exists():
            continue
        # Registered a few days before the event, and always in the past.
        at = min(event.start - timedelta(days=6), now - timedelta(days=1)) + timedelta(minutes=i)
        full = waitlist or (event.capacity is not None and confirmed >= event.capacity)
        Registration.objects.create(
            event=event,
            user=user,
            name=user.name,
            email=user.email,
            language=user.preferred_language,
            status=Registration.Status.WAITLISTED if full else Registration.Status.CONFIRMED,
            created_at=at,
            waitlisted_at=at if full else None,
            confirmed_at=None if full else at,
            checked_in_at=(event.start + timedelta(minutes=5)) if checked_in and not full else None,
            note="vegetarian" if i % 7 == 3 else "",
        )
        if not full:
            confirmed += 1


def _costs(event: Event, lines: list[tuple[str, str, str]]) -> None:
    """The event's cost lines (category, description, €), written once: an event that
    already has lines (a re-run, or an organiser's own) is left alone."""
    if event.costs.exists():
        return
    EventCost.objects.bulk_create(
        EventCost(event=event, category=category, description=description, amount=Decimal(amount))
        for category, description, amount in lines
    )


def seed_events(world) -> None:
    today = timezone.localdate()
    # The kinds come from a data migration, but a flushed test database (or a staff member
    # who deleted one) has none: put back the missing ones, never overwriting edits.
    import_module("events.migrations.0002_seed_event_kinds").seed(django_apps, None)
    kinds = {k.slug: k for k in EventKind.objects.all()}
    betacowork = Space.objects.filter(slug="betacowork").first()
    switch = Space.objects.filter(slug="switch-coworking-charleroi").first()
    charleroi = Chapter.objects.filter(slug="betagroup-charleroi").first()
    staff = User.objects.filter(email=STAFF_EMAIL).first()
    regulars, others = _users(REGULARS), _users(OTHERS)

    # Betacooks: the weekly lunch, as a series, with six past lunches the regulars attended.
    betacooks, _ = EventSeries.objects.update_or_create(
        title="Betacooks",
        kind=kinds["betacooks"],
        defaults={
            "description": "The weekly community lunch: everyone brings or cooks something, "
            "and you meet the people you work beside.",
            "start_time": time(12, 30),
            "duration_minutes": 90,
            "rrule": "FREQ=WEEKLY;BYDAY=TU",
            "starts_on": _weekday_before(today, 1, 8),
            "space": betacowork,
            "room": "Kitchen, ground floor",
            "capacity": 50,
            "weeks_ahead": 6,
        },
    )
    for weeks in range(1, 7):
        day = _weekday_before(today, 1, weeks)
        lunch = Event.objects.filter(series=betacooks, series_date=day).first()
        if lunch is None:
            lunch = _event(
                f"betacooks-{day.isoformat()}",
                title="Betacooks",
                kind=kinds["betacooks"],
                description=betacooks.description,
                start=_at(day, 12, 30),
                end=_at(day, 14, 0),
                space=betacowork,
                room=betacooks.room,
                capacity=50,
                status=Event.Status.PUBLISHED,
                series=betacooks,
                series_date=day,
                created_by=staff,
            )
        _register(lunch, regulars + others[: 2 + weeks % 3], checked_in=True)
        _register(lunch, _generated(12, offset=weeks * 5), checked_in=weeks % 2 == 0)
    betacooks.generated_until = None
    betacooks.save(update_fields=["generated_until"])
    series_generate(series=betacooks, until=today + timedelta(weeks=6))
    next_lunch = (
        Event.objects.filter(series=betacooks, start__gt=timezone.now()).order_by("start").first()
    )
    if next_lunch:
        _register(next_lunch, others[:3] + _generated(47, offset=60))
        _register(next_lunch, _generated(6, offset=110))  # full: these wait

    # Speed Networking: one past evening the regulars attended, one upcoming that is full.
    past_sn_day = _weekday_before(today, 3, 3)
    past_sn = _event(
        "speed-networking-autumn",
        title="Speed Networking evening",
        kind=kinds["speed-networking"],
        description="Six-minute meetings in rounds: offers meet seeks.",
        start=_at(past_sn_day, 18, 30),
        end=_at(past_sn_day, 20, 30),
        space=betacowork,
        room="Event room, first floor",
        capacity=40,
        status=Event.Status.PUBLISHED,
        created_by=staff,
    )
    _costs(past_sn, [("food", "Drinks and snacks", "90.00"), ("other", "Name badges", "30.00")])
    _register(past_sn, regulars + others, checked_in=True)
    _register(past_sn, _generated(20, offset=130), checked_in=True)
    next_sn_day = _weekday_after(today, 3, 2)
    next_sn = _event(
        "speed-networking-winter",
        title="Speed Networking evening",
        kind=kinds["speed-networking"],
        description="Six-minute meetings in rounds: offers meet seeks. Small and full fast.",
        start=_at(next_sn_day, 18, 30),
        end=_at(next_sn_day, 20, 30),
        space=betacowork,
        room="Event room, first floor",
        capacity=16,
        status=Event.Status.PUBLISHED,
        created_by=staff,
    )
    _costs(next_sn, [("food", "Drinks and snacks", "90.00"), ("other", "Name badges", "30.00")])
    _register(next_sn, regulars[:3] + _generated(13, offset=150))
    _register(next_sn, _generated(4, offset=170))  # full: these wait

    # Switch IT Day in Charleroi: first Thursday of the month, 18:00. The series and the
    # chapters' other events live in demo_chapters.py (which imports this module's helpers).
    from .demo_chapters import seed_chapter_events, switch_it_day_series

    it_day = switch_it_day_series(kinds=kinds, switch=switch, charleroi=charleroi)
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    first_thursday = last_month + timedelta(days=(3 - last_month.weekday()) % 7)
    past_it = _event(
        f"switch-it-day-{first_thursday.isoformat()}",
        title="Switch IT Day",
        kind=kinds["it-day"],
        description=it_day.description,
        start=_at(first_thursday, 18, 0),
        end=_at(first_thursday, 21, 0),
        space=switch,
        chapter=charleroi,
        capacity=50,
        status=Event.Status.PUBLISHED,
        created_by=staff,
    )
    _costs(
        past_it,
        [
            # Switch hosts the evening: the room costs nothing ("a few tens of euros").
            ("venue", "Room at Switch Coworking (hosted)", "0.00"),
            ("food", "Beers and pizzas", "65.00"),
        ],
    )
    _register(past_it, _users(CHARLEROI) + _generated(15, offset=180), checked_in=True)
    seed_chapter_events(world, it_day=it_day)

    # A talk by an invited speaker.
    talk_day = _weekday_after(today, 2, 1) + timedelta(days=7)
    talk = _event(
        "free-software-for-freelancers",
        title="Free software for freelancers",
        kind=kinds["talk"],
        description="Adrien Ramy on running a one-person business on free software: "
        "tools, licences, and the communities behind them.",
        start=_at(talk_day, 19, 0),
        end=_at(talk_day, 20, 30),
        space=betacowork,
        room="Event room, first floor",
        capacity=30,
        status=Event.Status.PUBLISHED,
        created_by=staff,
    )
    _costs(talk, [("speaker", "Speaker's train ticket", "45.00"), ("food", "Drinks", "35.00")])
    Speaker.objects.update_or_create(
        event=talk,
        name="Adrien Ramy",
        defaults={
            # The article: "Carolo d'origine et expert reconnu dans le monde du logiciel
            # libre" (the chapter's organisers are Norman and Anton).
            "affiliation": "Free-software expert, from Charleroi",
            "bio": "Born in Charleroi, known in the free-software world.",
            "member": User.objects.filter(email="adrien@betagroup.test").first(),
        },
    )
    _register(talk, others[:4] + _generated(10, offset=20))
    world.log(
        f"  events: {Event.objects.count()} events, {EventSeries.objects.count()} series, "
        f"{Registration.objects.count()} registrations"
    )


register_demo_seeder(order=30, name="events: series, events, registrations", seed=seed_events)
