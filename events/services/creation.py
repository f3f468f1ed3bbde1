"""A new event: a free slug for it, the fields a form may set, `event_create` (a draft from
a form) and `event_duplicate` (a draft copy of an event)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ..models import (
    EVENT_TIME_FIELDS,
    Event,
    EventChange,
    EventKind,
    validate_event_time,
    validate_registration_window,
)
from .history import event_history_add

# Events ------------------------------------------------------------------------------------


def event_unique_slug(title: str, day: date | None = None, *, exclude_pk: int | None = None) -> str:
    base = slugify(title)[:180] or "event"
    if day is not None:
        base = f"{base}-{day.isoformat()}"
    slug, n = base, 2
    qs = Event.objects.all()
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    while qs.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


# How many taken slugs an insert skips before giving up (each one a concurrent insert that
# took the free slug between the check and the insert: a handful at most).
SLUG_ATTEMPTS = 20


def event_insert(event: Event, *, day: date | None) -> Event:
    """Insert the new `event` under a free slug made from its title and `day`.

    Finding a free slug and inserting are two statements: a concurrent request (a double
    click, a retry) may take the same slug in between. The insert runs in a savepoint, so
    the unique index's refusal costs only that savepoint, and the next free slug (`-2`,
    `-3`…) is tried — never a 500. Any other integrity error is raised as it is.
    """
    for _attempt in range(SLUG_ATTEMPTS):
        event.slug = event_unique_slug(event.title, day)
        try:
            with transaction.atomic():
                event.save(force_insert=True)
        except IntegrityError:
            # On PostgreSQL the index waits for the other transaction and refuses once it
            # commits: the slug is then visible here (read committed), and taken.
            if not Event.objects.filter(slug=event.slug).exists():
                raise
            continue
        return event
    raise IntegrityError(f"No free slug for {event.title!r} after {SLUG_ATTEMPTS} attempts.")


# What a form may set when creating an event or a series (HackSoft's `model_update`: a field
# whitelist). Status, slug, version and series links are the services' business.
EVENT_CREATE_FIELDS = (
    "title",
    "kind",
    "description",
    "start",
    "end",
    "space",
    "room",
    "chapter",
    "capacity",
    "visibility",
    "registration_opens_at",
    "registration_closes_at",
)
# What an edit may change (the console's form and the admin's change form): the fields an
# event is created with, plus its address, status, reminders and who created it.
EVENT_UPDATE_FIELDS = (
    *EVENT_CREATE_FIELDS,
    "slug",
    "status",
    "reminder_offsets_minutes",
    "created_by",
)
SERIES_FIELDS = (
    "title",
    "kind",
    "description",
    "start_time",
    "duration_minutes",
    "rrule",
    "starts_on",
    "ends_on",
    "space",
    "room",
    "chapter",
    "capacity",
    "visibility",
    "publish",
)


def _whitelisted(fields: dict, allowed: tuple[str, ...]) -> dict:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        # A caller passing another field is a programming error, not bad input.
        raise TypeError(f"Not settable here: {', '.join(unknown)}.")
    return fields


def event_create(*, actor, **fields) -> Event:
    """Create a draft event from `EVENT_CREATE_FIELDS` (any other name is a TypeError).

    Without an end, the event lasts its kind's default duration. The slug is made unique from
    the title and the local date (`event_insert`: safe against a concurrent insert). Raises
    ValidationError (translated) when the event is not valid (e.g. an end before the start);
    nothing is written then.
    """
    fields = _whitelisted(fields, EVENT_CREATE_FIELDS)
    event = Event(**fields, status=Event.Status.DRAFT)
    event.created_by = actor if getattr(actor, "pk", None) else None
    _dates_check(event)  # before an end is computed from the start
    if event.start and event.end is None and event.kind_id:
        event.end = event_default_end(start=event.start, kind=event.kind)
    if event.start and event.end and event.end <= event.start:
        raise ValidationError({"end": _("An event must end after it starts.")})
    _window_check(event)
    with transaction.atomic():
        # The slug is `event_insert`'s business: checked here, a concurrent insert could
        # still take it (and a ValidationError on a field the form does not show would say so).
        event.full_clean(exclude=["slug"])
        event_insert(event, day=timezone.localdate(event.start))
        event_history_add(event=event, actor=actor, action=EventChange.Action.CREATED)
    return event


def event_default_end(*, start: datetime, kind: EventKind) -> datetime:
    """The end of an event of `kind` starting at `start` when none is given: its default
    duration as elapsed time, as a series' occurrences last (`series_occurrence_times`) —
    three hours from 01:30 on a DST night are three hours, not the 4 h (autumn) or 2 h
    (spring) that adding them to the wall clock made. In local time, like the start."""
    elapsed = start.astimezone(UTC) + timedelta(minutes=kind.default_duration_minutes)
    return timezone.localtime(elapsed)


def _dates_check(event: Event) -> None:
    """Raise ValidationError for each of the event's dates out of range
    (`validate_event_time`: before 2000, or more than ten years ahead)."""
    errors = {}
    for name in EVENT_TIME_FIELDS:
        try:
            validate_event_time(getattr(event, name))
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)


def _window_check(event: Event) -> None:
    """Raise ValidationError (by field) for a registration window that opens at or after the
    event's start, closes after it, or closes before it opens (`validate_registration_window`,
    the rule the admin's form shows on its fields)."""
    validate_registration_window(
        start=event.start, opens=event.registration_opens_at, closes=event.registration_closes_at
    )


