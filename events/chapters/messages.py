"""The chapters' kinds of message (imported by `EventsConfig.ready()`)."""

from __future__ import annotations

import re

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from betacowork.messaging import MessageKind, register_kind

from ..models import Event

_INVITE_KEY = re.compile(r"^chapter-invite:(?P<event>\d+):(?P<user>\d+)$")


def invitation_key(*, event_id: int, user_id: int) -> str:
    """One invitation per event and person, whoever clicks and however often."""
    return f"chapter-invite:{event_id}:{user_id}"


@register_kind
class ChapterInvitation(MessageKind):
    """ "Come to our next event": sent by a chapter's organisers to the members of its region
    who work in another space (`events.chapters.services.chapter_diaspora_invite`)."""

    key = "events.chapter_invitation"
    template_prefix = "chapters/email/invitation"
    preference = "regional_invitations"
    preference_label = _("Invitations to events in my region")

    def obsolete_reasons(self, rows: list) -> dict[int, str]:
        """An invitation to an event that was cancelled, deleted or has started is not sent."""
        event_ids = {}
        for row in rows:
            match = _INVITE_KEY.match(row.dedup_key)
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
