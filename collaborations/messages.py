"""The kinds of message the collaboration ledger sends (betacowork/messaging)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from betacowork.messaging import MessageKind, register_kind


@register_kind
class CollaborationRequest(MessageKind):
    """Someone logged a collaboration with you: please confirm it (or decline)."""

    key = "collaborations.collaboration_request"
    template_prefix = "collaborations/email/confirmation_request"
    preference = "collaboration_request"
    preference_label = _("Requests to confirm a collaboration")


@register_kind
class EventFollowup(MessageKind):
    """After an event you attended: did you meet someone? Log what came of it."""

    key = "collaborations.event_followup"
    template_prefix = "collaborations/email/event_followup"
    preference = "event_followup"
    preference_label = _("Follow-ups after events I attended")
