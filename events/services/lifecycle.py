"""An event's life: published (announced), edited, cancelled. Its creation and its copies
are in creation.py, the statuses it may take in status.py."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..messages import EventCancelled, EventChanged
from ..models import Event, EventChange
from .announcements import chapter_announcement_write
from .cancellation import _promote_waitlisted
from .common import SCHEDULE_FIELDS, _registrants_write, waitlist_positions
from .creation import EVENT_UPDATE_FIELDS, _dates_check, _window_check
from .history import event_history_add
from .registration import _lock_event
from .status import _draft_not_cancelled, draft_never_held, event_status_check


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
            told = published.told_schedule
            if told is not None:
                # Moved while unpublished: its registrants are told now, once.
                published.told_schedule = None
                published.rescheduled_at = timezone.now()
                Event.objects.filter(pk=published.pk).update(
                    told_schedule=None, rescheduled_at=published.rescheduled_at
                )
                _notify_changed(published, told=told)
            event_announce(event=published, actor=actor)
            event_history_add(event=event, actor=actor, action=EventChange.Action.PUBLISHED)
    return bool(updated)


def event_announce(*, event: Event, actor=None) -> int:
    """Write the "new event in a chapter you follow" emails for a published event (not to
    `actor`, the one publishing).

    Idempotent (one de-duplication key per event and follower), so every path that makes an
    event published — the publish action, the edit form, a new event saved as published —
    calls it, in the transaction that publishes.
    """
    return chapter_announcement_write(event=event, actor=actor)


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


def _notify_cancelled(event: Event) -> int:
    """Tell every active registrant that the event is cancelled (caller holds the lock);
    return how many were. The rows are written as data in one INSERT (events/messages.py
    renders them when sending): the queries do not grow with the registrants."""
    registrations = list(event.registrations.active().select_related("user"))
    _registrants_write(
        event,
        registrations,
        kind=EventCancelled.key,
        key=lambda registration: f"event-cancelled:{event.pk}:{registration.pk}",
        # What the email says: a seat cancelled (with the cancelled event's .ics, which marks
        # cancelled the copy the confirmation's file put in their calendar) or the waitlist
        # gone (with the file only for who got one: EventCancelled.attachments).
        payload=lambda registration: {"status": registration.status},
    )
    return len(registrations)


def event_update(*, event: Event, actor=None, data: dict, follows_series: bool = False) -> Event:
    """Apply changed fields to an event under its lock.

    When the time or place changes, `version` increases (the calendar SEQUENCE, and the
    reminders' de-duplication keys) and every active registrant gets an "event changed"
    email with the updated .ics — when the event is published: a draft's moves are told
    when it is published again, once, from the time and place they were last told
    (`told_schedule`) to the one it has then. A status change obeys `event_status_check`
    (no way out of cancelled; no cancelling once started). Lowering the capacity below the
    confirmed count is refused; raising it promotes people from the waitlist. An event still
    to come cannot move into the past (`event_move_check`). A new start that comes without
    a registration window moves the window with it (`window_follow_start`). An occurrence of
    a series that is edited is detached from it, so regenerating the series leaves it alone —
    unless the change is its series' own (`follows_series`, `series_follow`): it still
    follows it.
    """
    unknown = set(data) - set(EVENT_UPDATE_FIELDS)
    if unknown:
        # Like HackSoft's model_update: only the named, editable fields; a typo or a field
        # nobody may set (version, series, …) is a programming error, not input.
        raise TypeError(f"event_update cannot set {sorted(unknown)}")
    with transaction.atomic():
        locked = _lock_event(event)
        before = Event.objects.get(pk=locked.pk)
        if "status" in data:
            event_status_check(event=locked, status=data["status"], start=data.get("start"))
        if "start" in data:
            event_move_check(event=before, start=data["start"])
        for field, value in data.items():
            setattr(locked, field, value)
        if "start" in data and not any(name in data for name in WINDOW_FIELDS[1:]):
            window_follow_start(event=locked, previous_start=before.start)
        _update_check(locked, data)
        schedule_changed = _schedule(before) != _schedule(locked)
        if schedule_changed:
            locked.version = before.version + 1
        told = _untold_move(before, locked)
        locked.told_schedule = None
        if told is not None and locked.status == Event.Status.PUBLISHED:
            locked.rescheduled_at = timezone.now()  # its registrants are told below
        elif (
            told is not None
            and locked.status == Event.Status.DRAFT
            and (before.told_schedule is not None or locked.registrations.active().exists())
        ):
            # Nobody is told of a draft's move (it may move again before it is ready): its
            # registrants are, when it is published again (`event_publish`, below).
            locked.told_schedule = told
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
        if told is not None and locked.status == Event.Status.PUBLISHED:
            _notify_changed(locked, told=told)
        # Moved to another chapter: its followers hear of it (the old one's are not told of
        # an event that is no longer their chapter's: see ChapterAnnouncement's check).
        moved_chapter = before.chapter_id != locked.chapter_id
        published = locked.status == Event.Status.PUBLISHED
        if just_published or (published and (now_upcoming or moved_chapter)):
            event_announce(event=locked, actor=actor)
    event.refresh_from_db()
    return event


def _schedule(event: Event) -> tuple:
    """What moves the event in a calendar (`SCHEDULE_FIELDS`), times to the minute: pages,
    forms and emails show minutes, so seconds that a form could not show (and so drops)
    are no change anybody is told of."""
    return _to_the_minute(getattr(event, name) for name in SCHEDULE_FIELDS)


def _to_the_minute(values) -> tuple:
    return tuple(
        value.replace(second=0, microsecond=0) if isinstance(value, datetime) else value
        for value in values
    )


def _told(event: Event) -> dict:
    """`event`'s time and place as its registrants are told them (`Event.told_schedule`):
    `SCHEDULE_FIELDS`, and the place the "event changed" email says it was before."""
    return {
        **{
            name: value.isoformat() if isinstance(value, datetime) else value
            for name, value in ((name, getattr(event, name)) for name in SCHEDULE_FIELDS)
        },
        "place": event.place,
    }


def _untold_move(before: Event, after: Event) -> dict | None:
    """What the registrants of `after` (stored as `before`) were last told of its time and
    place (`_told`) when it is no longer that, else None: `before`'s, or, moved while
    unpublished, the one they were told before (`told_schedule`)."""
    told = before.told_schedule
    if told is None:
        return _told(before) if _schedule(before) != _schedule(after) else None
    values = (
        datetime.fromisoformat(told[name]) if name in ("start", "end") else told[name]
        for name in SCHEDULE_FIELDS
    )
    return told if _to_the_minute(values) != _schedule(after) else None


def event_move_check(*, event: Event, start: datetime, now=None) -> None:
    """Raise ValidationError on `start` when it would move `event`, still to come, to a
    moment already past: its people would be told nothing (the "event changed" email is
    dropped for an event that is over) and lose it. The edit service asks it, and the
    console's and the admin's forms show it on the field. The times of an event that has
    started or is past may still be corrected, and a past one may move to a date to come."""
    now = now or timezone.now()
    if start is not None and start != event.start and event.start > now >= start:
        message = _("This date is past: an event still to come can only move to a date to come.")
        raise ValidationError({"start": ValidationError(message, code="moved_into_past")})


# What an edit may change that places the registration window against the start.
WINDOW_FIELDS = ("start", "registration_opens_at", "registration_closes_at")


def window_follow_start(*, event: Event, previous_start: datetime, now=None) -> bool:
    """Move `event`'s registration window with its start, which was `previous_start`; return
    whether it moved.

    Left where it was, a window closing the day before a date that moved a week later shut
    registration for that week (and the console, which has no window fields, could not fix
    it). Each bound moves by the wall-clock time the start moved, as a copy's does
    (`event_duplicate`): "closes the day before at 18:00" stays that across DST. An opening
    already past stays: registration that is open does not close again until a later day.
    """
    shift = _wall_clock(event.start) - _wall_clock(previous_start)
    if not shift:
        return False
    now = now or timezone.now()
    moved = False
    for name in WINDOW_FIELDS[1:]:
        value = getattr(event, name)
        if value is None:
            continue
        new = timezone.localtime(value) + shift
        if name == "registration_opens_at" and value <= now < new:
            continue
        setattr(event, name, new)
        moved = True
    return moved


def window_moved_note(event: Event, *, now=None) -> str:
    """What to tell whoever moved `event` when its registration window moved with it
    (`window_follow_start`): the bounds still to come ('' when none is)."""
    now = now or timezone.now()
    opens, closes = event.registration_opens_at, event.registration_closes_at
    when = {
        name: date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
        for name, value in (("opens", opens), ("closes", closes))
        if value is not None and value > now
    }
    if "opens" in when and "closes" in when:
        return (
            _(
                "Its registration window moved with it: registration opens on %(opens)s and "
                "closes on %(closes)s."
            )
            % when
        )
    if "closes" in when:
        return _("Its registration window moved with it: registration closes on %(closes)s.") % when
    if "opens" in when:
        return _("Its registration window moved with it: registration opens on %(opens)s.") % when
    return ""


def _wall_clock(value: datetime) -> datetime:
    """`value` as a Brussels wall clock (naive): what the pages show."""
    return timezone.localtime(value).replace(tzinfo=None)


def _update_check(locked: Event, data: dict) -> None:
    """What an edit may not do: a date out of range, end before it starts, a registration
    window out of place (opening or closing after the start, closing before it opens), or
    seat fewer than are confirmed. The window is checked when the edit sets it or the start:
    an event saved before the rule existed can still have its title corrected."""
    _dates_check(locked)
    if locked.end <= locked.start:
        raise ValidationError({"end": _("An event must end after it starts.")})
    if any(name in data for name in WINDOW_FIELDS):
        _window_check(locked)
    confirmed = locked.registrations.confirmed().count()
    if locked.capacity is not None and locked.capacity < confirmed:
        raise ValidationError({"capacity": capacity_below_confirmed(confirmed)})


def capacity_below_confirmed(confirmed: int) -> str:
    """Why a capacity under the confirmed seats is refused (an event's form, the admin's, a
    series' change reaching an occurrence)."""
    # Said to organisers too, who cannot cancel anyone's seat: what they can do is keep the
    # seats; the people give theirs back themselves (QA: "cancel first" sent them nowhere).
    return ngettext(
        "%(confirmed)s person is already confirmed: keep at least %(confirmed)s seat. A person "
        "gives their seat back from the event's page or the link in their email.",
        "%(confirmed)s people are already confirmed: keep at least %(confirmed)s seats. People "
        "give their seat back from the event's page or the link in their email.",
        confirmed,
    ) % {"confirmed": confirmed}


def _notify_changed(after: Event, *, told: dict) -> None:
    """Every active registrant is told the new time or place, with the updated .ics; a
    person on the waitlist is told they still are (their number), with a tentative .ics.
    Written as data in one INSERT, the positions counted from the same list: the queries do
    not grow with the registrants. The payload keeps what the email must say as it is now —
    the time and place they were told before (`told`, `_told`), the status and waitlist
    number — the event's new details are read when it is sent (moved again, the email is
    not sent: EventChanged's check)."""
    registrations = list(after.registrations.active().select_related("user"))
    positions = waitlist_positions(registrations)
    previous = {"previous_start": told["start"], "previous_place": told["place"]}
    _registrants_write(
        after,
        registrations,
        kind=EventChanged.key,
        key=lambda registration: f"event-changed:{after.pk}:v{after.version}:{registration.pk}",
        payload=lambda registration: {
            "status": registration.status,
            "position": positions.get(registration.pk),
            **previous,
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
