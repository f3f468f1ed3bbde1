"""A guest's registration, confirmed from their mailbox.

A visitor's form books nothing: it emails the address a link (`guest_request_send`) whose
signed token carries what they typed (`GuestRequest`); the seat or waitlist place is taken
when the link is followed and its page's button pressed (`guest_request_from_token`, then
`event_register`). So nobody can book a seat in someone else's name — a member's included,
whose address books for them — and the form answers every address the same way: it tells
no one who attends, and the seats-left figure moves only for proven addresses.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from betacowork.messaging import notify_address
from betacowork.messaging.models import Outbox
from betacowork.messaging.rendering import token_path

from ..messages import GuestRegistrationRequest, guest_request_key
from ..models import Event, Registration
from .common import absolute_url, event_topic
from .registration import _address_owner

GUEST_REQUEST_SALT = "events.guest-request"
# How long a confirmation link works (the event's start closes it sooner).
GUEST_REQUEST_MAX_AGE = timedelta(days=3)
# A form sent again within this window (a double click, "did it work?") sends no second
# email to the same address: the first has just gone out.
_REQUEST_QUIET_SECONDS = 600


@dataclass(frozen=True)
class GuestRequest:
    """What a guest typed, as the link carries it back."""

    event_id: int
    name: str
    email: str
    note: str
    language: str
    issued: float = 0  # when the link was made (a Unix time): it books once


def guest_request_token(request: GuestRequest) -> str:
    return signing.dumps(
        {
            "v": request.event_id,
            "n": request.name,
            "e": request.email,
            "t": request.note,
            "l": request.language,
            "at": request.issued or round(time.time(), 3),
        },
        salt=GUEST_REQUEST_SALT,
        compress=True,
    )


def guest_request_from_token(token: str) -> GuestRequest | None:
    """The request a confirmation link carries, or None when it is tampered or expired."""
    try:
        data = signing.loads(
            token, salt=GUEST_REQUEST_SALT, max_age=GUEST_REQUEST_MAX_AGE.total_seconds()
        )
        return GuestRequest(
            event_id=int(data["v"]),
            name=str(data["n"]),
            email=str(data["e"]),
            note=str(data["t"]),
            language=str(data["l"]),
            issued=float(data.get("at", 0)),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def guest_request_send(*, event: Event, name: str, email: str, note: str, language: str) -> None:
    """Email `email` the link that confirms a guest's registration for `event`. The form
    checked the fields; `event_register` checks everything again when the link is used.

    The email holds the link and the event, not the name or note typed (anyone's text, to
    an address whose owner may not have asked): they are shown on the link's page. One email
    for the same form sent again within ten minutes (up to twenty, across a window's edge)."""
    email = email.strip().lower()
    request = GuestRequest(
        event_id=event.pk, name=name.strip(), email=email, note=note.strip(), language=language
    )
    # The same form sent twice (same address, name and note) within ten minutes: one email.
    sent = hashlib.sha256(f"{email}\n{request.name}\n{request.note}".encode()).hexdigest()[:24]
    window = int(timezone.now().timestamp() // _REQUEST_QUIET_SECONDS)
    keys = [guest_request_key(event_id=event.pk, form=sent, window=w) for w in (window - 1, window)]
    if Outbox.objects.filter(dedup_key=keys[0]).exists():
        return  # sent in the window before: a double click across its edge (review)
    with translation.override(language), transaction.atomic():
        notify_address(
            kind=GuestRegistrationRequest.key,
            to_email=email,
            language=language,
            context={
                "event": event,
                "event_url": absolute_url(event.get_absolute_url()),
                "confirm_url": absolute_url(
                    token_path("events:guest_confirm", guest_request_token(request))
                ),
                "valid_days": GUEST_REQUEST_MAX_AGE.days,
            },
            dedup_key=keys[1],
            topic=event_topic(event),
        )


def guest_link_used(guest: GuestRequest) -> bool:
    """Whether the seat this link booked was given back since: the link may not book again
    (review: a forwarded link booked again after a cancellation). A registration still
    active is `event_register`'s "already registered". One query, no join: the rush's path."""
    return Registration.objects.filter(
        event_id=guest.event_id,
        email__iexact=guest.email,
        status=Registration.Status.CANCELLED,
        created_at__gte=datetime.fromtimestamp(guest.issued, tz=UTC),
    ).exists()


def guest_registration_found(guest: GuestRequest) -> Registration | None:
    """This address's active registration at the link's event (a member's, when the address
    is theirs), or None."""
    owner = _address_owner(guest.email)
    same = Q(email__iexact=guest.email) | (Q(user=owner) if owner is not None else Q(pk__in=[]))
    found = Registration.objects.filter(same, event_id=guest.event_id).active()
    return found.order_by("-created_at").first()


def guest_booking_name(guest: GuestRequest) -> str:
    """The name the link books in: a member's own when the address is theirs (as
    `event_register` books it), else the one typed."""
    owner = _address_owner(guest.email)
    return (owner.get_full_name() if owner is not None else "") or guest.name
