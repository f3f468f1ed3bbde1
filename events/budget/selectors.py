"""Reads of the budget: what each event held in a year cost, who came, and the business born
there — per chapter (the chapter report) and for all chapters side by side (staff).

**Events held** in a year: published (not draft, not cancelled) events that started in that
calendar year (Brussels time) and have *ended* by now. An event still running or to come is
not held yet, so every line has a final attendance and a no-show rate.

**Business born at an event** comes from higher apps (`events` never imports them): an app
registers a source with `register_business_source(fn)` from its AppConfig.ready(), where
`fn(event_ids: list[int]) -> {event_id: (count, value_eur)}` answers for all the ids in one
query. The collaborations app registers its confirmed collaborations whose `origin_event`
is the event.

Every selector runs a fixed number of queries, whatever the number of events: counts are
annotations on one event query, costs a correlated subquery, business one call per source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from members.models import Chapter

from ..models import Budget, Event, EventCost, Registration

BusinessSource = Callable[[list[int]], Mapping[int, tuple[int, Decimal | None]]]

_business_sources: list[BusinessSource] = []

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)


def register_business_source(fn: BusinessSource) -> None:
    """Add a source of "business born at these events" (registering the same twice is a
    no-op: AppConfig.ready() may run more than once in tests)."""
    if fn not in _business_sources:
        _business_sources.append(fn)


def business_by_event(event_ids: Iterable[int]) -> dict[int, tuple[int, Decimal]]:
    """{event id: (number, value in €)} summed over every registered source."""
    ids = list(event_ids)
    merged: dict[int, tuple[int, Decimal]] = {}
    if not ids:
        return merged
    for source in _business_sources:
        for event_id, (count, value) in source(ids).items():
            before_count, before_value = merged.get(event_id, (0, ZERO))
            merged[event_id] = (before_count + count, before_value + Decimal(value or 0))
    return merged


def _ratio(numerator: Decimal, denominator: Decimal | int, step: Decimal) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(step, rounding=ROUND_HALF_UP)


@dataclass
class Figures:
    """What a set of held events adds up to; the derived figures are None when their
    denominator is zero (shown as "—")."""

    events: int = 0
    confirmed: int = 0
    checked_in: int = 0
    cost: Decimal = ZERO
    collaborations: int = 0
    value: Decimal = ZERO

    def add(self, other: Figures) -> None:
        self.events += other.events
        self.confirmed += other.confirmed
        self.checked_in += other.checked_in
        self.cost += other.cost
        self.collaborations += other.collaborations
        self.value += other.value

    @property
    def no_shows(self) -> int:
        return self.confirmed - self.checked_in

    @property
    def no_show_rate(self) -> Decimal | None:
        """Confirmed but not checked in, in % of the confirmed, one decimal."""
        return _ratio(Decimal(self.no_shows * 100), self.confirmed, TENTH)

    @property
    def cost_per_attendee(self) -> Decimal | None:
        return _ratio(self.cost, self.checked_in, CENT)

    @property
    def value_per_euro(self) -> Decimal | None:
        """The value of the business born for each euro spent."""
        return _ratio(self.value, self.cost, CENT)


@dataclass
class EventLine(Figures):
    event: Event | None = None


@dataclass
class ChapterRow(Figures):
    chapter: Chapter | None = None  # None: the events of no chapter (the community's own)
    budget: Budget | None = None


@dataclass
class ChapterReport:
    chapter: Chapter
    year: int
    lines: list[EventLine]
    totals: Figures


@dataclass
class Overview:
    year: int
    rows: list[ChapterRow]
    totals: Figures
    budget: Budget | None  # the community's
    spent: Decimal  # every cost line of the year's events, held or not

    @property
    def spent_not_held(self) -> Decimal:
        """Costs of the year's events not held (yet): upcoming, drafts, cancelled."""
        return self.spent - self.totals.cost

    @property
    def left(self) -> Decimal | None:
        """The community's budget minus the spend (negative when overspent)."""
        return None if self.budget is None else self.budget.amount - self.spent

    @property
    def overspent(self) -> Decimal | None:
        """How much the spend exceeds the budget, None when it does not (or no budget)."""
        left = self.left
        return -left if left is not None and left < 0 else None


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The first instant of `year` and of the next one, in the community's time zone."""
    tz = timezone.get_default_timezone()
    return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)


