"""Logging a collaboration, editing it, and its author withdrawing it."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

import rules
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import Company, Space, User

from ..models import Collaboration, CollaborationHistory, Participant
from .common import (
    TRACKED_FIELDS,
    as_json,
    asks_everybody,
    dashboard_invalidate,
    history_add,
    participant_rows,
    participants_snapshot,
    place_of,
    request_confirmations,
    status_recompute,
)
from .summary import summary_tracking
from .validation import (
    ParticipantSpec,
    validate_fields,
    validate_origin,
    validate_participants,
)

logger = logging.getLogger(__name__)


@transaction.atomic
def collaboration_create(
    *,
    author: User,
    title: str,
    kind: str,
    start_date: dt.date,
    author_role: str,
    participants: list[ParticipantSpec],
    description: str = "",
    value_eur: Decimal | None = None,
    origin_type: str = Collaboration.Origin.SPACE,
    origin_event=None,
    introduced_by: User | None = None,
    space: Space | None = None,
    visibility: str = Collaboration.Visibility.MEMBERS,
    author_company: Company | None = None,
) -> Collaboration:
    """Log a collaboration the author takes part in; the other parties are asked to confirm."""
    if any(spec.participant_id is not None for spec in participants):
        raise ValueError("A new collaboration has no participants to keep.")
    validate_fields(value_eur=value_eur, start_date=start_date)
    validate_participants(actor=author, specs=participants)
    validate_origin(
        actor=author,
        origin_type=origin_type,
        origin_event=origin_event,
        introduced_by=introduced_by,
    )
    place_space, chapter = place_of(origin_event=origin_event, space=space, author=author)
    collab = Collaboration(
        title=title.strip(),
        kind=kind,
        description=description.strip(),
        start_date=start_date,
        value_eur=value_eur,
        origin_type=origin_type,
        origin_event=origin_event if origin_type == Collaboration.Origin.EVENT else None,
        introduced_by=introduced_by if origin_type == Collaboration.Origin.INTRODUCTION else None,
        space=place_space,
        chapter=chapter,
        visibility=visibility,
        author=author,
        author_name=(author.name or author.email)[:150],
    )
    collab.full_clean()
    collab.save()
    with summary_tracking([collab.pk]):
        own = ParticipantSpec(role=author_role, user=author, company=author_company)
        rows = participant_rows(collab, [own, *participants])
        rows[0].state = Participant.State.CONFIRMED
        rows[0].confirmed_at = timezone.now()
        Participant.objects.bulk_create(rows)
        history_add(
            collab,
            actor=author,
            action=CollaborationHistory.Action.CREATED,
            changes={
                **{f: [None, as_json(getattr(collab, f))] for f in TRACKED_FIELDS},
                "participants": [None, participants_snapshot(collab)],
            },
        )
        request_confirmations(collab)
        status_recompute(collab, actor=author)
    return collab


def edit_asked_again(collab: Collaboration) -> str:
    """Whom the edit that made `collab`'s current revision asked to confirm again, as the
    editor is told: "everybody" (the others), "declined" (those who declined it, the others'
    answers standing), or "" when that revision is not an edit's (logged, nobody asked)."""
    entry = (
        collab.history.filter(revision=collab.revision, action=CollaborationHistory.Action.REOPENED)
        .order_by("-pk")
        .first()
    )
    if entry is None:
        return ""
    return "everybody" if asks_everybody(entry.changes) else "declined"


def can_edit(collab: Collaboration, user: User) -> bool:
    """`collaborations.change_collaboration` (collaborations/rules.py), the one way it is
    asked: the rule itself, not `user.has_perm()`, which grants every permission to an active
    superuser, who is no party to the collaboration and could then not save it."""
    return rules.has_perm("collaborations.change_collaboration", user, collab)


def can_moderate(user: User) -> bool:
    """`collaborations.moderate_collaboration` (collaborations/rules.py): staff correct any
    collaboration's fields (the admin), as no party to it."""
    return rules.has_perm("collaborations.moderate_collaboration", user)


def can_withdraw(collab: Collaboration, user: User) -> bool:
    """`collaborations.withdraw_collaboration` (collaborations/rules.py), asked as `can_edit`
    asks its rule."""
    return rules.has_perm("collaborations.withdraw_collaboration", user, collab)


@transaction.atomic
def collaboration_withdraw(*, collaboration: Collaboration, actor: User) -> None:
    """The author takes back a collaboration logged by mistake, before any other party
    confirmed it (`rules.may_withdraw_collaboration`): it is deleted with its parties and its
    history, so it leaves everyone's pending requests, and the requests not sent yet are not
    sent (their delivery check: the participant is gone). It never counted: no figure moves.

    Asked again under the lock: one confirmed since the page was drawn is refused with a
    ValidationError (code "confirmed") and kept; one withdrawn already is left so (a double
    click). Anyone but its author: PermissionDenied."""
    collab = Collaboration.objects.select_for_update().filter(pk=collaboration.pk).first()
    if collab is None:
        return
    if collab.author_id is None or collab.author_id != actor.pk:
        raise PermissionDenied(_("Only its author can withdraw a collaboration."))
    if not can_withdraw(collab, actor):
        raise ValidationError(
            _(
                "Another party confirmed this collaboration: it can no longer be withdrawn. "
                "If something in it is wrong, edit it instead; the others are then asked again."
            ),
            code="confirmed",
        )
    logger.info("Collaboration %s withdrawn by its author (user %s).", collab.pk, actor.pk)
    with summary_tracking([collab.pk]):
        collab.delete()


