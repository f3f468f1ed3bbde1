"""Writes of the collaboration ledger. Every state change records a history entry and writes
the emails it causes to the outbox in the same transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from betacowork.messaging import notify
from members.models import Chapter, Company, Space, User
from members.notifications import wants_email

from .messages import CollaborationRequest, EventFollowup
from .models import MAX_VALUE_EUR, Collaboration, CollaborationHistory, Participant

MAX_PARTICIPANTS = 20
MAX_DAYS_AHEAD = 365
EARLIEST_START = dt.date(2000, 1, 1)
DASHBOARD_VERSION_KEY = "collaborations:dashboard:version"
REQUEST_KIND = CollaborationRequest.key

# Fields whose change after someone confirmed asks everybody to confirm again.
RECONFIRM_FIELDS = ("value_eur",)
TRACKED_FIELDS = (
    "title",
    "kind",
    "description",
    "start_date",
    "value_eur",
    "origin_type",
    "origin_event_id",
    "introduced_by_id",
    "space_id",
    "chapter_id",
    "visibility",
)


@dataclass(frozen=True)
class ParticipantSpec:
    """One party as a form gives it: exactly one of user / company / organisation."""

    role: str
    user: User | None = None
    company: Company | None = None
    organisation: str = ""

    @property
    def key(self) -> tuple:
        if self.user is not None:
            return ("member", self.user.pk)
        if self.company is not None:
            return ("company", self.company.pk)
        return ("organisation", self.organisation.strip().casefold())

    @property
    def name(self) -> str:
        if self.user is not None:
            profile = getattr(self.user, "profile", None)
            return (profile.display_name if profile else "") or self.user.name or self.user.email
        if self.company is not None:
            return self.company.name
        return self.organisation.strip()


# ---------------------------------------------------------------------------------------------
# Validation shared by create and update


def _validate_fields(*, value_eur: Decimal | None, start_date: dt.date) -> None:
    errors = {}
    if value_eur is not None:
        if value_eur < 0:
            errors["value_eur"] = _("The value cannot be negative.")
        elif value_eur > MAX_VALUE_EUR:
            errors["value_eur"] = _(
                "€%(value)s looks wrong: the ledger accepts values up to €100,000,000."
            ) % {"value": f"{value_eur:,.0f}"}
    today = timezone.localdate()
    if start_date > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        errors["start_date"] = _(
            "A collaboration cannot start more than a year from now: log it once it is decided."
        )
    elif start_date < EARLIEST_START:
        errors["start_date"] = _("The start date is too far in the past.")
    if errors:
        raise ValidationError(errors)


def _validate_participants(*, actor: User, specs: list[ParticipantSpec]) -> None:
    if len(specs) + 1 > MAX_PARTICIPANTS:
        raise ValidationError(
            _("A collaboration has at most %(max)d participants, you gave %(n)d.")
            % {"max": MAX_PARTICIPANTS, "n": len(specs) + 1},
            code="too_many",
        )
    if not specs:
        raise ValidationError(
            _("A collaboration needs at least one other participant besides you."),
            code="alone",
        )
    seen = set()
    for spec in specs:
        if spec.user is not None and spec.user.pk == actor.pk:
            raise ValidationError(
                _("You are already in this collaboration: add the other parties only."),
                code="self_twice",
            )
        if not spec.name:
            raise ValidationError(_("Every participant needs a name."), code="unnamed")
        if spec.key in seen:
            raise ValidationError(
                _("%(name)s appears twice.") % {"name": spec.name}, code="duplicate"
            )
        seen.add(spec.key)
        if spec.role not in Participant.Role.values:
            raise ValidationError(_("Choose a role for %(name)s.") % {"name": spec.name})


def attended_event_ids(user: User) -> set[int]:
    from .selectors import events_attended_by

    return set(events_attended_by(user=user).values_list("pk", flat=True))


def _validate_origin(
    *, actor: User, origin_type: str, origin_event, introduced_by: User | None
) -> None:
    if origin_type == Collaboration.Origin.EVENT:
        if origin_event is None:
            raise ValidationError(
                {"origin_event": _("Choose the event where you met.")}, code="event_missing"
            )
        if origin_event.pk not in attended_event_ids(actor):
            raise ValidationError(
                {
                    "origin_event": _(
                        "You can only choose an event you attended (a confirmed registration "
                        "or a check-in, for an event that has started)."
                    )
                },
                code="event_not_attended",
            )
    if origin_type == Collaboration.Origin.INTRODUCTION and introduced_by is None:
        raise ValidationError(
            {"introduced_by": _("Say which member introduced you.")}, code="introducer_missing"
        )


# ---------------------------------------------------------------------------------------------
# Helpers


def _history(collab: Collaboration, *, actor: User | None, action: str, changes=None) -> None:
    CollaborationHistory.objects.create(
        collaboration=collab,
        actor=actor,
        actor_name=(actor.name or actor.email) if actor else "",
        action=action,
        changes=changes or {},
        revision=collab.revision,
    )


def _json(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _participants_snapshot(collab: Collaboration) -> list[dict]:
    return [
        {"name": p.name, "role": p.role, "kind": p.party_key[0]}
        for p in collab.participants.order_by("pk")
    ]


def dashboard_invalidate() -> None:
    """The dashboard's cached aggregates are stale once the transaction commits."""

    def _bump() -> None:
        try:
            cache.incr(DASHBOARD_VERSION_KEY)
        except ValueError:
            cache.set(DASHBOARD_VERSION_KEY, 2, None)

    transaction.on_commit(_bump)


