"""An event's life: created, published (announced), edited, cancelled, duplicated."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ..messages import EventCancelled, EventChanged
from ..models import EVENT_TIME_FIELDS, Event, EventChange, validate_event_time
from .announcements import chapter_announcement_write
from .common import SCHEDULE_FIELDS, _notify
from .history import event_history_add
from .registration import _lock_event, _promote_waitlisted

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
    the title and the local date. Raises ValidationError (translated) when the event is not
    valid (e.g. an end before the start); nothing is written then.
    """
    fields = _whitelisted(fields, EVENT_CREATE_FIELDS)
    event = Event(**fields, status=Event.Status.DRAFT)
    event.created_by = actor if getattr(actor, "pk", None) else None
    _dates_check(event)  # before an end is computed from the start
    if event.start and event.end is None and event.kind_id:
        event.end = event.start + timedelta(minutes=event.kind.default_duration_minutes)
    if event.start and event.end and event.end <= event.start:
        raise ValidationError({"end": _("An event must end after it starts.")})
    with transaction.atomic():
        event.slug = event_unique_slug(event.title, timezone.localdate(event.start))
        event.full_clean()
        event.save()
        event_history_add(event=event, actor=actor, action=EventChange.Action.CREATED)
    return event


def event_publish(*, event: Event, actor=None) -> bool:
    """Publish a draft and announce it to its chapter's followers; return whether it changed."""
    with transaction.atomic():
        updated = Event.objects.filter(pk=event.pk, status=Event.Status.DRAFT).update(
            status=Event.Status.PUBLISHED
        )
        if updated:
            event_announce(event=Event.objects.get(pk=event.pk))
            event_history_add(event=event, actor=actor, action=EventChange.Action.PUBLISHED)
    return bool(updated)


def event_announce(*, event: Event) -> int:
    """Write the "new event in a chapter you follow" emails for a published event.

    Idempotent (one de-duplication key per event and follower), so every path that makes an
    event published — the publish action, the edit form, a new event saved as published —
    calls it, in the transaction that publishes.
    """
    return chapter_announcement_write(event=event)


def event_cancel(*, event: Event, actor=None) -> int:
    """Cancel the event and tell every active registrant; return how many were told.

    Registrations keep their status (the history shows who was coming); a cancelled event
    gets no reminders and accepts no registration. Cancelling twice is harmless. An event
    that has started cannot be cancelled: its people came (and would be emailed that it
    did not happen), and its report counts it.
    """
    with transaction.atomic():
        event = _lock_event(event)
        if event.status == Event.Status.CANCELLED:
            return 0
        if event.has_started():
            raise ValidationError(
                _("“%(title)s” has already started: it can no longer be cancelled.")
                % {"title": event.title},
                code="started",
            )
        event.status = Event.Status.CANCELLED
        event.cancelled_at = timezone.now()
        event.save(update_fields=["status", "cancelled_at", "updated_at"])
        event_history_add(event=event, actor=actor, action=EventChange.Action.CANCELLED)
        return _notify_cancelled(event)


def _notify_cancelled(event: Event) -> int:
    """Tell every active registrant that the event is cancelled (caller holds the lock)."""
    told = 0
    for registration in event.registrations.active().select_related("user"):
        registration.event = event
        _notify(
            registration=registration,
            kind=EventCancelled.key,
            dedup_key=f"event-cancelled:{event.pk}:{registration.pk}",
        )
        told += 1
    return told


