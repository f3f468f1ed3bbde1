"""The kinds of message the events app sends about registrations (betacowork/messaging).

The three registration kinds are written as data under the event lock — `payload` holds
the registration id (and the waitlist position) — and rendered here by the sender just
before sending, in the language the registrant registered in.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from betacowork.messaging import MessageKind, register_kind

from .models import Event, Registration


def upcoming_event_reasons(rows, key_pattern) -> dict[int, str]:
    """The delivery check of a message about an upcoming event (an announcement, an
    invitation): the row's dedup key names the event (`key_pattern`, a regex with an
    `event` group); a message about an event deleted, no longer published or already
    started is not sent. One query for the batch."""
    from django.utils import timezone

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


class _RegistrationKind(MessageKind):
    """A message to one registrant about their registration (always sent: essential)."""

    with_ics: bool = False

    def render(self, row) -> tuple:
        from members.outbox import message_render

        from .services import (
            _ics_attachment,
            absolute_url,
            guest_cancel_url,
            registration_language,
        )

        registration = (
            Registration.objects.select_related("event__kind", "event__space", "event__chapter")
            .filter(pk=row.payload.get("registration"))
            .first()
        )
        if registration is None:
            raise LookupError("Registration deleted.")
        event = registration.event
        context = {
            "event": event,
            "registration": registration,
            "position": row.payload.get("position"),
            "event_url": absolute_url(event.get_absolute_url()),
            "ics_url": absolute_url(reverse("events:ics", kwargs={"slug": event.slug})),
            "cancel_url": guest_cancel_url(registration),
            "my_events_url": absolute_url(reverse("events:mine")),
            "site_url": settings.SITE_URL,
        }
        language = row.language or registration_language(registration)
        message = message_render(
            template_prefix=self.template_prefix, context=context, language=language
        )
        return message, [_ics_attachment(event)] if self.with_ics else []


@register_kind
class RegistrationConfirmed(_RegistrationKind):
    key = "registration-confirmed"
    template_prefix = "events/email/registration_confirmed"
    with_ics = True


@register_kind
class RegistrationWaitlisted(_RegistrationKind):
    key = "registration-waitlisted"
    template_prefix = "events/email/registration_waitlisted"


@register_kind
class RegistrationPromoted(_RegistrationKind):
    key = "registration-promoted"
    template_prefix = "events/email/registration_promoted"
    with_ics = True


@register_kind
class Reminder(MessageKind):
    """Before an event (24 h, 2 h…): written by the sweep in events/reminders.py."""

    key = "reminder"
    template_prefix = "events/email/reminder"
    preference = "reminder"
    preference_label = _("Reminders before events I registered for")

    def obsolete_reasons(self, rows) -> dict[int, str]:
        from .reminders import reminder_rows_check

        return reminder_rows_check(rows)


@register_kind
class ChapterAnnouncement(MessageKind):
    """A new event in a chapter the member follows: written when the event is published."""

    key = "chapter_announcement"
    template_prefix = "events/email/chapter_announcement"
    preference = "chapter_announcement"
    preference_label = _("New events in the chapters I follow")

    def obsolete_reasons(self, rows) -> dict[int, str]:
        from .reminders import chapter_announcement_rows_check

        return chapter_announcement_rows_check(rows)


@register_kind
class EventChanged(MessageKind):
    """The time or place of an event a person registered for changed (essential)."""

    key = "event-changed"
    template_prefix = "events/email/event_changed"


@register_kind
class EventCancelled(MessageKind):
    """An event a person registered for is cancelled (essential)."""

    key = "event-cancelled"
    template_prefix = "events/email/event_cancelled"
