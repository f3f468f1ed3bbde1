"""An event's life: created, published (announced), edited, cancelled, duplicated."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ..messages import EventCancelled, EventChanged
from ..models import EVENT_TIME_FIELDS, Event, EventChange, validate_event_time
from .announcements import chapter_announcement_write
from .common import SCHEDULE_FIELDS, _notify, waitlist_position
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
        event.end = event.start + timedelta(minutes=event.kind.default_duration_minutes)
    if event.start and event.end and event.end <= event.start:
        raise ValidationError({"end": _("An event must end after it starts.")})
    with transaction.atomic():
        # The slug is `event_insert`'s business: checked here, a concurrent insert could
        # still take it (and a ValidationError on a field the form does not show would say so).
        event.full_clean(exclude=["slug"])
        event_insert(event, day=timezone.localdate(event.start))
        event_history_add(event=event, actor=actor, action=EventChange.Action.CREATED)
    return event


def event_publish(*, event: Event, actor=None) -> bool:
    """Publish a draft and announce it to its chapter's followers; return whether it changed."""
    with transaction.atomic():
        updated = Event.objects.filter(pk=event.pk, status=Event.Status.DRAFT).update(
            status=Event.Status.PUBLISHED
        )
        if updated:
            # The UPDATE holds the row's lock: read it under the lock the queue takes.
            published = _lock_event(event)
            # Seats freed while it was unpublished (a cancel link, a higher capacity) go to
            # the waitlist now, in order — before a newcomer could take them.
            _promote_waitlisted(published)
            event_announce(event=published)
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
        if draft_never_held(event):
            raise _draft_not_cancelled()
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


def draft_never_held(event: Event) -> bool:
    """A draft nobody holds a seat or a waitlist place at: it is deleted or left a draft, not
    cancelled (a cancelled event is listed for everyone, and nobody is there to be told). A
    draft unpublished with people registered may be cancelled: they are told."""
    return event.status == Event.Status.DRAFT and (
        event.pk is None or not event.registrations.active().exists()
    )


def _draft_not_cancelled() -> ValidationError:
    return ValidationError(
        _(
            "Nobody holds a place at this draft: delete it, or leave it a draft. Cancelling "
            "it would list it for everyone."
        ),
        code="draft",
    )


def event_status_check(
    *, event: Event, status: str, start: datetime | None = None, title: str | None = None
) -> None:
    """Raise ValidationError (on "status") when an edit may not move the stored `event` to
    `status` (with `start` and `title`, its new start and title, if the same edit sets them:
    a new event's form has not set them on the instance yet).

    Cancelling is final: registrants were told it will not happen (their seats stay as the
    history of who was coming), so a cancelled event goes back to no other status — a copy
    (`event_duplicate`) holds it again. A draft nobody registered for is not cancelled
    (`draft_never_held`), and an event that has started cannot be
    cancelled, as with `event_cancel`. The edit forms call it to show the error on the field;
    `event_update` calls it again under the lock.
    """
    if event.status == status:
        return
    if event.status == Event.Status.CANCELLED:
        message = _(
            "This event is cancelled and its registrants were told: cancelling is final. "
            "Duplicate the event to hold it again."
        )
        raise ValidationError({"status": ValidationError(message, code="cancelled_is_final")})
    now = timezone.now()
    # A new event (the admin's add form) has no stored start yet.
    started = (event.start is not None and event.has_started(now)) or (
        start is not None and start <= now
    )
    if status == Event.Status.CANCELLED and started:
        message = _("“%(title)s” has already started: it can no longer be cancelled.") % {
            "title": title or event.title
        }
        raise ValidationError({"status": ValidationError(message, code="started")})
    if status == Event.Status.CANCELLED and event.pk is None:
        message = _("A new event is not created cancelled: save it as a draft, or not at all.")
        raise ValidationError({"status": ValidationError(message, code="new")})
    if status == Event.Status.CANCELLED and draft_never_held(event):
        raise ValidationError({"status": _draft_not_cancelled()})


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


