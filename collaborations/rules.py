"""Who may see, edit, confirm and verify collaborations (see members/rules.py first).

Visibility has a list form, `collaboration_visibility_q()`, which
`CollaborationQuerySet.visible_to()` filters with; `collaboration_visible` is the same
rule for one collaboration whose participants are loaded.
"""

from __future__ import annotations

import rules
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, Value

from members.rules import is_member, is_staff

from .models import Collaboration, CollaborationHistory, Participant

SHOWN = [Collaboration.Visibility.PUBLIC, Collaboration.Visibility.MEMBERS]


def collaboration_visibility_q(user) -> Q | None:
    """What `user` may open: confirmed ones by visibility, plus their own in any status;
    None means every one (staff)."""
    if user is None or not user.is_authenticated:
        return Q(status=Collaboration.Status.CONFIRMED, visibility=Collaboration.Visibility.PUBLIC)
    if is_staff(user):
        return None
    mine = Q(author_id=user.pk) | Q(
        pk__in=Participant.objects.filter(user_id=user.pk).values("collaboration_id")
    )
    return Q(status=Collaboration.Status.CONFIRMED, visibility__in=SHOWN) | mine


@rules.predicate
def is_party(user, collab) -> bool:
    """The author, or a member taking part (reads the participants: prefetch them)."""
    if collab is None or not user.is_authenticated:
        return False
    if collab.author_id == user.pk:
        return True
    return any(p.user_id == user.pk for p in collab.participants.all())


def view_history_sql(user):
    """`collaborations.view_history` (staff and the parties) as a boolean expression on
    participant rows — "may `user` read this row's collaboration's history?" — for a
    prefetch that annotates it (`selectors.participants_prefetch`)."""
    if user is None or not user.is_authenticated:
        return Value(False)
    if is_staff(user):
        return Value(True)
    collab = OuterRef("collaboration_id")
    return ExpressionWrapper(
        Q(Exists(Collaboration.objects.filter(pk=collab, author_id=user.pk)))
        | Q(Exists(Participant.objects.filter(collaboration_id=collab, user_id=user.pk))),
        output_field=BooleanField(),
    )


@rules.predicate
def collaboration_visible(user, collab) -> bool:
    if collab is None:
        return False
    if is_staff(user) or is_party(user, collab):
        return True
    if collab.status != Collaboration.Status.CONFIRMED:
        return False
    if user.is_authenticated:
        return collab.visibility in SHOWN
    return collab.visibility == Collaboration.Visibility.PUBLIC


@rules.predicate
def may_edit(user, collab) -> bool:
    """The author until it is confirmed; once confirmed, its member participants. Either way
    only a member still in it: an edit keeps the editor's own part and adds nobody
    (`services.ledger._participants_apply`), so an author no longer in it would be offered a
    form its saving refuses."""
    if collab is None or not user.is_authenticated:
        return False
    if collab.status != Collaboration.Status.CONFIRMED and collab.author_id != user.pk:
        return False
    return collab.participants.filter(user_id=user.pk).exists()


@rules.predicate
def may_withdraw_collaboration(user, collab) -> bool:
    """The author withdraws (deletes) a collaboration they logged while no other party has
    confirmed it, now or before: logged by mistake, it leaves everyone's pending lists. Once
    another party confirmed a version of it (a member, or staff verifying a party), it is
    part of the ledger: it is edited, never withdrawn. Reads the participants (prefetch
    them) and, for the confirmations given before, the history."""
    if collab is None or not user.is_authenticated or collab.author_id != user.pk:
        return False
    if collab.status == Collaboration.Status.CONFIRMED:
        return False
    if any(
        p.state == Participant.State.CONFIRMED and p.user_id != user.pk
        for p in collab.participants.all()
    ):
        return False
    answers = (CollaborationHistory.Action.CONFIRMED, CollaborationHistory.Action.VERIFIED)
    return not collab.history.filter(action__in=answers).exclude(actor_id=user.pk).exists()


@rules.predicate
def may_remove(user, participant) -> bool:
    """Whether an edit by `user` may take `participant` off the collaboration: not a member
    who confirmed it. They agreed to it with themselves in it, and someone else's edit would
    not tell them — a participant editing a confirmed collaboration could remove its author,
    left with an Edit link for a form that then refused them. Which leaves the author, who
    alone edits it until it is confirmed: a member who has not answered (a wrong pick; their
    answer from a page opened before says they are no longer a party) or who declined, and
    the parties no member speaks for (a company, an outside organisation, a former member)."""
    if participant.user_id is None or participant.former_member:
        return True
    return participant.user_id != user.pk and participant.state != Participant.State.CONFIRMED


def _own_row(user, participant) -> bool:
    return (
        participant is not None
        and user.is_authenticated
        and participant.user_id is not None
        and participant.user_id == user.pk
    )


@rules.predicate
def may_confirm(user, participant) -> bool:
    """A member confirms their own participation, unless they declined it: a decline (or a
    withdrawal) is final for the version they were asked about. Otherwise the Confirm button
    of a page opened before would make it count again without the others being asked. An edit
    that asks the parties again (`services.ledger._reopen`) makes their row pending again:
    they then answer the new version."""
    return _own_row(user, participant) and participant.state != Participant.State.DECLINED


@rules.predicate
def may_decline(user, participant) -> bool:
    """A member declines their own participation while they have not: one asked declines,
    one who confirmed withdraws. Not the author of a collaboration they confirmed: logging it
    was their confirmation, and they edit it instead (`may_edit`), which asks the others
    again — so their page offers them no Withdraw button. Asked again after another party's
    edit (their row pending), the author declines the new version as anyone does."""
    if not _own_row(user, participant) or participant.state == Participant.State.DECLINED:
        return False
    if participant.state == Participant.State.CONFIRMED:
        return participant.collaboration.author_id != user.pk
    return True


rules.add_perm("collaborations.view_collaboration", collaboration_visible)
rules.add_perm("collaborations.view_history", is_staff | is_party)
rules.add_perm("collaborations.log_collaboration", is_member)
rules.add_perm("collaborations.change_collaboration", may_edit)
# Staff correcting any collaboration in the admin: no party, they change no participant, and
# what the parties must agree to is asked of them all again (`services.ledger.can_moderate`).
rules.add_perm("collaborations.moderate_collaboration", is_staff)
# The author taking back what they logged by mistake (deleting it, not the admin's delete).
rules.add_perm("collaborations.withdraw_collaboration", may_withdraw_collaboration)
# An edit removing a party (the object is the participant row).
rules.add_perm("collaborations.remove_participant", may_remove)
# Answering for one's own participation (the object is the participant row).
rules.add_perm("collaborations.confirm_participation", may_confirm)
rules.add_perm("collaborations.decline_participation", may_decline)
# Staff vouch for the parties no member speaks for, and see the staff queue.
rules.add_perm("collaborations.verify_collaboration", is_staff)
