"""The messages the organiser console sends (registered in the message-kind registry).

Imported by `EventsConfig.ready()`, so web, worker and beat all know the kind and its
delivery check.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from betacowork.messaging import MessageKind, member_context, register_kind
from betacowork.messaging.rendering import message_render

from ..messages import REGISTRANT_READ
from ..models import Registration

# organiser-note:<event id>:<nonce of the form>:<registration id>
NOTE_KEY = re.compile(r"^organiser-note:(?P<event>\d+):(?P<nonce>[0-9a-f]+):(?P<reg>\d+)$")


def organiser_note_key(*, event_id: int, nonce: str, registration_id: int) -> str:
    return f"organiser-note:{event_id}:{nonce}:{registration_id}"


@register_kind
class OrganiserNote(MessageKind):
    """A short message an organiser writes to the registrants of their event: written as
    data (`payload`: the registration, the subject and text, the writer's name and, when they
    wrote as its organiser, the chapter's), rendered by `render()` just before sending."""

    key = "events.organiser_note"
    template_prefix = "console/email/organiser_note"
    preference = "organiser_messages"
    preference_label = _("Messages from the organisers of events I registered for")

    def obsolete_reasons(self, rows: list) -> dict[int, str]:
        """A registration cancelled since the note was written: the note is not sent."""
        wanted = {}
        for row in rows:
            match = NOTE_KEY.match(row.dedup_key)
            if match:
                wanted[row.pk] = int(match["reg"])
        statuses = dict(
            Registration.objects.filter(pk__in=set(wanted.values())).values_list("pk", "status")
        )
        reasons = {}
        for row_pk, registration_pk in wanted.items():
            status = statuses.get(registration_pk)
            if status is None:
                reasons[row_pk] = "Registration deleted."
            elif status == Registration.Status.CANCELLED:
                reasons[row_pk] = "Registration cancelled since the message was written."
        return reasons

    def prefetch(self, rows) -> dict:
        """{registration id: the registration, with its member and event}: one query."""
        return REGISTRANT_READ.in_bulk({row.payload.get("registration") for row in rows})

    def render(self, row, batch: dict | None = None) -> tuple:
        """A member's note with their name and unsubscribe link; a guest's with the name they
        registered with and their cancel link while there is something to cancel. The event
        as it is when sent, in the language the row was written in."""
        from django.conf import settings

        from .. import services

        batch = batch if batch is not None else self.prefetch([row])
        registration = batch.get(row.payload.get("registration"))
        if registration is None:
            raise LookupError("Registration deleted.")
        event = registration.event
        payload = row.payload
        context = {
            "event": event,
            "registration": registration,
            "chapter": {"name": payload["chapter_name"]} if payload.get("chapter_name") else None,
            "subject": payload["subject"],
            "body": payload["body"],
            "sender_name": payload["sender_name"],
            "event_url": services.absolute_url(event.get_absolute_url()),
        }
        if registration.user_id:
            context.update(member_context(self, registration.user))
        else:
            context.update(
                name=registration.name,
                site_url=settings.SITE_URL,
                # Cancelled or started, the guest's cancel page could only say so.
                cancel_url=(
                    ""
                    if event.is_cancelled or event.has_started()
                    else services.guest_cancel_url(registration)
                ),
            )
        message = message_render(
            template_prefix=self.template_prefix, context=context, language=row.language
        )
        return message, []
