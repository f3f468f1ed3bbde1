"""Helpers every events service uses: topics, absolute URLs, guest links, languages,
the .ics attachment, and writing a registrant's message."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.db.models import Q
from django.utils import translation

from betacowork.messaging.outbox import OutboxMessage, outbox_write_data, outbox_write_many
from betacowork.messaging.rendering import token_path

from ..models import Event, Registration

logger = logging.getLogger(__name__)

TZ = ZoneInfo(settings.TIME_ZONE)

GUEST_CANCEL_SALT = "events.guest-cancel"
# Fields whose change moves the event in a calendar: they bump `version` (the SEQUENCE).
SCHEDULE_FIELDS = ("start", "end", "space_id", "room")
LANGUAGES = {code for code, _name in settings.LANGUAGES}

# Helpers -----------------------------------------------------------------------------------


def event_topic(event: Event) -> str:
    return f"event:{event.pk}"


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def guest_cancel_token(registration: Registration) -> str:
    """A signed token naming the registration and its email: the guest's cancel link."""
    return signing.dumps(
        {"r": registration.pk, "e": registration.email.lower()}, salt=GUEST_CANCEL_SALT
    )


def guest_cancel_url(registration: Registration) -> str:
    return absolute_url(token_path("events:guest_cancel", guest_cancel_token(registration)))


def registration_from_token(token: str) -> Registration | None:
    """The registration a cancel link names, or None when the link is tampered or stale."""
    try:
        data = signing.loads(token, salt=GUEST_CANCEL_SALT)
        pk, email = int(data["r"]), str(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    return (
        Registration.objects.select_related("event", "event__kind", "event__space")
        .filter(pk=pk, email__iexact=email)
        .first()
    )


def registration_language(registration: Registration) -> str:
    if registration.user_id and registration.user.preferred_language in LANGUAGES:
        return registration.user.preferred_language
    return registration.language if registration.language in LANGUAGES else "en"


def registration_address(registration: Registration) -> str:
    """Where a registrant's messages go: a member's account address as it is now (they may
    have changed it since they registered — the old one may be gone from their account), a
    guest's the one they registered with. (`registration_language` reads the member already.)"""
    if registration.user_id and registration.user.email:
        return registration.user.email
    return registration.email


def verified_addresses(user_ids: Iterable[int]) -> set[tuple[int, str]]:
    """(user id, lower-cased email) pairs that are verified: reminders, announcements and
    invitations go only to those (account emails also to unverified addresses)."""
    from allauth.account.models import EmailAddress

    user_ids = list(user_ids)
    pairs: set[tuple[int, str]] = set()
    for start in range(0, len(user_ids), 1000):
        pairs.update(
            (uid, email.lower())
            for uid, email in EmailAddress.objects.filter(
                user_id__in=user_ids[start : start + 1000], verified=True
            ).values_list("user_id", "email")
        )
    return pairs


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first person on the waitlist; None when not waitlisted."""
    if registration.status != Registration.Status.WAITLISTED:
        return None
    ahead = (
        Registration.objects.waitlisted()
        .filter(event_id=registration.event_id)
        .filter(
            Q(waitlisted_at__lt=registration.waitlisted_at)
            | Q(waitlisted_at=registration.waitlisted_at, pk__lt=registration.pk)
        )
        .count()
    )
    return ahead + 1


def waitlist_positions(registrations: Iterable[Registration]) -> dict[int, int]:
    """{registration id: its waitlist position} for the waitlisted among `registrations`
    (every active registration of one event), in `waitlist_position`'s order — who joined
    first, then the older row — counted from the list instead of one COUNT each."""
    waitlisted = sorted(
        (r for r in registrations if r.status == Registration.Status.WAITLISTED),
        key=lambda r: (r.waitlisted_at, r.pk),
    )
    return {r.pk: position for position, r in enumerate(waitlisted, start=1)}


def _ics_attachment(event: Event, *, registration: Registration | None = None) -> dict:
    """The event's .ics as an attachment. For a `registration` on the waitlist it is what
    their personal feed shows: TENTATIVE, "(waitlist)" in the title, in their language."""
    from ..ics import event_ics

    if registration is not None and registration.status == Registration.Status.WAITLISTED:
        with translation.override(registration_language(registration)):
            content = event_ics(event, waitlisted=True)
    else:
        content = event_ics(event)
    return {
        "filename": f"{event.slug}.ics",
        "content": content.decode("utf-8"),
        "mimetype": "text/calendar",
    }


def _registrant_message(
    registration: Registration, *, kind: str, dedup_key: str, **payload
) -> OutboxMessage | None:
    """One registrant's message (member or guest) as data, for `outbox_write_many()`: at
    the address and in the language they registered with, `payload` what it must say that
    may change before it is sent; the kind renders it when sending (events/messages.py).
    None for a former member's row, which has no address."""
    if registration.former_member:
        return None
    return OutboxMessage(
        dedup_key=dedup_key,
        kind=kind,
        to_email=registration_address(registration),
        language=registration_language(registration),
        recipient=registration.user_id,
        topic=event_topic(registration.event),
        payload={"registration": registration.pk, **payload},
    )


def _registrants_write(
    event: Event, registrations: list[Registration], *, kind: str, key, payload
) -> None:
    """One message of `kind` to each of `registrations` (of `event`) as data, in one INSERT:
    `key(registration)` its de-duplication key, `payload(registration)` what it must say
    (`_registrant_message`). A former member's row gets none."""
    messages = []
    for registration in registrations:
        registration.event = event  # read for the topic: not once per row
        messages.append(
            _registrant_message(
                registration, kind=kind, dedup_key=key(registration), **payload(registration)
            )
        )
    outbox_write_many(m for m in messages if m is not None)


def _registration_message(*, registration: Registration, kind: str, dedup_key: str, **extra):
    """Write a registration message as data (events/messages.py renders it when sending):
    one INSERT, nothing rendered — this runs under the event lock. The key names a new
    registration (or a new promotion), so it cannot exist yet: no ON CONFLICT re-read. A
    former member's row has no address: nothing is written."""
    if registration.former_member:
        return None
    return outbox_write_data(
        dedup_key=dedup_key,
        kind=kind,
        to_email=registration_address(registration),
        language=registration_language(registration),
        payload={"registration": registration.pk, **extra},
        topic=event_topic(registration.event),
        recipient_id=registration.user_id,
    )


# What the registration queue reads of the event under its lock: no joins, no text.
