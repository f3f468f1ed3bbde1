"""Helpers every events service uses: topics, absolute URLs, guest links, languages,
the .ics attachment, and writing a registrant's message."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.db.models import Q
from django.urls import reverse

from members.models import Outbox
from members.outbox import (
    OutboxMessage,
    message_render,
    outbox_send_on_commit,
    outbox_write_many,
)

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
    return absolute_url(
        reverse("events:guest_cancel", kwargs={"token": guest_cancel_token(registration)})
    )


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


def _ics_attachment(event: Event) -> dict:
    from ..ics import event_ics

    return {
        "filename": f"{event.slug}.ics",
        "content": event_ics(event).decode("utf-8"),
        "mimetype": "text/calendar",
    }


def _notify(
    *,
    registration: Registration,
    kind: str,
    dedup_key: str,
    template: str,
    extra: dict | None = None,
    with_ics: bool = False,
) -> None:
    """Write one outbox row for a registrant, in their language, inside the caller's atomic."""
    event = registration.event
    language = registration_language(registration)
    context = {
        "event": event,
        "registration": registration,
        "event_url": absolute_url(event.get_absolute_url()),
        "ics_url": absolute_url(reverse("events:ics", kwargs={"slug": event.slug})),
        "cancel_url": guest_cancel_url(registration),
        "my_events_url": absolute_url(reverse("events:mine")),
        "site_url": settings.SITE_URL,
        **(extra or {}),
    }
    message = message_render(
        template_prefix=f"events/email/{template}", context=context, language=language
    )
    # outbox_write_many, even for one message: one INSERT … ON CONFLICT DO NOTHING instead
    # of get_or_create's SELECT + savepoint + INSERT. The key is new for a new registration,
    # so the SELECT was wasted, and when registering it runs under the event lock.
    outbox_write_many(
        [
            OutboxMessage(
                dedup_key=dedup_key,
                kind=kind,
                to_email=registration.email,
                language=language,
                message=message,
                recipient=registration.user,
                topic=event_topic(event),
                attachments=[_ics_attachment(event)] if with_ics else [],
            )
        ]
    )


def _registration_message(*, registration: Registration, kind: str, dedup_key: str, **extra):
    """Write a registration message as data (events/messages.py renders it when sending):
    one INSERT, nothing rendered — this runs under the event lock. The key names a new
    registration (or a new promotion), so it cannot exist yet: no ON CONFLICT re-read."""
    row = Outbox.objects.create(
        dedup_key=dedup_key,
        kind=kind,
        topic=event_topic(registration.event),
        recipient_id=registration.user_id,
        to_email=registration.email,
        language=registration_language(registration),
        from_email=settings.DEFAULT_FROM_EMAIL,
        payload={"registration": registration.pk, **extra},
    )
    outbox_send_on_commit([row.pk])
    return row


# What the registration queue reads of the event under its lock: no joins, no text.
