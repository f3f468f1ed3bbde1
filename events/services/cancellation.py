"""Cancelling a registration, and the waitlist moving up into the seat it frees.

`registration_cancel` takes the event's lock (`registration._lock_event`: the same queue as
registering) and gives the freed seat to the head of the waitlist (`_promote_waitlisted`,
which publishing an event or raising its capacity also calls: lifecycle.py)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..messages import RegistrationPromoted
from ..models import Event, Registration
from .common import _registration_message
from .registration import _lock_event


def _promote_waitlisted(event: Event) -> list[Registration]:
    """Fill free seats from the head of the waitlist (caller holds the event lock)."""
    if event.status != Event.Status.PUBLISHED or event.has_started():
        return []
    promoted = []
    confirmed = event.registrations.confirmed().count()
    while event.capacity is None or confirmed < event.capacity:
        head = (
            event.registrations.waitlisted()
            .select_related("user")
            .order_by("waitlisted_at", "pk")
            .first()
        )
        if head is None:
            break
        head.status = Registration.Status.CONFIRMED
        head.confirmed_at = timezone.now()
        head.save(update_fields=["status", "confirmed_at"])
        head.event = event
        _registration_message(
            registration=head, kind=RegistrationPromoted.key, dedup_key=f"promoted:{head.pk}"
        )
        promoted.append(head)
        confirmed += 1
    return promoted


def registration_cancel(
    *, registration: Registration, actor=None, leaving_waitlist: bool = False
) -> Registration | None:
    """Cancel a seat or a waitlist place; return the registration promoted in its place.

    Cancelling twice is harmless (the second call changes nothing and returns None).
    `leaving_waitlist`: the person asked to leave the waitlist (a page showing their place
    in it); if a seat came to them since, it is not given up — read under the event's lock,
    so a promotion committing meanwhile is seen (ValidationError, code "seat_obtained").
    """
    with transaction.atomic():
        event = _lock_event(registration.event)
        registration = Registration.objects.select_related("user").get(pk=registration.pk)
        if registration.status == Registration.Status.CANCELLED:
            return None
        if leaving_waitlist and registration.status == Registration.Status.CONFIRMED:
            raise ValidationError(
                _(
                    "A seat freed up in the meantime: you are registered now. If you cannot "
                    "come, cancel your registration."
                ),
                code="seat_obtained",
            )
        if event.has_started() and event.status != Event.Status.CANCELLED:
            raise ValidationError(
                _("This event has already started: the registration can no longer be cancelled."),
                code="started",
            )
        was_confirmed = registration.status == Registration.Status.CONFIRMED
        registration.status = Registration.Status.CANCELLED
        registration.cancelled_at = timezone.now()
        # A cancelled seat is nobody at the door: a check-in made before (the door opens
        # before the start) goes with it, so no list, count, report or round counts them.
        # Written whatever was read: a check-in committing meanwhile is undone too (and one
        # after this commit is refused: `registration_check_in` re-reads the row locked).
        registration.checked_in_at = None
        registration.checked_in_by = None
        registration.save(
            update_fields=["status", "cancelled_at", "checked_in_at", "checked_in_by"]
        )
        if not was_confirmed:
            return None
        if registration.user_id:  # seated at a Speed Networking evening planned already?
            from ..speed_networking.services import networking_unseat

            networking_unseat(event=event, user=registration.user)
        promoted = _promote_waitlisted(event)
    return promoted[0] if promoted else None