def _status_recompute(collab: Collaboration, *, actor: User | None) -> None:
    """Proposed until every party confirmed; declined as soon as one declines."""
    states = list(collab.participants.values_list("state", flat=True))
    before = collab.status
    if Participant.State.DECLINED in states:
        collab.status = Collaboration.Status.DECLINED
        collab.confirmed_at = None
    elif states and all(s == Participant.State.CONFIRMED for s in states):
        collab.status = Collaboration.Status.CONFIRMED
        collab.confirmed_at = collab.confirmed_at or timezone.now()
    else:
        collab.status = Collaboration.Status.PROPOSED
        collab.confirmed_at = None
    if collab.status != before:
        collab.save(update_fields=["status", "confirmed_at", "updated_at"])
        _history(
            collab,
            actor=actor,
            action=CollaborationHistory.Action.STATUS,
            changes={"status": [before, collab.status]},
        )
    if Collaboration.Status.CONFIRMED in (before, collab.status):
        dashboard_invalidate()


def _site_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _request_confirmations(collab: Collaboration) -> int:
    """Email every member participant still to confirm this revision (once per revision).

    Members who turned these emails off still see the request on their home page.
    """
    written = 0
    pending = collab.participants.filter(
        state=Participant.State.PENDING, user__isnull=False, user__is_active=True
    ).select_related("user")
    for participant in pending:
        written += notify(
            kind=CollaborationRequest.key,
            recipient=participant.user,
            context={
                "collaboration": collab,
                "participant": participant,
                "recipient": participant.user,
                "author_name": collab.author_name,
                "url": _site_url(collab.get_absolute_url()),
            },
            dedup_key=f"collab-request:{collab.pk}:{participant.pk}:r{collab.revision}",
            topic=f"collaboration:{collab.pk}",
        )
    return written


def _place(*, origin_event, space: Space | None, author: User) -> tuple[Space | None, object]:
    """Where the collaboration belongs on the dashboard: the event's space/chapter first."""
    if origin_event is not None:
        return origin_event.space, origin_event.chapter
    if space is None:
        profile = getattr(author, "profile", None)
        space = profile.home_space if profile else None
    chapter = Chapter.objects.filter(space=space).order_by("pk").first() if space else None
    return space, chapter


def _participant_rows(collab: Collaboration, specs: list[ParticipantSpec]) -> list[Participant]:
    return [
        Participant(
            collaboration=collab,
            user=spec.user,
            company=spec.company,
            organisation="" if spec.user or spec.company else spec.organisation.strip(),
            name=spec.name[:160],
            role=spec.role,
        )
        for spec in specs
    ]


# ---------------------------------------------------------------------------------------------
# Services


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
    _validate_fields(value_eur=value_eur, start_date=start_date)
    _validate_participants(actor=author, specs=participants)
    _validate_origin(
        actor=author,
        origin_type=origin_type,
        origin_event=origin_event,
        introduced_by=introduced_by,
    )
    place_space, chapter = _place(origin_event=origin_event, space=space, author=author)
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
    now = timezone.now()
    own = ParticipantSpec(role=author_role, user=author, company=author_company)
    rows = _participant_rows(collab, [own, *participants])
    rows[0].state = Participant.State.CONFIRMED
    rows[0].confirmed_at = now
    Participant.objects.bulk_create(rows)
    _history(
        collab,
        actor=author,
        action=CollaborationHistory.Action.CREATED,
        changes={
            **{f: [None, _json(getattr(collab, f))] for f in TRACKED_FIELDS},
            "participants": [None, _participants_snapshot(collab)],
        },
    )
    _request_confirmations(collab)
    _status_recompute(collab, actor=author)
    return collab


