"""Answering for a collaboration: members confirm or decline their own participation, staff
verify the parties no member speaks for."""

from __future__ import annotations

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from betacowork.messaging import notify
from members.models import User
from members.rules import profile_visible_to

from ..messages import CollaborationAnswered
from ..models import Collaboration, CollaborationHistory, Participant
from .common import history_add, site_url, status_recompute
from .summary import summary_tracking


def _own_participant(*, participant: Participant, user: User) -> Participant:
    # Lock the collaboration first: two participants answering at the same moment are then
    # serialised, and the second one's status recompute sees the first one's answer.
    collab = Collaboration.objects.select_for_update().filter(pk=participant.collaboration_id)
    collab = collab.first()
    locked = Participant.objects.select_for_update().filter(pk=participant.pk).first()
    if collab is None or locked is None:
        # Withdrawn by its author (or this party removed) while the answer waited for the
        # lock: there is nothing left to answer.
        raise ValidationError(
            _("This collaboration no longer lists you as a party: there is nothing to answer."),
            code="gone",
        )
    locked.collaboration = collab
    if locked.user_id is None or locked.user_id != user.pk:
        raise PermissionDenied(_("You can only answer for yourself."))
    return locked


def can_decline(participant: Participant | None, user: User) -> bool:
    """`collaborations.decline_participation` (collaborations/rules.py), asked as `can_edit`
    asks its rule: the rule itself, not `user.has_perm()`, which grants every permission to
    an active superuser — a page would offer them a Withdraw button refused on sending."""
    return participant is not None and rules.has_perm(
        "collaborations.decline_participation", user, participant
    )


def _answer(
    participant: Participant,
    *,
    user: User,
    state: str,
    action: str,
    perm: str,
    refusal: ValidationError,
    revision: int | None = None,
) -> Participant:
    participant = _own_participant(participant=participant, user=user)
    collab = participant.collaboration
    if revision is not None and revision != collab.revision:
        # Checked under the lock: an edit committed after the page was drawn is seen here.
        raise ValidationError(
            _(
                "This collaboration changed since you opened it (its value, its participants "
                "or who can see it): check it again before you answer."
            ),
            code="stale",
        )
    if participant.state == state:
        return participant  # the same answer sent twice
    # The rule the page asks before it offers the button (collaborations/rules.py), asked
    # here under the lock: a button of a page opened before, or a hand-made request, is
    # refused and changes nothing.
    if not rules.has_perm(perm, user, participant):
        raise refusal
    withdrew = participant.state == Participant.State.CONFIRMED
    with summary_tracking([collab.pk]):
        participant.state = state
        participant.confirmed_at = timezone.now() if state == Participant.State.CONFIRMED else None
        participant.save(update_fields=["state", "confirmed_at"])
        history_add(
            collab,
            actor=user,
            action=action,
            changes={"participant": participant.name, "role": participant.role},
        )
        status_recompute(collab, actor=user)
    _author_tell(collab, participant=participant, withdrew=withdrew)
    return participant


def _author_tell(collab: Collaboration, *, participant: Participant, withdrew: bool) -> None:
    """The author hears of another party's answer (`CollaborationAnswered`), in their
    language, once per answer to a revision; the party named as the page names them to the
    author ("A member" for a profile they may not see). Not an author who answers
    themselves (asked again after another party's edit), nor one whose account was deleted."""
    author = collab.author if collab.author_id else None
    if author is None or author.pk == participant.user_id:
        return
    profile = getattr(participant.user, "profile", None)
    named = profile is not None and profile_visible_to(profile, author)
    notify(
        kind=CollaborationAnswered.key,
        recipient=author,
        context={
            "collaboration": collab,
            "recipient": author,
            "party_name": profile.display_name if named else capfirst(gettext_lazy("a member")),
            "confirmed": participant.state == Participant.State.CONFIRMED,
            "withdrew": withdrew,
            "status": collab.status,
            "url": site_url(collab.get_absolute_url()),
        },
        dedup_key=(
            f"collab-answer:{collab.pk}:{participant.pk}:{participant.state}:r{collab.revision}"
        ),
        topic=f"collaboration:{collab.pk}",
    )


