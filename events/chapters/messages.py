"""The chapters' kinds of message (imported by `EventsConfig.ready()`)."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from betacowork.messaging import MessageKind, register_kind

from ..messages import upcoming_event_reasons

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
        return upcoming_event_reasons(rows, _INVITE_KEY)
