"""A guest's form with an address that already holds a place: answered as a new address is,
so that the form tells no one who attends (`guest_registered_again`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from betacowork.messaging.models import Outbox

from ..messages import RegistrationConfirmed, RegistrationWaitlisted
from ..models import Event, Registration
from .common import _registration_message, waitlist_position
from .registration import _address_owner


@dataclass(frozen=True)
class GuestTold:
    """What a guest's form answers: a seat, or this place on the waitlist."""

    status: str
    position: int | None


# A second submission this soon after the first (a double click, "did it work?") gets no
# second email: the confirmation has just gone out.
_AGAIN_QUIET = timedelta(minutes=10)


def guest_registered_again(*, event: Event, email: str) -> GuestTold:
    """A guest gave an address that already holds a place at `event` (theirs, another
    guest's, a member's). The form answers exactly as it would for a new address — a seat
    while there is one, else the next place on the waitlist — so a visitor cannot learn who
    attends (a hidden member included) by typing addresses; the registration's own message
    goes again to that address, which tells its owner where they stand (at most once an hour
    per registration, not within minutes of the first). The seats-left figure on the page
    still counts real registrations only: it is not changed here."""
    email = (email or "").strip().lower()
    owner = _address_owner(email)
    same = Q(email__iexact=email) | (Q(user=owner) if owner is not None else Q(pk__in=[]))
    registration = event.registrations.active().filter(same).order_by("created_at").first()
    counts = event.registrations.aggregate(
        confirmed=Count("pk", filter=Q(status=Registration.Status.CONFIRMED)),
        waitlisted=Count("pk", filter=Q(status=Registration.Status.WAITLISTED)),
    )
    now = timezone.now()
    if registration is not None and registration.created_at <= now - _AGAIN_QUIET:
        _registration_message_again(registration, hour=int(now.timestamp() // 3600))
    if event.capacity is not None and counts["confirmed"] >= event.capacity:
        return GuestTold(Registration.Status.WAITLISTED, counts["waitlisted"] + 1)
    return GuestTold(Registration.Status.CONFIRMED, None)


def _registration_message_again(registration: Registration, *, hour: int) -> None:
    key = f"registration-again:{registration.pk}:{hour}"
    if Outbox.objects.filter(dedup_key=key).exists():
        return
    extra = {}
    if registration.status == Registration.Status.WAITLISTED:
        kind, extra["position"] = RegistrationWaitlisted.key, waitlist_position(registration)
    else:
        kind = RegistrationConfirmed.key
    try:
        with transaction.atomic():
            _registration_message(registration=registration, kind=kind, dedup_key=key, **extra)
    except IntegrityError:
        pass  # the same hour's message, written by a request a moment ago
