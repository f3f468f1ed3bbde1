"""The chapters' events in the demo world, from the second source article ("BetaGroup essaime
en Province"):

- Adrien Ramy's free-software talk at Switch Coworking on 18 September, which opened the
  collaboration between Switch and BetaGroup (the Charleroi chapter);
- the monthly Switch IT Day (first Thursday, 18:00) from the October after: past evenings with
  registrations, check-ins and a few no-shows, the next months made by `series_generate`;
- BetaGroup Kortrijk's first evening at Twelve, in October;
- the year's budgets: the community's (about €120,000, half of it a regional subsidy) and the
  two active chapters'.

Namur and Mons are in discussion: no events. Costs are "a few tens of euros" an evening: the
host space lends the room, BetaGroup buys the beers. The chapters and their people come from
members/demo_chapters.py (order 25); this runs inside the events seeder (order 30).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from betacowork.messaging.models import Outbox
from betacowork.messaging.outbox import outbox_quiet
from members.demo import GENERATED_DOMAIN, ORGANISER_EMAIL
from members.models import Chapter, Space, User

from .chapters.messages import ChapterAnnouncement
from .demo import _at, _costs, _register, _users
from .models import Budget, Event, EventChange, EventKind, EventSeries, Registration, Speaker
from .services import event_unique_slug, series_generate, series_occurrence_times, series_rule

IT_DAY_RULE = "FREQ=MONTHLY;BYDAY=1TH"  # every first Thursday of the month
COMMUNITY_BUDGET = (Decimal(120_000), Decimal(60_000))  # € a year, of which regional subsidy
CHAPTER_BUDGETS = {"betagroup-charleroi": Decimal(1_500), "betagroup-kortrijk": Decimal(1_000)}


def demo_year(today: date) -> int:
    """The year of the article's story: that of the last 18 September whose October is over
    (so the talk, the first IT days and Kortrijk's first evening are always in the past)."""
    return today.year if today >= date(today.year, 11, 1) else today.year - 1


def _first_thursday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(3 - first.weekday()) % 7)


def switch_it_day_series(
    *, kinds: dict[str, EventKind], switch: Space | None, charleroi: Chapter | None
) -> EventSeries:
    """The Switch IT Day series, from the first Thursday of the October after the talk."""
    today = timezone.localdate()
    series, _ = EventSeries.objects.update_or_create(
        title="Switch IT Day",
        kind=kinds["it-day"],
        defaults={
            "description": "The monthly IT evening of BetaGroup Charleroi at Switch Coworking: "
            "a short talk or demo, then beers with the region's web people.",
            "start_time": time(18, 0),
            "duration_minutes": 180,
            "rrule": IT_DAY_RULE,
            "starts_on": _first_thursday(demo_year(today), 10),
            "space": switch,
            "chapter": charleroi,
            "capacity": 50,
            "weeks_ahead": 10,
        },
    )
    return series


def _crowd(chapter: Chapter) -> tuple[list[User], list[User]]:
    """Who comes to a chapter's evenings: its organisers and named followers (always), then
    its generated followers and other generated members (a different slice each evening)."""
    generated = f"@{GENERATED_DOMAIN}"
    core = list(chapter.organisers.order_by("email")) + list(
        chapter.followers.exclude(email__endswith=generated).order_by("email")
    )
    near = list(chapter.followers.filter(email__endswith=generated).order_by("email"))
    far = list(
        User.objects.filter(email__endswith=generated)
        .exclude(pk__in=[u.pk for u in near])
        .order_by("email")[:120]
    )
    return core, near + far


def _attend(
    event: Event, crowd: tuple[list[User], list[User]], *, total: int, no_shows: int
) -> None:
    """Registrations up to `total`; at a past event everyone came but the last `no_shows`.

    A second run adds nobody: the people already registered count towards `total`.
    """
    core, pool = crowd
    rng = random.Random(event.slug)  # the same slice of the pool for this evening, every run
    shift = rng.randrange(len(pool)) if pool else 0
    seen: set[int] = set(event.registrations.values_list("user_id", flat=True))
    room = max(0, total - len(seen))
    fresh: list[User] = []
    for user in core + pool[shift:] + pool[:shift]:
        if len(fresh) >= room:
            break
        if user.pk not in seen:
            seen.add(user.pk)
            fresh.append(user)
    if event.end > timezone.now():
        _register(event, fresh)
        return
    came = max(0, len(fresh) - no_shows)
    _register(event, fresh[:came], checked_in=True)
    _register(event, fresh[came:])


