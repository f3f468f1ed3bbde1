"""The kinds of message the events app sends about registrations (betacowork/messaging).

The three registration kinds are written as data under the event lock — `payload` holds
the registration id (and the waitlist position) — and rendered here by the sender just
before sending, in the language the registrant registered in.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from betacowork.messaging import MessageKind, register_kind

from .models import Registration


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
