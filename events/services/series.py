"""Series: a recurring event as a rule, and its occurrences generated ahead. A change of a
series reaches its upcoming occurrences through series_follow.py."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from dateutil import rrule as du_rrule
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Event, EventSeries
from ..recurrence import rrule_parts
from .common import TZ, logger
from .creation import SERIES_FIELDS, _whitelisted, event_insert
from .lifecycle import event_announce

if TYPE_CHECKING:
    from .series_follow import SeriesFollowed

# Series ------------------------------------------------------------------------------------

SUB_DAILY = ("HOURLY", "MINUTELY", "SECONDLY")


def series_rule(series: EventSeries):
    """The dateutil rule for a series, anchored at its first date in local wall-clock time.

    Raises ValidationError for a malformed rule, one repeating within a day, one that
    generates no date at all, or a duration of 0 minutes (checked here, where every form and
    generation reads the series: its occurrences would end as they start, which the
    database refuses, and the periodic generation of every series stopped there). (A first
    date an event could not have is refused where a series is saved: `EventSeries.clean`.)
    """
    if series.duration_minutes is not None and series.duration_minutes <= 0:
        raise ValidationError({"duration_minutes": _("An event must end after it starts.")})
    text = (series.rrule or "").strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    dtstart = datetime.combine(series.starts_on, series.start_time)  # naive local wall clock
    try:
        rule = du_rrule.rrulestr(f"RRULE:{text}", dtstart=dtstart, forceset=False)
    except (ValueError, TypeError) as exc:
        raise ValidationError(
            {"rrule": _("This recurrence rule is not valid: %(error)s") % {"error": exc}}
        ) from exc
    if rrule_parts(text).get("FREQ") in SUB_DAILY:  # a rule typed by hand
        # An occurrence is one date at the series' start time: a rule repeating within a
        # day would walk thousands of times (each minute for weeks) for the same dates.
        raise ValidationError(
            {"rrule": _("A series repeats at most once a day: choose a daily or longer rule.")}
        )
    try:
        first = rule.after(dtstart - timedelta(seconds=1))
    except TypeError as exc:  # e.g. UNTIL given in UTC ("Z") against a local wall clock
        raise ValidationError(
            {"rrule": _("Give UNTIL as a local date, e.g. UNTIL=20271231.")}
        ) from exc
    if first is None or (series.ends_on and first.date() > series.ends_on):
        raise ValidationError(
            {"rrule": _("This recurrence rule generates no date: check the rule and the dates.")}
        )
    return rule


@dataclass(frozen=True)
class SeriesResult:
    series: EventSeries
    followed: SeriesFollowed | None = None  # None: a new series


def series_save(*, actor, series: EventSeries | None = None, **fields) -> SeriesResult:
    """Create a series (`series` None) or change one, from `SERIES_FIELDS` only.

    Refuses (ValidationError) a series that is not valid or whose rule generates no date.
    A change is carried, in the same transaction, to the upcoming occurrences that still
    follow the series (`series_follow`); past, cancelled and separately edited ones stay.
    """
    fields = _whitelisted(fields, SERIES_FIELDS)
    with transaction.atomic():
        before = None
        if series is None:
            series = EventSeries(**fields)
        else:
            series = EventSeries.objects.select_for_update().get(pk=series.pk)
            before = copy.copy(series)
            for name, value in fields.items():
                setattr(series, name, value)
        series.full_clean(exclude=["generated_until"])
        series_rule(series)
        series.save()
        if before is None:
            return SeriesResult(series=series)
        from .series_follow import series_follow  # it builds on this module's dates

        return SeriesResult(
            series=series, followed=series_follow(before=before, series=series, actor=actor)
        )


# What an occurrence takes from its series as it is, when it is created and when the series
# changes (the times are drawn from the series' start time and duration on its date).
FOLLOWED_FIELDS = (
    "title",
    "kind",
    "description",
    "space",
    "room",
    "chapter",
    "capacity",
    "visibility",
)


def _days_between(series: EventSeries, start_from: date, until: date) -> list[date]:
    """The local dates of the series' rule from `start_from` to `until`, both included, each
    once: a series has one occurrence a date (a rule typed by hand with several hours a day,
    BYHOUR=12,18, gives that date's occurrence at the series' start time, not an error)."""
    days = (
        d.date()
        for d in series_rule(series).between(
            datetime.combine(start_from, datetime.min.time()),
            datetime.combine(until, datetime.max.time()),
            inc=True,
        )
    )
    return list(
        dict.fromkeys(
            d for d in days if d >= series.starts_on and (not series.ends_on or d <= series.ends_on)
        )
    )


def series_occurrence_times(series: EventSeries, day: date) -> tuple[datetime, datetime]:
    """The aware start and end of the occurrence on a local date, right across DST."""
    start = datetime.combine(day, series.start_time).replace(tzinfo=TZ)
    # The duration is elapsed time: a lunch 12:30-14:00 stays 90 minutes on a DST day.
    end = (
        start.astimezone(ZoneInfo("UTC")) + timedelta(minutes=series.duration_minutes)
    ).astimezone(TZ)
    return start, end


def series_generate(*, series: EventSeries, until: date | None = None, actor=None) -> list[Event]:
    """Create the occurrences of `series` up to `until` (default: its weeks ahead); `actor`:
    who asked (their chapter's followers are told of the series, not them).

    Idempotent: an occurrence is keyed on its series date and is never recreated, nor
    touched once it exists (edited, cancelled or deleted ones stay as staff left them).
    Today's occurrence is created only if it has not started yet. An inactive series
    (stopped by staff) makes none, whichever path asks (the console's save of its form too).
    """
    now = timezone.now()
    today = timezone.localdate()
    until = until or today + timedelta(weeks=series.weeks_ahead)
    if series.ends_on:
        until = min(until, series.ends_on)
    start_from = max(series.starts_on, today)
    if series.generated_until:
        start_from = max(start_from, series.generated_until + timedelta(days=1))
    if start_from > until:
        return []
    days = _days_between(series, start_from, until)
    with transaction.atomic():
        series = EventSeries.objects.select_for_update().get(pk=series.pk)
        if not series.active:
            return []
        existing = set(
            Event.objects.filter(series=series, series_date__in=days).values_list(
                "series_date", flat=True
            )
        )
        days = [d for d in days if d not in existing]
        created = _occurrences_create(series, days, now, actor=actor)
        if series.generated_until is None or until > series.generated_until:
            series.generated_until = until
            series.save(update_fields=["generated_until"])
    return created


def _occurrences_create(
    series: EventSeries, days: list[date], now: datetime, *, actor=None
) -> list[Event]:
    """Create the series' occurrences on `days` (none of which has one yet), published and
    announced if the series publishes them. Inside the caller's transaction."""
    created = []
    for day in days:
        start, end = series_occurrence_times(series, day)
        if start <= now:
            # Today's, already begun (a series created in the afternoon of its lunch):
            # nobody could register for it, and it would be listed as held, by nobody.
            continue
        event = Event(
            **{name: getattr(series, name) for name in FOLLOWED_FIELDS},
            start=start,
            end=end,
            status=Event.Status.PUBLISHED if series.publish else Event.Status.DRAFT,
            series=series,
            series_date=day,
        )
        event_insert(event, day=day)  # a free slug, even against a concurrent insert
        created.append(event)
    published = [event for event in created if event.status == Event.Status.PUBLISHED]
    if published:
        # Published occurrences are news for the chapter's followers, whichever path generated
        # them (the console, the admin, the periodic task): news of the series, told once
        # (`chapter_announcement_write`), not once per occurrence — nor again for the dates
        # that replace others when the series changes day.
        event_announce(event=min(published, key=lambda event: event.start), actor=actor)
    return created


def series_generate_all(*, until: date | None = None) -> int:
    """Generate every active series (the periodic task); a broken rule is logged, not fatal."""
    total = 0
    for series in EventSeries.objects.filter(active=True):
        try:
            total += len(series_generate(series=series, until=until))
        except ValidationError as exc:
            logger.warning("Series %s not generated: %s", series.pk, exc)
    return total