@transaction.atomic
def participant_confirm(
    *, participant: Participant, user: User, revision: int | None = None
) -> Participant:
    """`user` confirms their own participation. Nobody confirms for someone else. With
    `revision` (the one the page showed them), a collaboration changed since then is not
    confirmed: a ValidationError asks them to look again. One who declined (or withdrew)
    does not confirm that version after all (`rules.may_confirm`): a ValidationError (code
    "declined") says so, and they are asked again only if it is edited."""
    return _answer(
        participant,
        user=user,
        state=Participant.State.CONFIRMED,
        action=CollaborationHistory.Action.CONFIRMED,
        perm="collaborations.confirm_participation",
        refusal=ValidationError(
            _(
                "You declined this collaboration, and that answer is final: it does not "
                "count. If its author edits it, you will be asked again."
            ),
            code="declined",
        ),
        revision=revision,
    )


@transaction.atomic
def participant_decline(*, participant: Participant, user: User) -> Participant:
    """`user` declines (or withdraws) their own participation: the collaboration does not
    count. The author does not withdraw the confirmation that logging it gave
    (`rules.may_decline`): a ValidationError (code "author") says to edit it instead."""
    return _answer(
        participant,
        user=user,
        state=Participant.State.DECLINED,
        action=CollaborationHistory.Action.DECLINED,
        perm="collaborations.decline_participation",
        refusal=ValidationError(
            _(
                "You logged this collaboration: you cannot withdraw from it. If something "
                "in it is wrong, edit it instead; the others are then asked again."
            ),
            code="author",
        ),
    )


@transaction.atomic
def collaboration_verify(
    *, collaboration: Collaboration, staff: User, approve: bool = True
) -> Collaboration:
    """Staff vouch for (or reject) the parties no member speaks for."""
    if not staff.has_perm("collaborations.verify_collaboration"):
        raise PermissionDenied(_("Only staff verify collaborations."))
    collab = Collaboration.objects.select_for_update().get(pk=collaboration.pk)
    # The parties no member speaks for; a former member's answer stays as they left it.
    parties = collab.participants.filter(user__isnull=True, former_member=False)
    todo = list(parties.exclude(state=Participant.State.CONFIRMED) if approve else parties)
    if not todo:
        return collab
    now = timezone.now()
    with summary_tracking([collab.pk]):
        for participant in todo:
            participant.state = (
                Participant.State.CONFIRMED if approve else Participant.State.DECLINED
            )
            participant.confirmed_at = now if approve else None
            participant.verified_by = staff
            participant.save(update_fields=["state", "confirmed_at", "verified_by"])
        history_add(
            collab,
            actor=staff,
            action=(
                CollaborationHistory.Action.VERIFIED
                if approve
                else CollaborationHistory.Action.REJECTED
            ),
            changes={"parties": [p.name for p in todo]},
        )
        status_recompute(collab, actor=staff)
    return collab


def participants_keep_for_deleted_user(*, user: User) -> int:
    """Before an account is deleted (an account deletion step, members/hooks.py): its
    participant rows become a former member's, with the name kept and the answer given (a
    confirmation stays a confirmation, a pending row stays pending). They are not handed to
    staff to verify, as a party without a member would be. The number of rows.

    A collaboration they had not answered yet can never be confirmed as it is (only
    confirmed collaborations count, and nobody answers for them): it stops waiting and is
    declined (`status_recompute`), with a history entry; its author can still remove them or
    name their company instead, which asks everybody again.

    Their collaborations are locked first, in pk order, as every ledger service locks a
    collaboration before its participants: an answer or an edit of one of them at the same
    moment is either committed before (and counted by the dashboard's tallies when the user
    row goes) or made after, on the former member's rows — never a deadlock between this
    deletion (participant rows, then the collaboration it authored) and an answer
    (collaboration, then participant row)."""
    mine = Participant.objects.filter(user_id=user.pk).values("collaboration_id")
    theirs = Collaboration.objects.filter(
        Q(pk__in=mine) | Q(author_id=user.pk) | Q(introduced_by_id=user.pk)
    )
    locked = list(theirs.select_for_update().order_by("pk").values_list("pk", flat=True))
    unanswered = list(
        Collaboration.objects.filter(
            pk__in=Participant.objects.filter(
                user_id=user.pk, state=Participant.State.PENDING
            ).values("collaboration_id"),
            status=Collaboration.Status.PROPOSED,
        ).order_by("pk")
    )
    # Their rows leave the dashboard's graph (`summary.contribution`): tracked, as every change.
    with summary_tracking(locked):
        count = Participant.objects.filter(user_id=user.pk).update(former_member=True)
        for collab in unanswered:
            status_recompute(collab, actor=None)
    return count
