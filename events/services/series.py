"""Series: a recurring event as a rule, and its occurrences generated ahead."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule as du_rrule
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Event, EventSeries
from .common import TZ, logger
from .lifecycle import SERIES_FIELDS, _whitelisted, event_announce, event_insert

# Series ------------------------------------------------------------------------------------


def series_rule(series: EventSeries):
    """The dateutil rule for a series, anchored at its first date in local wall-clock time.

    Raises ValidationError for a malformed rule or one that generates no date at all. (A
    first date an event could not have is refused where a series is saved: `EventSeries.clean`.)
    """
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


def series_save(*, actor, series: EventSeries | None = None, **fields) -> EventSeries:
    """Create a series (`series` None) or change one, from `SERIES_FIELDS` only.

    Refuses (ValidationError) a series that is not valid or whose rule generates no date.
    Occurrences already generated are left as they are (see `series_generate`).
    """
    fields = _whitelisted(fields, SERIES_FIELDS)
    with transaction.atomic():
        if series is None:
            series = EventSeries(**fields)
        else:
            series = EventSeries.objects.select_for_update().get(pk=series.pk)
            for name, value in fields.items():
                setattr(series, name, value)
        series.full_clean(exclude=["generated_until"])
        series_rule(series)
        series.save()
    return series


def series_occurrence_times(series: EventSeries, day: date) -> tuple[datetime, datetime]:
    """The aware start and end of the occurrence on a local date, right across DST."""
    start = datetime.combine(day, series.start_time).replace(tzinfo=TZ)
    # The duration is elapsed time: a lunch 12:30-14:00 stays 90 minutes on a DST day.
    end = (
        start.astimezone(ZoneInfo("UTC")) + timedelta(minutes=series.duration_minutes)
    ).astimezone(TZ)
    return start, end


def series_generate(*, series: EventSeries, until: date | None = None) -> list[Event]:
    """Create the occurrences of `series` up to `until` (default: its weeks ahead).

    Idempotent: an occurrence is keyed on its series date and is never recreated, nor
    touched once it exists (edited, cancelled or deleted ones stay as staff left them).
    Today's occurrence is created only if it has not started yet.
    """
    now = timezone.now()
    today = timezone.localdate()
    until = until or today + timedelta(weeks=series.weeks_ahead)
    if series.ends_on:
        until = min(until, series.ends_on)
    rule = series_rule(series)
    start_from = max(series.starts_on, today)
    if series.generated_until:
        start_from = max(start_from, series.generated_until + timedelta(days=1))
    if start_from > until:
        return []
    days = [
        d.date()
        for d in rule.between(
            datetime.combine(start_from, datetime.min.time()),
            datetime.combine(until, datetime.max.time()),
            inc=True,
        )
    ]
    created = []
    with transaction.atomic():
        series = EventSeries.objects.select_for_update().get(pk=series.pk)
        existing = set(
            Event.objects.filter(series=series, series_date__in=days).values_list(
                "series_date", flat=True
            )
        )
        for day in days:
            if day in existing:
                continue
            start, end = series_occurrence_times(series, day)
            if start <= now:
                # Today's, already begun (a series created in the afternoon of its lunch):
                # nobody could register for it, and it would be listed as held, by nobody.
                continue
            event = Event(
                title=series.title,
                kind=series.kind,
                description=series.description,
                start=start,
                end=end,
                space=series.space,
                room=series.room,
                chapter=series.chapter,
                capacity=series.capacity,
                visibility=series.visibility,
                status=Event.Status.PUBLISHED if series.publish else Event.Status.DRAFT,
                series=series,
                series_date=day,
            )
            event_insert(event, day=day)  # a free slug, even against a concurrent insert
            if event.status == Event.Status.PUBLISHED:
                # A published occurrence is news for the chapter's followers, whichever path
                # generated it (the console, the admin, the periodic task); announced once.
                event_announce(event=event)
            created.append(event)
        if series.generated_until is None or until > series.generated_until:
            series.generated_until = until
            series.save(update_fields=["generated_until"])
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