def _year_events(year: int) -> QuerySet[Event]:
    start, end = year_bounds(year)
    return Event.objects.filter(start__gte=start, start__lt=end)


def held_events(*, year: int, chapter: Chapter | None = None, now=None) -> QuerySet[Event]:
    """The events held in `year` (see the module docstring), oldest first, annotated with
    `confirmed_count`, `checked_in_count` and `total_cost` (one query)."""
    confirmed = Q(registrations__status=Registration.Status.CONFIRMED)
    costs = (
        EventCost.objects.filter(event=OuterRef("pk"))
        .order_by()
        .values("event")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    qs = _year_events(year).filter(status=Event.Status.PUBLISHED, end__lte=now or timezone.now())
    if chapter is not None:
        qs = qs.filter(chapter=chapter)
    return qs.annotate(
        confirmed_count=Count("registrations", filter=confirmed),
        checked_in_count=Count(
            "registrations", filter=confirmed & Q(registrations__checked_in_at__isnull=False)
        ),
        total_cost=Coalesce(Subquery(costs, output_field=MONEY), Value(ZERO), output_field=MONEY),
    ).order_by("start", "pk")


def _lines(events: QuerySet[Event]) -> list[EventLine]:
    events = list(events)
    business = business_by_event(e.pk for e in events)
    lines = []
    for event in events:
        count, value = business.get(event.pk, (0, ZERO))
        lines.append(
            EventLine(
                events=1,
                confirmed=event.confirmed_count,
                checked_in=event.checked_in_count,
                cost=Decimal(event.total_cost).quantize(CENT),
                collaborations=count,
                value=Decimal(value).quantize(CENT),
                event=event,
            )
        )
    return lines


def _total(lines: Iterable[Figures]) -> Figures:
    total = Figures()
    for line in lines:
        total.add(line)
    return total


def chapter_report(*, chapter: Chapter, year: int, now=None) -> ChapterReport:
    """One line per event `chapter` held in `year`, and their totals."""
    lines = _lines(held_events(year=year, chapter=chapter, now=now))
    return ChapterReport(chapter=chapter, year=year, lines=lines, totals=_total(lines))


def budget_overview(*, year: int, now=None) -> Overview:
    """Every chapter side by side (those without events too, then the events of no
    chapter), with their budgets, and the community's budget against the year's spend."""
    chapters = list(Chapter.objects.order_by("name"))
    budgets = {b.chapter_id: b for b in Budget.objects.filter(year=year)}
    rows = {c.pk: ChapterRow(chapter=c, budget=budgets.get(c.pk)) for c in chapters}
    rows[None] = ChapterRow(chapter=None)
    for line in _lines(held_events(year=year, now=now)):
        rows[line.event.chapter_id].add(line)
    spent = EventCost.objects.filter(event__in=_year_events(year)).aggregate(
        total=Coalesce(Sum("amount"), Value(ZERO), output_field=MONEY)
    )["total"]
    ordered = [rows[c.pk] for c in chapters] + [rows[None]]
    return Overview(
        year=year,
        rows=ordered,
        totals=_total(ordered),
        budget=budgets.get(None),
        spent=Decimal(spent).quantize(CENT),
    )


def report_years(*, chapter: Chapter | None = None) -> list[int]:
    """The years with events (of `chapter`, or any), and this year, newest first."""
    qs = Event.objects.exclude(status=Event.Status.DRAFT)
    if chapter is not None:
        qs = qs.filter(chapter=chapter)
    tz = timezone.get_default_timezone()
    years = {d.year for d in qs.datetimes("start", "year", tzinfo=tz)}
    years.add(timezone.localdate().year)
    return sorted(years, reverse=True)