def can_edit(collab: Collaboration, user: User) -> bool:
    """`collaborations.change_collaboration` (collaborations/rules.py)."""
    return user.has_perm("collaborations.change_collaboration", collab)


@transaction.atomic
def collaboration_update(
    *,
    collaboration: Collaboration,
    actor: User,
    participants: list[ParticipantSpec] | None = None,
    actor_role: str | None = None,
    **fields,
) -> Collaboration:
    """Edit a collaboration. A change of value or participants asks for confirmation again."""
    collab = Collaboration.objects.select_for_update().get(pk=collaboration.pk)
    if not can_edit(collab, actor):
        raise PermissionDenied(_("You cannot edit this collaboration."))
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
    _validate_fields(value_eur=collab.value_eur, start_date=collab.start_date)
    if collab.origin_event_id != before["origin_event_id"] or (
        collab.introduced_by_id != before["introduced_by_id"]
    ):
        _validate_origin(
            actor=actor,
            origin_type=collab.origin_type,
            origin_event=collab.origin_event,
            introduced_by=collab.introduced_by,
        )
    if collab.origin_event_id and collab.origin_event_id != before["origin_event_id"]:
        collab.space, collab.chapter = _place(
            origin_event=collab.origin_event, space=None, author=actor
        )
    collab.full_clean()
    changes = {
        f: [_json(before[f]), _json(getattr(collab, f))]
        for f in TRACKED_FIELDS
        if before[f] != getattr(collab, f)
    }

    participants_changed = False
    if participants is not None:
        existing = list(collab.participants.all())
        own = next((p for p in existing if p.user_id == actor.pk), None)
        others = [p for p in existing if p.user_id != actor.pk]
        if own is None:
            # Only the author of an unconfirmed collaboration can be outside it (e.g. its own
            # row was deleted with an account): nobody ever adds themselves by editing.
            raise PermissionDenied(_("You are not a participant of this collaboration."))
        _validate_participants(actor=actor, specs=participants)
        old = {p.party_key: p for p in others}
        new = {spec.key: spec for spec in participants}
        removed = [p for key, p in old.items() if key not in new]
        added = [spec for key, spec in new.items() if key not in old]
        role_changed = [
            (old[key], spec)
            for key, spec in new.items()
            if key in old and old[key].role != spec.role
        ]
        own_role_changed = actor_role is not None and actor_role != own.role
        if removed or added or role_changed or own_role_changed:
            participants_changed = True
            before_snapshot = _participants_snapshot(collab)
            Participant.objects.filter(pk__in=[p.pk for p in removed]).delete()
            for participant, spec in role_changed:
                participant.role = spec.role
                participant.save(update_fields=["role"])
            if own_role_changed:
                own.role = actor_role
                own.save(update_fields=["role"])
            Participant.objects.bulk_create(_participant_rows(collab, added))
            changes["participants"] = [before_snapshot, _participants_snapshot(collab)]

    value_changed = any(f in changes for f in RECONFIRM_FIELDS)
    reopen = participants_changed or value_changed
    if not changes:
        return collab
    if reopen:
        collab.revision += 1
    collab.save()
    if reopen:
        # Everybody but the editor confirms the new version again (staff re-verify parties
        # without a member); the editor's own confirmation is this edit.
        now = timezone.now()
        collab.participants.exclude(user_id=actor.pk).update(
            state=Participant.State.PENDING, confirmed_at=None, verified_by=None
        )
        collab.participants.filter(user_id=actor.pk).update(
            state=Participant.State.CONFIRMED, confirmed_at=now
        )
    _history(
        collab,
        actor=actor,
        action=(
            CollaborationHistory.Action.REOPENED if reopen else CollaborationHistory.Action.UPDATED
        ),
        changes=changes,
    )
    if reopen:
        _request_confirmations(collab)
    elif collab.status == Collaboration.Status.CONFIRMED:
        dashboard_invalidate()  # kind, year or visibility may have changed
    _status_recompute(collab, actor=actor)
    return collab


def _own_participant(*, participant: Participant, user: User) -> Participant:
    # Lock the collaboration first: two participants answering at the same moment are then
    # serialised, and the second one's status recompute sees the first one's answer.
    collab = Collaboration.objects.select_for_update().get(pk=participant.collaboration_id)
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    locked.collaboration = collab
    if locked.user_id is None or locked.user_id != user.pk:
        raise PermissionDenied(_("You can only answer for yourself."))
    return locked


