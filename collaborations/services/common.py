"""Steps every ledger service shares: the history entry, the status recompute, the requests
for confirmation, where a collaboration belongs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import rules
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_lazy

from betacowork.messaging import notify
from members.models import Chapter, Profile, Space, User
from members.rules import profile_visible_to

from ..messages import CollaborationChanged, CollaborationRequest
from ..models import Collaboration, CollaborationHistory, Participant
from .snapshot import dashboard_invalidate
from .validation import ParticipantSpec

REQUEST_KIND = CollaborationRequest.key

# Fields whose change after someone confirmed asks everybody to confirm again.
RECONFIRM_FIELDS = ("value_eur",)
# Who may see a collaboration, narrowest first. Showing it to more people than the parties
# agreed to asks them again (`audience_widened`), as a change of value does; fewer needs no one.
AUDIENCES = (
    Collaboration.Visibility.PARTICIPANTS,
    Collaboration.Visibility.MEMBERS,
    Collaboration.Visibility.PUBLIC,
)
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


def audience_widened(changes: dict) -> bool:
    """Whether these {field: [before, after]} changes show the collaboration to more people."""
    if "visibility" not in changes:
        return False
    before, after = changes["visibility"]
    return AUDIENCES.index(after) > AUDIENCES.index(before)


def asks_everybody(changes: dict) -> bool:
    """Whether an edit's {field: [before, after]} changes ask every other party to confirm
    again: its value, its participants, or a wider audience. Other changes ask nobody, but
    those who declined a declined collaboration (`ledger._decliners_asked_again`)."""
    return (
        "participants" in changes
        or any(f in changes for f in RECONFIRM_FIELDS)
        or audience_widened(changes)
    )


def history_add(collab: Collaboration, *, actor: User | None, action: str, changes=None) -> None:
    CollaborationHistory.objects.create(
        collaboration=collab,
        actor=actor,
        actor_name=(actor.name or actor.email) if actor else "",
        action=action,
        changes=changes or {},
        revision=collab.revision,
    )


def as_json(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def participants_snapshot(collab: Collaboration) -> list[dict]:
    """The parties as a history entry keeps them. A member's entry keeps their account
    (`user`) beside the name: who may read that name is decided each time it is read, as on
    the pages (`history_changes_shown`) — a member hidden then, or since, is not named."""
    return [
        {
            "name": p.name,
            "role": p.role,
            "kind": p.party_key[0],
            **({"user": p.user_id} if p.user_id else {}),
        }
        for p in collab.participants.order_by("pk")
    ]


def history_changes_shown(entries, *, viewer: User) -> dict[int, dict]:
    """{entry id: its `changes` as `viewer` may read them}, for whatever shows a member the
    history's changes (the "my data" export). The participants' snapshots name a member only
    if `viewer` may see their profile (`Profile.objects.visible_to`, the rule the collaboration's
    page names people by), else "a member"; a former member's kept name only for who may read
    the collaboration's history (`collaborations.view_history`), else "a former member".

    An entry written before snapshots kept the member's account names the member its name
    matches among the collaboration's member participants; none matched, "a member". Two
    queries, plus one per collaboration that had a former member. A changed introducer is
    named the same way (`introduced_by`, not the account's number)."""
    entries = list(entries)
    collab_ids = {e.collaboration_id for e in entries}
    by_name = {
        (collab_id, name): user_id
        for collab_id, name, user_id in Participant.objects.filter(
            collaboration_id__in=collab_ids, user__isnull=False
        ).values_list("collaboration_id", "name", "user_id")
    }
    wanted = {
        party.get("user") or by_name.get((e.collaboration_id, party.get("name")))
        for e in entries
        for party in _snapshot_parties(e.changes)
    }
    introducers = {
        pk
        for e in entries
        if isinstance(e.changes.get("introduced_by_id"), list)
        for pk in e.changes["introduced_by_id"]
        if isinstance(pk, int)
    }
    names = dict(
        Profile.objects.visible_to(viewer)
        .filter(user_id__in=[pk for pk in wanted | introducers if pk])
        .values_list("user_id", "display_name")
    )
    named = set(names)

    def introducer(pk) -> str | None:
        return None if pk is None else names.get(pk) or gettext("a member")

    reads_history: dict[int, bool] = {}

    def shown(entry, party: dict) -> dict:
        kind = party.get("kind")
        if kind == "member":
            user_id = party.get("user") or by_name.get((entry.collaboration_id, party.get("name")))
            return {**party, "name": party.get("name") if user_id in named else gettext("a member")}
        if kind == "former":
            pk = entry.collaboration_id
            if pk not in reads_history:
                reads_history[pk] = rules.has_perm(
                    "collaborations.view_history", viewer, entry.collaboration
                )
            if not reads_history[pk]:
                return {**party, "name": gettext("a former member")}
        return party

    out = {}
    for entry in entries:
        changes = dict(entry.changes)
        if isinstance(changes.get("participants"), list):
            # The accounts' ids were kept to decide the names: they are not shown.
            changes["participants"] = [
                [
                    {k: v for k, v in shown(entry, party).items() if k != "user"}
                    for party in snapshot
                ]
                if isinstance(snapshot, list)
                else snapshot
                for snapshot in changes["participants"]
            ]
        if isinstance(changes.get("introduced_by_id"), list):
            # Who introduced them, by name as the page names them, not an account number.
            changes["introduced_by"] = [introducer(pk) for pk in changes.pop("introduced_by_id")]
        out[entry.pk] = changes
    return out


def _snapshot_parties(changes: dict) -> list[dict]:
    """Every party the participants' snapshots of one entry's `changes` name."""
    snapshots = changes.get("participants")
    if not isinstance(snapshots, list):
        return []
    return [party for snapshot in snapshots if isinstance(snapshot, list) for party in snapshot]


def status_recompute(collab: Collaboration, *, actor: User | None) -> None:
    """Proposed until every party confirmed; declined as soon as one declines, or once a
    party can never answer: a former member who left before answering (nobody may answer
    for them, so it could never be confirmed; removing them, or naming their company
    instead, asks everybody again)."""
    rows = list(collab.participants.values_list("state", "former_member"))
    states = [state for state, _former in rows]
    before = collab.status
    unanswerable = any(former and state == Participant.State.PENDING for state, former in rows)
    if Participant.State.DECLINED in states or unanswerable:
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
        history_add(
            collab,
            actor=actor,
            action=CollaborationHistory.Action.STATUS,
            changes={"status": [before, collab.status]},
        )
    if Collaboration.Status.CONFIRMED in (before, collab.status):
        dashboard_invalidate()


def site_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def changed_labels(changes: dict) -> list:
    """The names of the fields a history entry's {field: [before, after]} changed, in the
    reader's language (lazy): what the collaboration's history and the request to confirm
    again after an edit list."""
    labels = []
    for name in changes:
        if name == "participants":
            labels.append(Participant._meta.verbose_name_plural)
            continue
        try:
            field = Collaboration._meta.get_field(name.removesuffix("_id"))
        except FieldDoesNotExist:
            continue  # a field removed since: nothing to name
        labels.append(field.verbose_name)
    return labels


def request_confirmations(collab: Collaboration, *, editor: User | None = None) -> int:
    """Email every member participant still to confirm this revision (once per revision).

    Logged (no `editor`): "<author> logged … with you". After an edit by `editor`, the
    others are asked again in other words (`CollaborationChanged`): the editor named, and what
    changed as the history lists it — someone else than the author may have changed it, and
    the author may be the one asked. Members who turned these emails off still see the
    request on their home page.
    """
    if editor is not None:
        return _request_again(collab, editor=editor)
    written = 0
    author = getattr(collab.author, "profile", None) if collab.author_id else None
    for participant in _still_to_answer(collab):
        # Named as the collaboration's page names them to this reader: a profile they may
        # not see (hidden) is "A member", translated when the message is drawn in their language.
        named = author is None or profile_visible_to(author, participant.user)
        written += notify(
            kind=CollaborationRequest.key,
            recipient=participant.user,
            context={
                "collaboration": collab,
                "participant": participant,
                "recipient": participant.user,
                "author_name": collab.author_name if named else capfirst(gettext_lazy("a member")),
                "url": site_url(collab.get_absolute_url()),
            },
            dedup_key=f"collab-request:{collab.pk}:{participant.pk}:r{collab.revision}",
            topic=f"collaboration:{collab.pk}",
        )
    return written


def _still_to_answer(collab: Collaboration):
    """The members asked to confirm this revision who can answer (an active account)."""
    return collab.participants.filter(
        state=Participant.State.PENDING, user__isnull=False, user__is_active=True
    ).select_related("user")


def _request_again(collab: Collaboration, *, editor: User) -> int:
    """`request_confirmations` after an edit: each member still to confirm is told who
    changed it (as the page names them to that reader: "A member" for a profile they may not
    see; "Betacowork staff" for staff, no party), what changed (this revision's history
    entry) or that they were added."""
    entry = (
        collab.history.filter(revision=collab.revision, action=CollaborationHistory.Action.REOPENED)
        .order_by("-pk")
        .first()
    )
    changes = entry.changes if entry is not None else {}
    before = (changes.get("participants") or [[]])[0] or []
    there_before = {party.get("user") for party in before if party.get("user")}
    labels = changed_labels(changes)
    profile = getattr(editor, "profile", None)
    party = collab.participants.filter(user_id=editor.pk).exists()
    written = 0
    for participant in _still_to_answer(collab).exclude(user_id=editor.pk):
        named = profile is not None and profile_visible_to(profile, participant.user)
        if not party:
            editor_name = gettext_lazy("Betacowork staff")
        elif named:
            editor_name = profile.display_name
        else:
            editor_name = capfirst(gettext_lazy("a member"))
        written += notify(
            kind=CollaborationChanged.key,
            recipient=participant.user,
            context={
                "collaboration": collab,
                "participant": participant,
                "recipient": participant.user,
                "editor_name": editor_name,
                "added": "participants" in changes and participant.user_id not in there_before,
                "changed": labels,
                "url": site_url(collab.get_absolute_url()),
            },
            dedup_key=f"collab-request:{collab.pk}:{participant.pk}:r{collab.revision}",
            topic=f"collaboration:{collab.pk}",
        )
    return written


def place_of(
    *, origin_event, space: Space | None, author: User | None
) -> tuple[Space | None, object]:
    """Where the collaboration belongs on the dashboard: the event's space and chapter first,
    else the space given and its chapter. When no space is given, `author`'s home space
    stands in (logging: the form's space is left blank); None for an edit, where a space
    cleared means none."""
    if origin_event is not None:
        return origin_event.space, origin_event.chapter
    if space is None and author is not None:
        profile = getattr(author, "profile", None)
        space = profile.home_space if profile else None
    chapter = Chapter.objects.filter(space=space).order_by("pk").first() if space else None
    return space, chapter


def participant_rows(collab: Collaboration, specs: list[ParticipantSpec]) -> list[Participant]:
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