def event_update(*, event: Event, actor=None, data: dict, follows_series: bool = False) -> Event:
    """Apply changed fields to an event under its lock.

    When the time or place changes, `version` increases (the calendar SEQUENCE, and the
    reminders' de-duplication keys) and every active registrant gets an "event changed"
    email with the updated .ics. A status change obeys `event_status_check` (no way out of
    cancelled; no cancelling once started). Lowering the capacity below the confirmed count
    is refused; raising it promotes people from the waitlist. An occurrence of a series that
    is edited is detached from it, so regenerating the series leaves it alone — unless the
    change is its series' own (`follows_series`, `series_follow`): it still follows it.
    """
    unknown = set(data) - set(EVENT_UPDATE_FIELDS)
    if unknown:
        # Like HackSoft's model_update: only the named, editable fields; a typo or a field
        # nobody may set (version, series, …) is a programming error, not input.
        raise TypeError(f"event_update cannot set {sorted(unknown)}")
    with transaction.atomic():
        locked = _lock_event(event)
        if "status" in data:
            event_status_check(event=locked, status=data["status"], start=data.get("start"))
        for field, value in data.items():
            setattr(locked, field, value)
        _update_check(locked)
        before = Event.objects.get(pk=locked.pk)
        schedule_changed = _schedule(before) != _schedule(locked)
        if schedule_changed:
            locked.version = before.version + 1
        if (
            locked.series_id
            and not follows_series
            and (
                schedule_changed
                or any(
                    getattr(before, f) != getattr(locked, f)
                    for f in ("title", "description", "capacity", "status")
                )
            )
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
        just_published = (
            before.status != Event.Status.PUBLISHED and locked.status == Event.Status.PUBLISHED
        )
        # Published with a past date (a typo), then corrected: only now can it be announced.
        now_upcoming = before.start <= timezone.now() < locked.start
        capacity_raised = before.capacity is not None and (
            locked.capacity is None or locked.capacity > before.capacity
        )
        if capacity_raised or just_published or now_upcoming:
            # Free seats go to the waitlist: more seats, or seats freed while nothing moved
            # up (unpublished, or started — cancel links still work in a draft). Before the
            # change is told: someone promoted now is told of a seat, not of a place on the
            # waitlist.
            _promote_waitlisted(locked)
        if schedule_changed and locked.status == Event.Status.PUBLISHED:
            _notify_changed(before, locked)
        # Moved to another chapter: its followers hear of it (the old one's are not told of
        # an event that is no longer their chapter's: see ChapterAnnouncement's check).
        moved_chapter = before.chapter_id != locked.chapter_id
        published = locked.status == Event.Status.PUBLISHED
        if just_published or (published and (now_upcoming or moved_chapter)):
            event_announce(event=locked)
    event.refresh_from_db()
    return event


def _schedule(event: Event) -> tuple:
    """What moves the event in a calendar (`SCHEDULE_FIELDS`), times to the minute: pages,
    forms and emails show minutes, so seconds that a form could not show (and so drops)
    are no change anybody is told of."""
    return tuple(
        value.replace(second=0, microsecond=0) if isinstance(value, datetime) else value
        for value in (getattr(event, name) for name in SCHEDULE_FIELDS)
    )


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
    """Every active registrant is told the new time or place, with the updated .ics; a
    person on the waitlist is told they still are (their number), with a tentative .ics."""
    for registration in after.registrations.active().select_related("user"):
        registration.event = after
        _notify(
            registration=registration,
            kind=EventChanged.key,
            dedup_key=f"event-changed:{after.pk}:v{after.version}:{registration.pk}",
            with_ics=True,
            extra={
                "previous_start": before.start,
                "previous_place": before.place,
                "position": waitlist_position(registration),
            },
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


def event_duplicate(*, event: Event, actor=None) -> Event:
    """A draft copy on the same weekday at the same (Brussels) time, with the same speakers
    and no registrations: one week later, or for a past event the first such day to come
    (`duplicate_weeks`; a copy is a new event, and a new event has a date to come)."""
    with transaction.atomic():
        copy = Event.objects.get(pk=event.pk)
        speakers = list(event.speakers.all())
        copy.pk = None
        copy.id = None
        # Wall-clock weeks (aware arithmetic in the local zone): 19:00 stays 19:00 across DST.
        shift = duplicate_weeks(event.start) * WEEK

        def moved(value: datetime) -> datetime:
            return timezone.localtime(value) + shift

        copy.start, copy.end = moved(event.start), moved(event.end)
        # The registration window moves with the event (a copy that closed before it opened
        # would refuse everyone).
        if copy.registration_opens_at:
            copy.registration_opens_at = moved(copy.registration_opens_at)
        if copy.registration_closes_at:
            copy.registration_closes_at = moved(copy.registration_closes_at)
        _dates_check(copy)  # an event ten years ahead has no copy a week later
        copy.status = Event.Status.DRAFT
        copy.series = None
        copy.series_date = None
        copy.detached = False
        copy.version = 1
        copy.cancelled_at = None
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
