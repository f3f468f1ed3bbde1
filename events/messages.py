"""The kinds of message the events app sends (betacowork/messaging), with their keys and
delivery checks.

The three registration kinds are written as data under the event lock — `payload` holds
the registration id (and the waitlist position) — and rendered here by the sender just
before sending, in the language the registrant registered in; so are event changes and
cancellations (the lifecycle services, events/services/lifecycle.py, one INSERT for every
registrant) and chapter announcements (their kind is in events/chapters/messages.py, written
when an event is published, events/services/announcements.py). Rows of those kinds written
before, with their text, are sent as they are. Reminders are written by the sweep
(events/services/reminders.py). A guest's confirmation link is rendered when written.
"""

from __future__ import annotations

import copy
import re
from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from betacowork.messaging import MessageKind, register_kind
from betacowork.messaging.models import Outbox
from betacowork.messaging.rendering import message_render

from .models import Event, Registration

_REMINDER_KEY = re.compile(r"^reminder-(?P<offset>\d+)m:reg(?P<reg>\d+):v(?P<version>\d+)$")
_CHANGED_KEY = re.compile(r"^event-changed:(?P<event>\d+):v(?P<version>\d+):(?P<reg>\d+)$")
_GUEST_REQUEST_KEY = re.compile(r"^guest-request:(?P<event>\d+):")


def reminder_key(*, offset: int, registration_id: int, version: int) -> str:
    return f"reminder-{offset}m:reg{registration_id}:v{version}"


def guest_request_key(*, event_id: int, form: str, window: int) -> str:
    return f"guest-request:{event_id}:{form}:{window}"


def reminder_offset_due(event: Event, now: datetime) -> int | None:
    """The nearest due reminder offset (minutes) of `event` at `now`, or None."""
    if event.status != Event.Status.PUBLISHED or not (now < event.start):
        return None
    due = [o for o in event.effective_reminder_offsets if now >= event.start - timedelta(minutes=o)]
    return min(due) if due else None


def upcoming_event_reasons(rows, key_pattern) -> dict[int, str]:
    """The delivery check of a message about an upcoming event (an announcement, an
    invitation): the row's dedup key names the event (`key_pattern`, a regex with an
    `event` group); a message about an event deleted, no longer published or already
    started is not sent. One query for the batch."""
    event_ids = {}
    for row in rows:
        match = key_pattern.match(row.dedup_key)
        if match:
            event_ids[row.pk] = int(match["event"])
    events = Event.objects.in_bulk(set(event_ids.values()))
    now = timezone.now()
    reasons = {}
    for pk, event_id in event_ids.items():
        event = events.get(event_id)
        if event is None:
            reasons[pk] = "Event deleted."
        elif event.status != Event.Status.PUBLISHED:
            reasons[pk] = f"Event is {event.status}."
        elif now >= event.start:
            reasons[pk] = "Event has already started."
    return reasons


@register_kind
class GuestRegistrationRequest(MessageKind):
    """The link that confirms a guest's registration (events/services/guests.py): always
    sent (essential), its text for the mailbox alone (the link books a seat), and not sent
    for an event no longer published or already started."""

    key = "events.guest_request"
    template_prefix = "events/email/guest_request"
    secret = True

    def obsolete_reasons(self, rows) -> dict[int, str]:
        return upcoming_event_reasons(rows, _GUEST_REQUEST_KEY)


# A registration as a message about it reads it: its member, its event and what that shows.
REGISTRANT_READ = Registration.objects.select_related(
    "user", "event__kind", "event__space", "event__chapter"
)


class _RegistrantMessage(MessageKind):
    """A message to one registrant (member or guest) written as data: `payload` holds the
    registration id and what the message says that may change before it is sent (the status
    it was written about, a waitlist number, the time before a move). Rendered here just
    before sending, in the language the row was written in, with the event as it is then;
    a subclass adds its context and attachments."""

    def context(self, row, registration: Registration) -> dict:
        return {}

    def attachments(self, row, registration: Registration) -> list[dict]:
        return []

    def prefetch(self, rows) -> dict:
        """{registration id: the registration, with its member and event}: one query."""
        return REGISTRANT_READ.in_bulk({row.payload.get("registration") for row in rows})

    def render(self, row, batch: dict | None = None) -> tuple:
        from .services import absolute_url, guest_cancel_url, registration_language

        batch = batch if batch is not None else self.prefetch([row])
        wanted = row.payload.get("registration")
        # A copy: the status below is this row's, another row may name the same seat.
        registration = copy.copy(batch[wanted]) if wanted in batch else None
        if registration is None:
            raise LookupError("Registration deleted.")
        # The message tells the status the registrant had when it was written.
        registration.status = row.payload.get("status", registration.status)
        event = registration.event
        context = {
            "event": event,
            "registration": registration,
            "event_url": absolute_url(event.get_absolute_url()),
            "ics_url": absolute_url(reverse("events:ics", kwargs={"slug": event.slug})),
            "cancel_url": guest_cancel_url(registration),
            "my_events_url": absolute_url(reverse("events:mine")),
            "site_url": settings.SITE_URL,
            **self.context(row, registration),
        }
        language = row.language or registration_language(registration)
        message = message_render(
            template_prefix=self.template_prefix, context=context, language=language
        )
        return message, self.attachments(row, registration)