@transaction.atomic
def participant_confirm(*, participant: Participant, user: User) -> Participant:
    """`user` confirms their own participation. Nobody confirms for someone else."""
    participant = _own_participant(participant=participant, user=user)
    if participant.state == Participant.State.CONFIRMED:
        return participant
    participant.state = Participant.State.CONFIRMED
    participant.confirmed_at = timezone.now()
    participant.save(update_fields=["state", "confirmed_at"])
    collab = participant.collaboration
    _history(
        collab,
        actor=user,
        action=CollaborationHistory.Action.CONFIRMED,
        changes={"participant": participant.name, "role": participant.role},
    )
    _status_recompute(collab, actor=user)
    return participant


@transaction.atomic
def participant_decline(*, participant: Participant, user: User) -> Participant:
    """`user` declines their own participation: the collaboration does not count."""
    participant = _own_participant(participant=participant, user=user)
    if participant.state == Participant.State.DECLINED:
        return participant
    participant.state = Participant.State.DECLINED
    participant.confirmed_at = None
    participant.save(update_fields=["state", "confirmed_at"])
    collab = participant.collaboration
    _history(
        collab,
        actor=user,
        action=CollaborationHistory.Action.DECLINED,
        changes={"participant": participant.name, "role": participant.role},
    )
    _status_recompute(collab, actor=user)
    return participant


@transaction.atomic
def collaboration_verify(
    *, collaboration: Collaboration, staff: User, approve: bool = True
) -> Collaboration:
    """Staff vouch for (or reject) the parties no member speaks for."""
    if not staff.has_perm("collaborations.verify_collaboration"):
        raise PermissionDenied(_("Only staff verify collaborations."))
    collab = Collaboration.objects.select_for_update().get(pk=collaboration.pk)
    todo = list(
        collab.participants.filter(user__isnull=True).exclude(state=Participant.State.CONFIRMED)
        if approve
        else collab.participants.filter(user__isnull=True)
    )
    if not todo:
        return collab
    now = timezone.now()
    for participant in todo:
        participant.state = Participant.State.CONFIRMED if approve else Participant.State.DECLINED
        participant.confirmed_at = now if approve else None
        participant.verified_by = staff
        participant.save(update_fields=["state", "confirmed_at", "verified_by"])
    _history(
        collab,
        actor=staff,
        action=(
            CollaborationHistory.Action.VERIFIED
            if approve
            else CollaborationHistory.Action.REJECTED
        ),
        changes={"parties": [p.name for p in todo]},
    )
    _status_recompute(collab, actor=staff)
    return collab


def collaboration_follow_up_url(event) -> str:
    return f"{reverse('collaborations:create')}?event={event.pk}"


# ---------------------------------------------------------------------------------------------
# After the event

FOLLOW_UP_KIND = EventFollowup.key
FOLLOW_UP_WINDOW_DAYS = 3


def event_followups_write(*, now: dt.datetime | None = None) -> int:
    """Invite, by email, everyone who attended an event that ended before today (within the
    last few days) to log what came out of it. One message per event and member, ever: the
    de-duplication key makes a second run (or a retried task) write nothing."""
    from events.models import Event, Registration

    now = now or timezone.now()
    today_start = timezone.make_aware(dt.datetime.combine(timezone.localdate(now), dt.time.min))
    events = Event.objects.filter(
        end__lt=today_start,
        end__gte=today_start - dt.timedelta(days=FOLLOW_UP_WINDOW_DAYS),
        status=Event.Status.PUBLISHED,
    ).select_related("kind")
    written = 0
    for event in events:
        attendees = (
            Registration.objects.filter(event=event, user__isnull=False, user__is_active=True)
            .filter(Q(status=Registration.Status.CONFIRMED) | Q(checked_in_at__isnull=False))
            .exclude(
                user__in=Participant.objects.filter(collaboration__origin_event=event).values(
                    "user_id"
                )
            )
            .select_related("user")
            .order_by("pk")
        )
        for registration in attendees:
            user = registration.user
            if not wants_email(user, FOLLOW_UP_KIND):
                continue
            written += _followup_write(event=event, user=user)
    return written


@transaction.atomic
def _followup_write(*, event, user: User) -> int:
    from events.speed_networking.selectors import met_at_event

    url = _site_url(collaboration_follow_up_url(event))
    # At a speed-networking evening: the people they sat with, as they may see them.
    met = [p.name for p in met_at_event(event=event, user=user, viewer=user) if p.slug]
    return int(
        notify(
            kind=EventFollowup.key,
            recipient=user,
            context={"event": event, "met": met, "recipient": user, "url": url},
            dedup_key=f"event-followup:{event.pk}:{user.pk}",
            topic=f"event:{event.pk}",
        )
    )
