"""The messages the organiser console sends (registered in the message-kind registry).

Imported by `EventsConfig.ready()`, so web, worker and beat all know the kind and its
delivery check.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from betacowork.messaging import MessageKind, register_kind

from ..models import Registration

# organiser-note:<event id>:<nonce of the form>:<registration id>
NOTE_KEY = re.compile(r"^organiser-note:(?P<event>\d+):(?P<nonce>[0-9a-f]+):(?P<reg>\d+)$")


def organiser_note_key(*, event_id: int, nonce: str, registration_id: int) -> str:
    return f"organiser-note:{event_id}:{nonce}:{registration_id}"


@register_kind
class OrganiserNote(MessageKind):
    """A short message an organiser writes to the registrants of their event."""

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