def _fields_apply(collab: Collaboration, *, actor: User, fields: dict) -> dict:
    """Set and validate the edited fields; the {field: [before, after]} of what changed."""
    unknown = set(fields) - {f.removesuffix("_id") for f in TRACKED_FIELDS}
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    before = {f: getattr(collab, f) for f in TRACKED_FIELDS}
    for name, value in fields.items():
        setattr(collab, name, value)
    if collab.origin_type != Collaboration.Origin.EVENT:
        collab.origin_event = None
    if collab.origin_type != Collaboration.Origin.INTRODUCTION:
        collab.introduced_by = None
    validate_fields(value_eur=collab.value_eur, start_date=collab.start_date)
    # An origin left as it is stays valid without its event or introducer (deleted since,
    # SET_NULL); one the editor changes, or names anew, is checked as when logging.
    if any(
        getattr(collab, f) != before[f]
        for f in ("origin_type", "origin_event_id", "introduced_by_id")
    ):
        validate_origin(
            actor=actor,
            origin_type=collab.origin_type,
            origin_event=collab.origin_event,
            introduced_by=collab.introduced_by,
        )
    if collab.origin_event_id != before["origin_event_id"] or collab.space_id != before["space_id"]:
        # The place follows the event or the space as when logging (the chapter with them,
        # the tallies "by place" with it); an event left behind takes its place away too.
        collab.space, collab.chapter = place_of(
            origin_event=collab.origin_event, space=collab.space, author=None
        )
    collab.full_clean()
    return {
        f: [as_json(before[f]), as_json(getattr(collab, f))]
        for f in TRACKED_FIELDS
        if before[f] != getattr(collab, f)
    }


def participants_removed(participants, *, actor: User, specs: list[ParticipantSpec]) -> list:
    """The rows of `participants` that an edit by `actor` naming the other parties `specs`
    removes: those no spec keeps (its `participant_id`) nor names again (who they are). The
    editor's own row is never among them."""
    kept = {spec.participant_id for spec in specs if spec.participant_id is not None}
    named = {spec.key for spec in specs if spec.participant_id is None}
    return [
        p
        for p in participants
        if p.user_id != actor.pk and p.pk not in kept and p.party_key not in named
    ]


def removals_refused(participants, *, actor: User, specs: list[ParticipantSpec]) -> list:
    """Those of `participants_removed` that `actor` may not remove
    (`collaborations.remove_participant`, collaborations/rules.py): the form marks their rows,
    the service refuses the edit."""
    return [
        p
        for p in participants_removed(participants, actor=actor, specs=specs)
        if not rules.has_perm("collaborations.remove_participant", actor, p)
    ]


def _participants_apply(
    collab: Collaboration, *, actor: User, specs: list[ParticipantSpec], actor_role: str | None
) -> list | None:
    """Add, remove and re-role parties; [before, after] snapshots when anything changed.

    A spec with a `participant_id` keeps that row as it is (only its role may change); the
    other rows are matched by who they are, and those no spec names are removed — never a
    member who confirmed it (`collaborations.remove_participant`).
    """
    existing = list(collab.participants.all())
    own = next((p for p in existing if p.user_id == actor.pk), None)
    others = [p for p in existing if p.user_id != actor.pk]
    if own is None:
        # Nobody ever adds themselves by editing; `may_edit` asks the same, so no page offers
        # the form to someone outside it.
        raise PermissionDenied(_("You are not a participant of this collaboration."))
    validate_participants(actor=actor, specs=specs, kept={p.party_key for p in others})
    by_pk = {p.pk: p for p in others}
    kept = {spec.participant_id: spec for spec in specs if spec.participant_id is not None}
    if not kept.keys() <= by_pk.keys():
        raise ValidationError(
            _("A participant of this form has left the collaboration meanwhile: reload the page."),
            code="participant_gone",
        )
    new = {spec.key: spec for spec in specs if spec.participant_id is None}
    for pk in kept:
        if by_pk[pk].party_key in new:
            name = new[by_pk[pk].party_key].name
            raise ValidationError(_("%(name)s appears twice.") % {"name": name}, code="duplicate")
    if removals_refused(others, actor=actor, specs=specs):
        # The form marks the row (`BaseParticipantFormSet`); asked again here, under the lock:
        # they may have confirmed since the form was checked.
        raise ValidationError(
            _("An edit cannot remove a member who confirmed this collaboration: keep their row."),
            code="party_kept",
        )
    old = {p.party_key: p for p in others if p.pk not in kept}
    removed = participants_removed(others, actor=actor, specs=specs)
    added = [spec for key, spec in new.items() if key not in old]
    role_changed = [
        (old[key], spec) for key, spec in new.items() if key in old and old[key].role != spec.role
    ] + [(by_pk[pk], spec) for pk, spec in kept.items() if by_pk[pk].role != spec.role]
    own_role_changed = actor_role is not None and actor_role != own.role
    if not (removed or added or role_changed or own_role_changed):
        return None
    before_snapshot = participants_snapshot(collab)
    Participant.objects.filter(pk__in=[p.pk for p in removed]).delete()
    for participant, spec in role_changed:
        participant.role = spec.role
        participant.save(update_fields=["role"])
    if own_role_changed:
        own.role = actor_role
        own.save(update_fields=["role"])
    Participant.objects.bulk_create(participant_rows(collab, added))
    return [before_snapshot, participants_snapshot(collab)]


