"""The kinds of message the collaboration ledger sends (betacowork/messaging)."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from betacowork.messaging import MessageKind, register_kind
from events.services.common import verified_addresses

from .models import Collaboration, Participant


def unverified_reasons(rows: list) -> dict[int, str]:
    """Optional messages go only to verified member addresses, like reminders and chapter
    announcements: {row id: reason} for the rows whose address is not verified. One query."""
    verified = verified_addresses({row.recipient_id for row in rows if row.recipient_id})
    return {
        row.pk: "Recipient address is not verified."
        for row in rows
        if row.recipient_id and (row.recipient_id, row.to_email.lower()) not in verified
    }


# collab-request:<collaboration id>:<participant id>:r<revision> (services/common.py)
_REQUEST_KEY = re.compile(r"^collab-request:\d+:(?P<participant>\d+):r(?P<revision>\d+)$")


@register_kind
class CollaborationRequest(MessageKind):
    """Someone logged a collaboration with you: please confirm it (or decline)."""

    key = "collaborations.collaboration_request"
    template_prefix = "collaborations/email/confirmation_request"
    preference = "collaboration_request"
    preference_label = _("Requests to confirm a collaboration")

    def obsolete_reasons(self, rows: list) -> dict[int, str]:
        """A request that asks for nothing any more is not sent (late, or sent again from
        the delivery log): the participant answered already, or was removed, or the
        collaboration was declined, deleted or changed since (a newer request asks again);
        nor one to an address that is not verified. Two queries for the batch."""
        parsed = {}
        for row in rows:
            match = _REQUEST_KEY.match(row.dedup_key)
            if match:
                parsed[row.pk] = (int(match["participant"]), int(match["revision"]))
        participants = Participant.objects.select_related("collaboration").in_bulk(
            {participant for participant, _revision in parsed.values()}
        )
        recipients = {row.pk: row.recipient_id for row in rows}
        reasons = unverified_reasons(rows)
        for pk, (participant_id, revision) in parsed.items():
            participant = participants.get(participant_id)
            if pk in reasons:
                continue
            if participant is None:
                reasons[pk] = "Participant removed or collaboration deleted."
            elif participant.user_id != recipients[pk]:
                reasons[pk] = "The participant is someone else now."
            elif participant.state != Participant.State.PENDING:
                reasons[pk] = f"Already answered: {participant.state}."
            elif participant.collaboration.status == Collaboration.Status.DECLINED:
                # Another party declined, or left before answering: nothing to confirm.
                reasons[pk] = "Collaboration declined meanwhile."
            elif participant.collaboration.revision != revision:
                reasons[pk] = (
                    f"Collaboration changed since (revision {revision} → "
                    f"{participant.collaboration.revision}): a newer request asks again."
                )
        return reasons


@register_kind
class CollaborationChanged(CollaborationRequest):
    """Someone changed a collaboration you are part of (or added you to it): please check it
    and confirm it again. Not the first request's words — the editor is named, not the
    author, who may be the reader. The same preference, and the same delivery check: the
    de-duplication key names the participant and the revision, as the first request's."""

    key = "collaborations.collaboration_changed"
    template_prefix = "collaborations/email/confirmation_again"


# collab-answer:<collaboration id>:<participant id>:<answer>:r<revision> (confirmations.py)
_ANSWER_KEY = re.compile(r"^collab-answer:(?P<collaboration>\d+):\d+:")


@register_kind
class CollaborationAnswered(MessageKind):
    """Another party confirmed or declined a collaboration you logged, or withdrew their
    confirmation: its author hears of each answer once (the de-duplication key names the
    participant, the answer and the revision)."""

    key = "collaborations.collaboration_answered"
    template_prefix = "collaborations/email/collaboration_answered"
    preference = "collaboration_answer"
    preference_label = _("Answers to the collaborations I logged")

    def obsolete_reasons(self, rows: list) -> dict[int, str]:
        """Not sent to an address that is not verified, nor about a collaboration deleted
        since (its author withdrew it, or staff deleted it: its link would be a 404). One or
        two queries for the batch."""
        reasons = unverified_reasons(rows)
        about = {}
        for row in rows:
            match = _ANSWER_KEY.match(row.dedup_key or "")
            if match and row.pk not in reasons:
                about[row.pk] = int(match["collaboration"])
        there = set(
            Collaboration.objects.filter(pk__in=set(about.values())).values_list("pk", flat=True)
        )
        for pk, collab_id in about.items():
            if collab_id not in there:
                reasons[pk] = "Collaboration deleted."
        return reasons


_FOLLOWUP_KEY = re.compile(r"^event-followup:(?P<event>\d+):\d+$")


@register_kind
class EventFollowup(MessageKind):
    """After an event you attended: did you meet someone? Log what came of it."""

    key = "collaborations.event_followup"
    template_prefix = "collaborations/email/event_followup"
    preference = "event_followup"
    preference_label = _("Follow-ups after events I attended")

    def obsolete_reasons(self, rows: list) -> dict[int, str]:
        """A follow-up to an address that is not verified is not sent, nor one about an event
        deleted since (staff removed it: its link would be a 404)."""
        from events.models import Event

        reasons = unverified_reasons(rows)
        about = {}
        for row in rows:
            match = _FOLLOWUP_KEY.match(row.dedup_key or "")
            if match and row.pk not in reasons:
                about[row.pk] = int(match["event"])
        there = set(Event.objects.filter(pk__in=set(about.values())).values_list("pk", flat=True))
        for pk, event_id in about.items():
            if event_id not in there:
                reasons[pk] = "Event deleted."
        return reasons
