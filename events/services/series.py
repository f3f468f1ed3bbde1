"""Series: a recurring event as a rule, and its occurrences generated ahead."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
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
from .lifecycle import event_announce, event_update

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
class SeriesFollowed:
    """What a change of a series did to its upcoming occurrences (`series_follow`)."""

    changed: list[Event] = field(default_factory=list)  # now as the series says
    created: list[Event] = field(default_factory=list)  # dates the new rule adds
    removed: list[date] = field(default_factory=list)  # off the new rule, nothing on them
    kept: list[tuple[Event, str]] = field(default_factory=list)  # what stayed, and why
    apart: int = 0  # edited on their own (`Event.detached`): left alone
    moved: int = 0  # of `changed`, published ones moved in time or place: registrants told


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


# The fields `event_update` detaches an occurrence for when it is edited on its own (with
# its time): one that still follows its series has them as the series gave them.
DETACHING_FIELDS = ("title", "description", "capacity", "space", "room")


def series_follow(*, before: EventSeries, series: EventSeries, actor=None) -> SeriesFollowed:
    """Carry a change of `series` (`before`: as it was) to its upcoming occurrences.

    An occurrence follows its series field by field: a field still as the old series made it
    takes the new value (through `event_update`: registrants of a moved occurrence are told
    the new time or place, a raised capacity seats the waitlist), a field set differently on
    the occurrence itself stays. Occurrences edited on their own (`detached`), cancelled or
    already started are left alone. With a new rule or new first/last dates, an occurrence
    the series no longer has is removed if nothing hangs on it (registrations, speakers,
    costs), else kept for the organiser to cancel; the dates the new rule adds up to where
    the series was generated are created (later ones come with the usual generation).
    A field an occurrence cannot take (a capacity under its confirmed seats, a time already
    past) stays as it was, with the reason; its other fields follow, and the next change of
    that field tries again. An occurrence `actor` may not change (moved on its own to
    another chapter) stays, with the reason. An inactive series creates no occurrence: its
    generation, once reactivated, makes the new rule's dates. The occurrences are locked
    while this runs, inside the caller's transaction, with the series locked.
    """
    now = timezone.now()
    # Locked, in start order: a registration taking a seat now (it locks its event) waits
    # for this change rather than land on an occurrence being removed, and an organiser's
    # edit of one occurrence is read as it is before deciding whether it still follows.
    upcoming = list(
        Event.objects.select_for_update()
        .filter(series=series, start__gt=now)
        .exclude(status=Event.Status.CANCELLED)
        .order_by("start", "pk")
    )
    apart = sum(1 for event in upcoming if event.detached)
    upcoming = [event for event in upcoming if not event.detached]
    changed, removed, kept, moved = [], [], [], 0
    dates_changed = any(
        getattr(before, name) != getattr(series, name) for name in ("rrule", "starts_on", "ends_on")
    )
    on_rule = _rule_days(series, [e.series_date for e in upcoming]) if dates_changed else None
    for event in upcoming:
        off_rule = on_rule is not None and event.series_date not in on_rule
        data = {} if off_rule else _followed_data(before, series, event)
        if (off_rule or data) and not _may_change(actor, before, event):
            kept.append((event, _not_yours_reason()))
            continue
        if off_rule:
            if _holds_something(event):
                kept.append((event, _off_rule_reason()))
            else:
                removed.append(event.series_date)
                event.delete()
            continue
        if "start" in data and data["start"] <= now:
            del data["start"], data["end"]
            kept.append(
                (event, _("its time stays: at the new time it would already have started."))
            )
        version = event.version  # `event_update` refreshes the instance it is given
        updated, refusals = _follow_fields(event, data, actor)
        kept += [(event, reason) for reason in refusals]
        if updated is not None:
            changed.append(updated)
            if updated.version > version and updated.status == Event.Status.PUBLISHED:
                moved += 1  # its registrants are told the new time or place
    created = []
    if dates_changed:
        added = _rule_days_added(before, series)
        if series.active:
            created = _occurrences_create(series, added, now)
        elif added:
            # An inactive series makes no new occurrence (as its generation would not), but
            # its generation goes back to them: reactivated, it makes them then, instead of
            # going on after where the old rule was generated (weeks without an occurrence).
            series.generated_until = min(added) - timedelta(days=1)
            EventSeries.objects.filter(pk=series.pk).update(generated_until=series.generated_until)
    return SeriesFollowed(
        changed=changed, created=created, removed=removed, kept=kept, apart=apart, moved=moved
    )


def _follow_fields(event: Event, data: dict, actor) -> tuple[Event | None, list[str]]:
    """Apply `data` to the occurrence (`event_update`, as its series' own change); a field
    the edit refuses (a capacity under the confirmed seats…) stays as it was and the others
    are applied. Returns (the updated event or None, a reason for each field that stays)."""
    refusals: list[str] = []
    while data:  # each refusal takes at least one field out, or ends here
        try:
            with transaction.atomic():
                return event_update(
                    event=event, actor=actor, data=data, follows_series=True
                ), refusals
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {}
            fields = [name for name in errors if name in data]
            if not fields:
                return None, [
                    *refusals,
                    _("it stays as it was: %(reason)s") % {"reason": " ".join(exc.messages)},
                ]
            for name in fields:
                if name in ("start", "end"):  # a time is moved whole
                    data.pop("start", None), data.pop("end", None)
                else:
                    data.pop(name)
                refusals.append(
                    _("its %(field)s stays: %(reason)s")
                    % {
                        "field": Event._meta.get_field(name).verbose_name,
                        "reason": " ".join(errors[name]),
                    }
                )
    return None, refusals


def _followed_data(before: EventSeries, series: EventSeries, event: Event) -> dict:
    """The fields of `event` to change: those the series changed and the occurrence still
    has as the old series made them."""
    data = {}
    for name in FOLLOWED_FIELDS:
        attname = Event._meta.get_field(name).attname
        old, new = getattr(before, attname), getattr(series, attname)
        has = getattr(event, attname)
        if old == new or has == new:
            continue
        # A field whose own edit detaches the occurrence (`DETACHING_FIELDS`) was never set
        # on this one, which still follows: a value other than the old series' is one an
        # earlier change could not give it (a capacity under its confirmed seats then),
        # and this change tries again.
        if has == old or name in DETACHING_FIELDS:
            data[name] = getattr(series, name)
    if (before.start_time, before.duration_minutes) != (
        series.start_time,
        series.duration_minutes,
    ):
        old_start, old_end = series_occurrence_times(before, event.series_date)
        if _to_the_minute(event.start) == old_start and _to_the_minute(event.end) == old_end:
            data["start"], data["end"] = series_occurrence_times(series, event.series_date)
    return data


def _to_the_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _rule_days(series: EventSeries, days: list[date]) -> set[date]:
    """Which of `days` the series' rule (and its first and last dates) has."""
    if not days:
        return set()
    rule = series_rule(series)
    found = rule.between(
        datetime.combine(min(days), datetime.min.time()),
        datetime.combine(max(days), datetime.max.time()),
        inc=True,
    )
    return {
        d.date()
        for d in found
        if d.date() >= series.starts_on and (not series.ends_on or d.date() <= series.ends_on)
    }


def _holds_something(event: Event) -> bool:
    """Registrations (even cancelled: their history), speakers or costs: not removed."""
    return event.registrations.exists() or event.speakers.exists() or event.costs.exists()


def _may_change(actor, before: EventSeries, event: Event) -> bool:
    """Whether `actor` may carry the series' change to `event`. Who may change the series is
    the caller's check; an occurrence moved on its own to another chapter (which does not
    detach it) is that chapter's: the series' organiser changes it only if they run it too."""
    if actor is None or event.chapter_id == before.chapter_id:
        return True
    return actor.has_perm("events.change_event", event)


def _not_yours_reason() -> str:
    return _("it stays as it is: it is now an event of a chapter you do not organise.")


def _off_rule_reason() -> str:
    return _(
        "it stays: the series no longer has this date, but people registered or something "
        "was added to it. Cancel it from its page if it no longer takes place."
    )


def _rule_days_added(before: EventSeries, series: EventSeries) -> list[date]:
    """The dates the new rule has and the old one had not, without an occurrence yet, up to
    where the series was generated (`generated_until`); from there on, generation as usual.
    An old rule that cannot be read (typed by hand, being corrected now) made none of them."""
    if not before.generated_until:
        return []
    start_from = max(series.starts_on, timezone.localdate())
    until = before.generated_until
    if series.ends_on:
        until = min(until, series.ends_on)
    if start_from > until:
        return []
    new_days = _days_between(series, start_from, until)
    try:
        old_days = set(_days_between(before, start_from, until))
    except ValidationError:
        old_days = set()
    existing = set(
        Event.objects.filter(series=series, series_date__in=new_days).values_list(
            "series_date", flat=True
        )
    )
    return [d for d in new_days if d not in old_days and d not in existing]


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


def series_generate(*, series: EventSeries, until: date | None = None) -> list[Event]:
    """Create the occurrences of `series` up to `until` (default: its weeks ahead).

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
        created = _occurrences_create(series, [d for d in days if d not in existing], now)
        if series.generated_until is None or until > series.generated_until:
            series.generated_until = until
            series.save(update_fields=["generated_until"])
    return created


def _occurrences_create(series: EventSeries, days: list[date], now: datetime) -> list[Event]:
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
        if event.status == Event.Status.PUBLISHED:
            # A published occurrence is news for the chapter's followers, whichever path
            # generated it (the console, the admin, the periodic task); announced once.
            event_announce(event=event)
        created.append(event)
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