def _opening_talk(
    kinds: dict[str, EventKind], chapter: Chapter, year: int, crowd, organiser: User | None
) -> Event:
    day = date(year, 9, 18)
    slug = f"free-software-adrien-ramy-{day.isoformat()}"
    talk = Event.objects.filter(slug=slug).first()
    if talk is None:
        talk = Event.objects.create(
            slug=slug,
            title="Free software: a talk by Adrien Ramy",
            kind=kinds["talk"],
            description="Adrien Ramy, born in Charleroi and a recognised free-software expert, "
            "on what open source changes for the region's developers and companies. The "
            "first evening of BetaGroup at Switch Coworking.",
            start=_at(day, 19, 0),
            end=_at(day, 21, 0),
            space=chapter.space,
            chapter=chapter,
            capacity=50,
            status=Event.Status.PUBLISHED,
            created_by=organiser,
        )
        _costs(
            talk,
            [
                ("venue", "Room lent by Switch Coworking", "0.00"),
                ("food", "Beers and soft drinks", "60.00"),
                ("speaker", "Thank-you gift for the speaker", "20.00"),
            ],
        )
    Speaker.objects.update_or_create(
        event=talk,
        name="Adrien Ramy",
        defaults={
            "affiliation": "Free-software expert, from Charleroi",
            "bio": "Carolo by birth, known in the free-software world; his talk opened the "
            "collaboration between Switch Coworking and BetaGroup.",
            "member": User.objects.filter(email="adrien@betagroup.test").first(),
        },
    )
    _attend(talk, crowd, total=43, no_shows=6)
    _history(talk, organiser, weeks_before=6)
    return talk


def _history(event: Event, organiser: User | None, *, weeks_before: int) -> None:
    """How the organiser prepared the evening: the event page's history (once)."""
    if organiser is None or event.changes.exists():
        return
    created = event.start - timedelta(weeks=weeks_before)
    steps = [
        (EventChange.Action.CREATED, [], created),
        (EventChange.Action.EDITED, ["description", "room"], created + timedelta(days=2)),
        (EventChange.Action.PUBLISHED, [], created + timedelta(days=3)),
        (EventChange.Action.EDITED, ["capacity"], created + timedelta(days=12)),
    ]
    EventChange.objects.bulk_create(
        EventChange(
            event=event, actor=organiser, actor_name=organiser.name, action=a, fields=f, at=at
        )
        for a, f, at in steps
    )


def _it_days(series: EventSeries, crowd, organiser: User | None) -> None:
    """Past evenings (made here: `series_generate` only looks ahead), then the next ones."""
    today = timezone.localdate()
    rule = series_rule(series)
    past = [
        d.date()
        for d in rule.between(
            datetime.combine(series.starts_on, time.min),
            datetime.combine(today - timedelta(days=1), time.max),
            inc=True,
        )
    ]
    for day in past:
        rng = random.Random(f"switch-it-day-{day.isoformat()}")
        evening = Event.objects.filter(series=series, series_date=day).first()
        if evening is None:
            # Last month's evening comes from seed_events, with its own cost lines: it joins
            # the series rather than being doubled.
            evening = Event.objects.filter(
                slug=f"switch-it-day-{day.isoformat()}", series__isnull=True
            ).first()
            if evening is not None:
                Event.objects.filter(pk=evening.pk).update(series=series, series_date=day)
        if evening is None:
            start, end = series_occurrence_times(series, day)
            evening = Event.objects.create(
                slug=event_unique_slug(series.title, day),
                title=series.title,
                kind=series.kind,
                description=series.description,
                start=start,
                end=end,
                space=series.space,
                chapter=series.chapter,
                capacity=series.capacity,
                status=Event.Status.PUBLISHED,
                series=series,
                series_date=day,
                created_by=organiser,
            )
            _costs(
                evening,
                [
                    ("venue", "Room lent by Switch Coworking", "0.00"),
                    ("food", "Beers and crisps", f"{rng.randint(35, 80)}.00"),
                ],
            )
        _attend(evening, crowd, total=rng.randint(24, 42), no_shows=rng.randint(3, 7))
    series.generated_until = None
    series.save(update_fields=["generated_until"])
    with outbox_quiet():  # no send task for announcements marked sent just below
        created = series_generate(series=series, until=today + timedelta(weeks=10))
    # In the story these evenings were announced when they were published, weeks ago: their
    # announcements count as sent, so a first `make run` does not print 144 emails at once.
    Outbox.objects.filter(
        kind=ChapterAnnouncement.key,
        status=Outbox.Status.PENDING,
        topic__in=[f"event:{event.pk}" for event in created],
    ).update(status=Outbox.Status.SENT, sent_at=timezone.now())
    upcoming = (
        Event.objects.filter(series=series, start__gt=timezone.now()).order_by("start").first()
    )
    if upcoming is not None:
        _attend(upcoming, crowd, total=17, no_shows=0)