def event_update(*, event: Event, actor=None, data: dict) -> Event:
    """Apply changed fields to an event under its lock.

    When the time or place changes, `version` increases (the calendar SEQUENCE, and the
    reminders' de-duplication keys) and every active registrant gets an "event changed"
    email with the updated .ics. Lowering the capacity below the confirmed count is refused;
    raising it promotes people from the waitlist. An occurrence of a series that is edited
    is detached from it, so regenerating the series leaves it alone.
    """
    unknown = set(data) - set(EVENT_UPDATE_FIELDS)
    if unknown:
        # Like HackSoft's model_update: only the named, editable fields; a typo or a field
        # nobody may set (version, series, …) is a programming error, not input.
        raise TypeError(f"event_update cannot set {sorted(unknown)}")
    with transaction.atomic():
        locked = _lock_event(event)
        for field, value in data.items():
            setattr(locked, field, value)
        _update_check(locked)
        before = Event.objects.get(pk=locked.pk)
        schedule_changed = any(
            getattr(before, f) != getattr(locked, f) for f in SCHEDULE_FIELDS
        ) or (before.space_id != locked.space_id)
        if schedule_changed:
            locked.version = before.version + 1
        if locked.series_id and any(
            getattr(before, f) != getattr(locked, f)
            for f in ("title", "description", "capacity", "status", *SCHEDULE_FIELDS)
        ):
            locked.detached = True
        just_cancelled = (
            before.status != Event.Status.CANCELLED and locked.status == Event.Status.CANCELLED
        )
        if just_cancelled:
            locked.cancelled_at = timezone.now()
        locked.full_clean(exclude=["slug"] if not locked.slug else None)
        locked.save()
        _history_of_update(before, locked, data, actor)
        if just_cancelled:
            # Cancelling through the edit form tells registrants, like the admin action.
            _notify_cancelled(locked)
            event.refresh_from_db()
            return event
        if schedule_changed and locked.status == Event.Status.PUBLISHED:
            _notify_changed(before, locked)
        if before.capacity is not None and (
            locked.capacity is None or locked.capacity > before.capacity
        ):
            _promote_waitlisted(locked)
        just_published = (
            before.status != Event.Status.PUBLISHED and locked.status == Event.Status.PUBLISHED
        )
        # Published with a past date (a typo), then corrected: only now can it be announced.
        now_upcoming = before.start <= timezone.now() < locked.start
        if just_published or (locked.status == Event.Status.PUBLISHED and now_upcoming):
            event_announce(event=locked)
    event.refresh_from_db()
    return event


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


def _update_check(locked: Event) -> None:
    """What an edit may not do: a date out of range, end before it starts, or seat fewer
    than are confirmed."""
    _dates_check(locked)
    if locked.end <= locked.start:
        raise ValidationError({"end": _("An event must end after it starts.")})
    confirmed = locked.registrations.confirmed().count()
    if locked.capacity is not None and locked.capacity < confirmed:
        raise ValidationError(
            {
                "capacity": _(
                    "%(confirmed)s people are already confirmed: the capacity cannot be "
                    "lower. Cancel registrations first, or keep at least %(confirmed)s seats."
                )
                % {"confirmed": confirmed}
            }
        )


def _notify_changed(before: Event, after: Event) -> None:
    """Every active registrant is told the new time or place, with the updated .ics."""
    for registration in after.registrations.active().select_related("user"):
        registration.event = after
        _notify(
            registration=registration,
            kind=EventChanged.key,
            dedup_key=f"event-changed:{after.pk}:v{after.version}:{registration.pk}",
            with_ics=True,
            extra={"previous_start": before.start, "previous_place": before.place},
        )


def _history_of_update(before: Event, after: Event, data: dict, actor) -> None:
    """One history line for an edit: the fields that really changed; a status change
    to published or cancelled is recorded as that action."""
    changed = [
        name
        for name in data
        if getattr(before, Event._meta.get_field(name).attname)
        != getattr(after, Event._meta.get_field(name).attname)
    ]
    action = EventChange.Action.EDITED
    if before.status != after.status and after.status in (
        Event.Status.PUBLISHED,
        Event.Status.CANCELLED,
    ):
        action = after.status
        changed = [name for name in changed if name != "status"]
    event_history_add(event=after, actor=actor, action=action, fields=changed)


def event_duplicate(*, event: Event, actor=None) -> Event:
    """A draft copy one week later, with the same speakers and no registrations."""
    with transaction.atomic():
        copy = Event.objects.get(pk=event.pk)
        speakers = list(event.speakers.all())
        copy.pk = None
        copy.id = None
        week = timedelta(days=7)
        copy.start, copy.end = event.start + week, event.end + week
        # The registration window moves with the event (a copy that closed before it opened
        # would refuse everyone).
        if copy.registration_opens_at:
            copy.registration_opens_at += week
        if copy.registration_closes_at:
            copy.registration_closes_at += week
        _dates_check(copy)  # an event ten years ahead has no copy a week later
        copy.status = Event.Status.DRAFT
        copy.series = None
        copy.series_date = None
        copy.detached = False
        copy.version = 1
        copy.cancelled_at = None
        copy.created_by = actor if getattr(actor, "pk", None) else None
        copy.slug = event_unique_slug(copy.title, timezone.localdate(copy.start))
        copy.save()
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