def _decliners_asked_again(collab: Collaboration) -> bool:
    """Whether an edit of `collab` (declined, before the edit) asks those who declined it
    again, whatever it changed: a decline is final for the version it answered
    (`rules.may_confirm`), and the author's edit is the next version. Not when a former member
    left it unanswered or declined it: nobody may answer for them, so asking the others would
    not make it count (removing them, or naming their company, asks everybody again)."""
    if collab.status != Collaboration.Status.DECLINED:
        return False
    rows = collab.participants.values_list("state", "former_member")
    return not any(former and state != Participant.State.CONFIRMED for state, former in rows)


def _reopen(collab: Collaboration, *, actor: User, declined_only: bool = False) -> None:
    """Everybody but the editor confirms the new version again (staff re-verify parties
    without a member) — with `declined_only`, those who declined it (or staff rejected), the
    others' answers standing; the editor's own confirmation is this edit. A former member
    cannot be asked: their row stays as they left it."""
    others = collab.participants.exclude(user_id=actor.pk).exclude(former_member=True)
    if declined_only:
        others = others.filter(state=Participant.State.DECLINED)
    others.update(state=Participant.State.PENDING, confirmed_at=None, verified_by=None)
    collab.participants.filter(user_id=actor.pk).update(
        state=Participant.State.CONFIRMED, confirmed_at=timezone.now()
    )


def stale_edit_error() -> ValidationError:
    """An edit from a form opened before the collaboration was saved again (`seen`)."""
    return ValidationError(
        _(
            "This collaboration was changed since this form was opened (by another "
            "participant, an answer, or an earlier save). Check its page; saving this "
            "form again keeps your version."
        ),
        code="edited",
    )


@transaction.atomic
def collaboration_update(
    *,
    collaboration: Collaboration,
    actor: User,
    participants: list[ParticipantSpec] | None = None,
    actor_role: str | None = None,
    seen: dt.datetime | None = None,
    **fields,
) -> Collaboration:
    """Edit a collaboration. A change of value or participants, or showing it to more people
    (participants only → members → public), asks the others to confirm again: until they do,
    it is shown to its parties only. Showing it to fewer people asks nobody. Any change of a
    declined collaboration (its author's: `rules.may_edit`) asks again those who declined it
    (`_decliners_asked_again`).

    Staff (`can_moderate`) edit any collaboration's fields as no party to it: what asks the
    others again asks every party, its author too; they change no participant.

    `seen`, the version (`updated_at`) the editor's form showed: if the collaboration was
    saved since (another participant's edit, a confirmation) and this edit would change it,
    nothing is changed and a ValidationError (code "edited") says so — saving a form opened
    before would undo the other change. The same form sent twice changes nothing the second
    time, and is no conflict."""
    collab = Collaboration.objects.select_for_update().get(pk=collaboration.pk)
    if not (can_edit(collab, actor) or can_moderate(actor)):
        raise PermissionDenied(_("You cannot edit this collaboration."))
    # A declined one is offered again by its author's edit (`rules.may_edit`), not by staff's
    # correction: staff ask again only what asks every party (`asks_everybody`).
    ask_decliners = can_edit(collab, actor) and _decliners_asked_again(collab)
    with summary_tracking([collab.pk]):
        changes = _fields_apply(collab, actor=actor, fields=fields)
        snapshots = None
        if participants is not None:
            snapshots = _participants_apply(
                collab, actor=actor, specs=participants, actor_role=actor_role
            )
            if snapshots is not None:
                changes["participants"] = snapshots
        if not changes:
            return collab  # the same form sent twice (a double click) changes nothing
        if seen is not None and seen != collab.updated_at:
            # Raised inside the transaction: what was applied above is rolled back.
            raise ValidationError({NON_FIELD_ERRORS: stale_edit_error()})
        everybody = asks_everybody(changes)
        reopen = everybody or ask_decliners
        if reopen:
            collab.revision += 1
        collab.save()
        if reopen:
            _reopen(collab, actor=actor, declined_only=not everybody)
        history_add(
            collab,
            actor=actor,
            action=(
                CollaborationHistory.Action.REOPENED
                if reopen
                else CollaborationHistory.Action.UPDATED
            ),
            changes=changes,
        )
        if reopen:
            request_confirmations(collab, editor=actor)
        elif collab.status == Collaboration.Status.CONFIRMED:
            dashboard_invalidate()  # kind, year or visibility may have changed
        status_recompute(collab, actor=actor)
    return collab