def _kortrijk_kick_off(
    kinds: dict[str, EventKind], chapter: Chapter, year: int, crowd, organiser: User | None
) -> Event:
    day = _first_thursday(year, 10) + timedelta(weeks=2)
    slug = f"betagroup-kortrijk-kick-off-{day.isoformat()}"
    evening = Event.objects.filter(slug=slug).first()
    if evening is None:
        evening = Event.objects.create(
            slug=slug,
            title="BetaGroup Kortrijk kick-off at Twelve",
            kind=kinds["other"],
            description="The first BetaGroup evening in Kortrijk, hosted by Twelve: meet the "
            "web community of West Flanders. In Dutch and English.",
            start=_at(day, 19, 0),
            end=_at(day, 21, 30),
            space=chapter.space,
            chapter=chapter,
            capacity=50,
            status=Event.Status.PUBLISHED,
            created_by=organiser,
        )
        _costs(
            evening,
            [
                ("venue", "Room lent by Twelve", "0.00"),
                ("food", "Drinks and bites", "55.00"),
                ("other", "Name badges", "15.00"),
            ],
        )
    _attend(evening, crowd, total=31, no_shows=5)
    _history(evening, organiser, weeks_before=5)
    return evening


def _budgets(year: int, chapters: dict[str, Chapter]) -> None:
    amount, subsidy = COMMUNITY_BUDGET
    Budget.objects.get_or_create(
        year=year,
        chapter=None,
        defaults={
            "amount": amount,
            "subsidy": subsidy,
            "note": "About €120,000 a year, half of it a Brussels-region subsidy.",
        },
    )
    for slug, amount in CHAPTER_BUDGETS.items():
        if slug in chapters:
            Budget.objects.get_or_create(
                year=year,
                chapter=chapters[slug],
                defaults={"amount": amount, "note": "Beers and snacks, one evening a month."},
            )


def seed_chapter_events(world, *, it_day: EventSeries) -> None:
    """The chapters' events, registrations, cost lines and budgets (idempotent)."""
    year = demo_year(timezone.localdate())
    kinds = {k.slug: k for k in EventKind.objects.all()}
    chapters = {c.slug: c for c in Chapter.objects.select_related("space")}
    charleroi = chapters.get("betagroup-charleroi")
    kortrijk = chapters.get("betagroup-kortrijk")
    organisers = {u.email: u for u in _users([ORGANISER_EMAIL, "jurgen@twelve.test"])}
    if charleroi is not None:
        crowd = _crowd(charleroi)
        _opening_talk(kinds, charleroi, year, crowd, organisers.get(ORGANISER_EMAIL))
        _it_days(it_day, crowd, organisers.get(ORGANISER_EMAIL))
    if kortrijk is not None:
        _kortrijk_kick_off(
            kinds, kortrijk, year, _crowd(kortrijk), organisers.get("jurgen@twelve.test")
        )
    _budgets(year, chapters)
    chapter_events = Event.objects.filter(chapter__isnull=False)
    world.log(
        f"  chapters: {chapter_events.count()} chapter events, "
        f"{Registration.objects.filter(event__in=chapter_events).count()} registrations"
    )