class _RegistrationKind(_RegistrantMessage):
    """A message to one registrant about their registration (always sent: essential) —
    unless it no longer says the truth when it goes out (the broker was down, the queue
    long): the registration must still have the status the message announces."""

    with_ics: bool = False
    status: str = Registration.Status.CONFIRMED  # what the message announces

    def obsolete_reasons(self, rows) -> dict[int, str]:
        """A confirmation for a seat cancelled since, a waitlist place promoted or given up
        since, anything about a registration deleted, an event cancelled or over (a message
        sent again from the delivery log), is not sent (the promotion's or the
        cancellation's own message tells what is true). One pass for the batch: two
        queries."""
        ids = {row.pk: row.payload.get("registration") for row in rows}
        registrations = _registrations_with_events(i for i in ids.values() if i)
        now = timezone.now()
        reasons = {}
        for pk, registration_id in ids.items():
            reg = registrations.get(registration_id)
            if reg is None:
                reasons[pk] = "Registration deleted."
            elif reg.event.status == Event.Status.CANCELLED:
                reasons[pk] = "Event is cancelled."
            elif reg.status != self.status:
                reasons[pk] = f"Registration is {reg.status} now."
            elif now >= reg.event.end:
                reasons[pk] = "Event is over."
        return reasons

    def context(self, row, registration: Registration) -> dict:
        return {"position": row.payload.get("position")}

    def attachments(self, row, registration: Registration) -> list[dict]:
        from .services import _ics_attachment

        return [_ics_attachment(registration.event)] if self.with_ics else []


@register_kind
class RegistrationConfirmed(_RegistrationKind):
    key = "events.registration_confirmed"
    template_prefix = "events/email/registration_confirmed"
    with_ics = True


@register_kind
class RegistrationWaitlisted(_RegistrationKind):
    key = "events.registration_waitlisted"
    template_prefix = "events/email/registration_waitlisted"
    status = Registration.Status.WAITLISTED


@register_kind
class RegistrationPromoted(_RegistrationKind):
    key = "events.registration_promoted"
    template_prefix = "events/email/registration_promoted"
    with_ics = True


@register_kind
class Reminder(MessageKind):
    """Before an event (24 h, 2 h…): written by the sweep, events/services/reminders.py."""

    key = "events.reminder"
    template_prefix = "events/email/reminder"
    preference = "reminder"
    preference_label = _("Reminders before events I registered for")

    def obsolete_reasons(self, rows) -> dict[int, str]:
        """Why each reminder row must not go out: its registration was deleted or cancelled,
        its event cancelled, moved (new version) or started, or a nearer reminder supersedes
        it."""
        parsed = {}
        for row in rows:
            match = _REMINDER_KEY.match(row.dedup_key)
            if match:
                parsed[row.pk] = {k: int(v) for k, v in match.groupdict().items()}
        # Each registration's status and event as plain values, each event read once: a
        # batch of 200 reminders of one event builds one Event, not 200 Registrations.
        registrations = {
            pk: (status, event_id)
            for pk, status, event_id in Registration.objects.filter(
                pk__in={p["reg"] for p in parsed.values()}
            ).values_list("pk", "status", "event_id")
        }
        events = Event.objects.select_related("kind").in_bulk(
            {event_id for _status, event_id in registrations.values()}
        )
        now = timezone.now()
        nearest = {pk: reminder_offset_due(event, now) for pk, event in events.items()}
        reasons = {}
        for pk, p in parsed.items():
            found = registrations.get(p["reg"])
            if found is None:
                reasons[pk] = "Registration deleted."
                continue
            status, event_id = found
            reason = _reminder_reason(status, events[event_id], p, now, nearest[event_id])
            if reason:
                reasons[pk] = reason
        return reasons


