"""Check-in at the door: a confirmed registrant marked present, or not any more.

Refused at a cancelled event, and before the door opens (`check_in_closed`: at 00:00 Brussels
time on the day of its start — or two hours before the start, for an event just after
midnight — and it stays open afterwards: an organiser may record attendance late). Undo is
refused only at a cancelled event. Locks in the order every writer of a registration takes
them — the event, the registration, then a Speed Networking evening's session — so two of
them never wait for each other (`cancellation.registration_cancel` takes the event, then the
session; check-in locks only its registration row). A registration cancelled is checked in
no more: `registration_cancel` clears its check-in."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ..models import Event, Registration
from .registration import _lock_event


def _cancelled(event: Event) -> ValidationError | None:
    # People were told a cancelled event will not happen: nobody can attend it.
    if event.status == Event.Status.CANCELLED:
        return ValidationError(
            _("This event is cancelled: nobody can be checked in."), code="cancelled"
        )
    return None


# The door opens at the latest this long before the start (an event at 00:30 opens at 22:30
# the evening before, not at midnight — half an hour before it).
CHECK_IN_AHEAD = timedelta(hours=2)


def check_in_opens(event: Event) -> datetime:
    """When the door list opens: 00:00 on the day of the event's start (the site's time
    zone, Brussels), or `CHECK_IN_AHEAD` before the start if that is earlier."""
    day = datetime.combine(timezone.localdate(event.start), time.min)
    return min(timezone.make_aware(day), event.start - CHECK_IN_AHEAD)


def check_in_closed(*, event: Event, now: datetime | None = None) -> ValidationError | None:
    """Why nobody can be checked in at `event` at `now`, or None: the one rule the door list
    and `registration_check_in` both ask. Cancelled: never. Otherwise from `check_in_opens`,
    and any time after."""
    cancelled = _cancelled(event)
    if cancelled is not None:
        return cancelled
    now = now or timezone.now()
    opens = check_in_opens(event)
    if now >= opens:
        return None
    if timezone.localdate(now) == timezone.localdate(opens):  # later today
        when = timezone.localtime(opens).strftime("%H:%M")  # as every page writes a time
        return ValidationError(_("Check-in opens at %(time)s.") % {"time": when}, code="not_yet")
    return ValidationError(
        _("Check-in opens on %(date)s.")
        % {"date": date_format(timezone.localdate(opens), "DATE_FORMAT")},
        code="not_yet",
    )


def registration_check_in(
    *, registration: Registration, actor, now: datetime | None = None
) -> Registration:
    """Mark a confirmed registrant as present (again: harmless). Refused at a cancelled
    event and before the door opens (`check_in_closed`)."""
    now = now or timezone.now()
    with transaction.atomic():
        # Only the registration's row is locked (`of`): locking the joined event row too, after
        # it, would be the reverse of the order cancelling and undoing take (event first).
        registration = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("event")
            .get(pk=registration.pk)
        )
        closed = check_in_closed(event=registration.event, now=now)
        if closed is not None:
            raise closed
        if registration.status != Registration.Status.CONFIRMED:
            raise ValidationError(
                _("Only confirmed registrations can be checked in."), code="not_confirmed"
            )
        if registration.checked_in_at is None:
            registration.checked_in_at = now
            registration.checked_in_by = actor if getattr(actor, "pk", None) else None
            registration.save(update_fields=["checked_in_at", "checked_in_by"])
    return registration


def registration_check_in_undo(*, registration: Registration, actor) -> Registration:
    """Mark a registrant as not present (again: harmless). Refused at a cancelled event.

    At a Speed Networking evening already planned they leave the rounds not yet played (a
    partner left alone is re-seated): they are not in the room. Locks in the order every
    writer of a registration takes them — the event, the registration, then the evening's
    session (`registration_cancel` takes the event, then the session) — so two of them never
    wait for each other."""
    with transaction.atomic():
        event = _lock_event(Event(pk=registration.event_id))
        registration = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("user")
            .get(pk=registration.pk)
        )
        cancelled = _cancelled(event)
        if cancelled is not None:
            raise cancelled
        if registration.checked_in_at is not None:
            registration.checked_in_at = None
            registration.checked_in_by = None
            registration.save(update_fields=["checked_in_at", "checked_in_by"])
            if registration.user_id:  # seated at a Speed Networking evening planned already?
                from ..speed_networking.services import networking_unseat

                networking_unseat(event=event, user=registration.user)
    registration.event = event
    return registration