WEEK = timedelta(weeks=1)


def duplicate_weeks(start: datetime, *, now: datetime | None = None) -> int:
    """How many weeks after `start` its copy goes: one, or — for an event whose copy a week
    later would be past too — as many as take it to the first same weekday to come."""
    now = now or timezone.now()
    weeks = 1 if start + WEEK > now else (now - start) // WEEK + 1
    local = timezone.localtime(start)
    while local + weeks * WEEK <= now:  # the wall clock may be an hour off across DST
        weeks += 1
    return weeks


def _wall_clock_moved(moment: datetime, shift: timedelta) -> datetime:
    """`moment` moved `shift` on the Brussels wall clock (19:00 stays 19:00 across DST), as a
    time that exists: one the clocks skip (02:30 on the night summer time begins) is read
    with the offset before the change, i.e. an hour later (03:30), as a series' occurrence
    at that time is."""
    # Aware arithmetic in one zone adds to the wall clock; the way through UTC settles the
    # offset (an aware datetime in the skipped hour would keep showing 02:30).
    return timezone.localtime((timezone.localtime(moment) + shift).astimezone(UTC))


def event_duplicate(*, event: Event, actor=None) -> Event:
    """A draft copy on the same weekday at the same (Brussels) time, with the same speakers
    and no registrations: one week later, or for a past event the first such day to come
    (`duplicate_weeks`; a copy is a new event, and a new event has a date to come).

    The copy keeps the event's wall-clock times ("20:00 to 04:00"), each a time that exists:
    on the night summer time begins a start at 02:30 (an hour the clocks skip) is 03:30, and
    an end that would then come before it comes as long after it as the event lasts; on the
    night it ends, 02:30 is the first one. The registration window keeps its wall-clock times
    too ("opens Friday 9:00"), and still closes after it opens.
    """
    with transaction.atomic():
        copy = Event.objects.get(pk=event.pk)
        speakers = list(event.speakers.all())
        copy.pk = None
        copy.id = None
        shift = duplicate_weeks(event.start) * WEEK
        copy.start = _wall_clock_moved(event.start, shift)
        # The end keeps its wall clock too ("20:00 to 04:00" stays that across the autumn
        # night) — unless the start moved out of the hour the clocks skip and the end did not
        # (02:30-03:15 on the spring night: 03:30-03:15, a 500 on the database's constraint):
        # then the copy lasts as long as the event.
        copy.end = _wall_clock_moved(event.end, shift)
        if copy.end <= copy.start:
            copy.end = timezone.localtime(copy.start.astimezone(UTC) + event.duration)
        # The registration window moves with the event (a copy that closed before it opened
        # would refuse everyone).
        opens, closes = event.registration_opens_at, event.registration_closes_at
        if opens:
            copy.registration_opens_at = _wall_clock_moved(opens, shift)
        if closes:
            copy.registration_closes_at = _wall_clock_moved(closes, shift)
        if opens and closes:
            # Instants subtracted, not wall clocks (aware datetimes of one zone subtract naively).
            window = closes.astimezone(UTC) - opens.astimezone(UTC)
            copy_opens = copy.registration_opens_at.astimezone(UTC)
            if window > timedelta(0) >= copy.registration_closes_at.astimezone(UTC) - copy_opens:
                # One in the hour the clocks skip and the other just after it: the first moved
                # an hour later, not the other. The window then lasts as long as the event's.
                copy.registration_closes_at = timezone.localtime(copy_opens + window)
        _dates_check(copy)  # an event ten years ahead has no copy a week later
        copy.status = Event.Status.DRAFT
        copy.series = None
        copy.series_date = None
        copy.detached = False
        copy.version = 1
        copy.cancelled_at = None
        copy.rescheduled_at = None
        copy.told_schedule = None
        copy.created_by = actor if getattr(actor, "pk", None) else None
        event_insert(copy, day=timezone.localdate(copy.start))
        for speaker in speakers:
            speaker.pk = None
            speaker.id = None
            speaker.event = copy
            speaker.save()
        event_history_add(
            event=copy,
            actor=actor,
            action=EventChange.Action.DUPLICATED,
            note=f"{event.title} ({timezone.localdate(event.start).isoformat()})",
        )
    return copy
