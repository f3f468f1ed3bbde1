"""A series' change carried to its upcoming occurrences (`series_follow`), field by field."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Event, EventSeries
from .lifecycle import event_update
from .series import (
    FOLLOWED_FIELDS,
    _days_between,
    _occurrences_create,
    series_occurrence_times,
    series_rule,
)


@dataclass(frozen=True)
class SeriesFollowed:
    """What a change of a series did to its upcoming occurrences (`series_follow`)."""

    changed: list[Event] = field(default_factory=list)  # now as the series says
    created: list[Event] = field(default_factory=list)  # dates the new rule adds
    removed: list[date] = field(default_factory=list)  # off the new rule, nothing on them
    kept: list[tuple[Event, str]] = field(default_factory=list)  # what stayed, and why
    apart: int = 0  # edited on their own (`Event.detached`): left alone
    moved: int = 0  # of `changed`, published ones moved in time or place: registrants told


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
            created = _occurrences_create(series, added, now, actor=actor)
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
        made = tuple(_to_the_minute(moment) for moment in _instants(before, event.series_date))
        if (_to_the_minute(event.start), _to_the_minute(event.end)) == made:
            data["start"], data["end"] = _instants(series, event.series_date)
    return data


def _instants(series: EventSeries, day: date) -> tuple[datetime, datetime]:
    """The series' start and end on `day` (`series_occurrence_times`) in UTC.

    Not compared as Brussels times: Python holds an aware datetime in the hour the clocks
    skip or repeat unequal to every datetime of another zone, the stored (UTC) ones included
    (PEP 495). An occurrence starting or ending then was taken as set apart: it kept the old
    time, unreported. Given to `event_update` in UTC too, a new time that is the same instant
    (02:30 on the night summer time begins is 03:30) is no move its registrants are told of.
    """
    start, end = series_occurrence_times(series, day)
    return start.astimezone(UTC), end.astimezone(UTC)


def _to_the_minute(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


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