@register_kind
class EventChanged(_RegistrantMessage):
    """The time or place of an event a person registered for changed (essential)."""

    key = "events.event_changed"
    template_prefix = "events/email/event_changed"

    def obsolete_reasons(self, rows) -> dict[int, str]:
        """A "new time or place" email that is no longer true is not sent (late, or sent
        again from the delivery log): the event moved again since (the newer email tells
        the time it has now), was cancelled (its own email says so) or is over, or the
        registration was cancelled or deleted. (Unpublished for a while, it is still sent:
        the move was true.) Two queries for the batch."""
        parsed = {}
        for row in rows:
            match = _CHANGED_KEY.match(row.dedup_key)
            if match:
                parsed[row.pk] = (int(match["reg"]), int(match["version"]))
        registrations = _registrations_with_events(reg for reg, _version in parsed.values())
        now = timezone.now()
        reasons = {}
        for pk, (registration_id, version) in parsed.items():
            reg = registrations.get(registration_id)
            if reg is None:
                reasons[pk] = "Registration deleted."
            elif reg.status == Registration.Status.CANCELLED:
                reasons[pk] = "Registration is cancelled."
            elif reg.event.status == Event.Status.CANCELLED:
                reasons[pk] = "Event is cancelled."  # its own email says so
            elif reg.event.version != version:
                reasons[pk] = (
                    f"Event moved again (version {version} → {reg.event.version}): "
                    "the newer email tells the time it has now."
                )
            elif now >= reg.event.end:
                reasons[pk] = "Event is over."
        return reasons

    def context(self, row, registration: Registration) -> dict:
        return {
            "previous_start": datetime.fromisoformat(row.payload["previous_start"]),
            "previous_place": row.payload.get("previous_place", ""),
            "position": row.payload.get("position"),
        }

    def attachments(self, row, registration: Registration) -> list[dict]:
        """The updated .ics; tentative for a person on the waitlist."""
        from .services import _ics_attachment

        return [_ics_attachment(registration.event, registration=registration)]


@register_kind
class EventCancelled(_RegistrantMessage):
    """An event a person registered for is cancelled (essential)."""

    key = "events.event_cancelled"
    template_prefix = "events/email/event_cancelled"

    def prefetch(self, rows) -> dict:
        """The registrations (`_RegistrantMessage.prefetch`), a waitlisted one marked
        `sent_calendar_file` when an "event changed" email was sent to it: that one carried
        a (tentative) calendar file, the waitlist's own email none. One query more for the
        batch when it tells someone on the waitlist."""
        from .services import event_topic

        registrations = super().prefetch(rows)
        waiting = [
            registrations[wanted]
            for row in rows
            if row.payload.get("status") == Registration.Status.WAITLISTED
            and (wanted := row.payload.get("registration")) in registrations
        ]
        if not waiting:
            return registrations
        sent = Outbox.objects.filter(
            kind=EventChanged.key,
            status=Outbox.Status.SENT,
            topic__in={event_topic(registration.event) for registration in waiting},
        ).values_list("dedup_key", flat=True)
        told = {int(match["reg"]) for key in sent if (match := _CHANGED_KEY.match(key))}
        for registration in waiting:
            registration.sent_calendar_file = registration.pk in told
        return registrations

    @staticmethod
    def _with_file(registration: Registration) -> bool:
        """The cancelled event's .ics (STATUS:CANCELLED, a higher SEQUENCE) marks cancelled
        the copy the confirmation's file put in their calendar — or, on the waitlist, the
        tentative copy an "event changed" email's file put there (`prefetch`); the rest of
        the waitlist, whose emails carried no file, get none."""
        return registration.status != Registration.Status.WAITLISTED or getattr(
            registration, "sent_calendar_file", False
        )

    def context(self, row, registration: Registration) -> dict:
        # The text speaks of the attached file only when there is one.
        return {"calendar_file": self._with_file(registration)}

    def attachments(self, row, registration: Registration) -> list[dict]:
        from .services import _ics_attachment

        if not self._with_file(registration):
            return []
        return [_ics_attachment(registration.event, registration=registration)]


def _registrations_with_events(ids) -> dict[int, Registration]:
    """{id: registration} with each event read once (with its kind) and shared by its
    registrations: a batch of reminders of one event builds one Event, not one a row (two
    queries instead of one join repeating the event on every row)."""
    registrations = Registration.objects.in_bulk(list(ids))
    events = Event.objects.select_related("kind").in_bulk(
        {reg.event_id for reg in registrations.values()}
    )
    for reg in registrations.values():
        reg.event = events[reg.event_id]
    return registrations


def _reminder_reason(
    status: str, event: Event, parsed: dict, now: datetime, nearest: int | None
) -> str:
    """Why a reminder (its key `parsed`) for a registration of `status` at `event` must not
    go; `nearest`: the nearest reminder offset due now for the event."""
    if status != Registration.Status.CONFIRMED:
        return f"Registration is {status}."
    if event.status != Event.Status.PUBLISHED:
        return f"Event is {event.status}."
    if event.version != parsed["version"]:
        return (
            f"Event moved (version {parsed['version']} → {event.version}): "
            "the reminders of the new time replace this one."
        )
    if now >= event.start:
        return "Event has already started."
    if nearest is not None and nearest < parsed["offset"]:
        return f"Superseded by the {nearest}-minute reminder."
    return ""
