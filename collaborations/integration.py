"""What the collaborations app adds to pages and registries other apps own.

Registered once from CollaborationsConfig.ready(): the home panel (my pending confirmations,
the invitation after an event I attended, recent public collaborations; for staff, how many
collaborations wait for them to verify), the profile panel,
the company panel (when `members.panels` offers the hook), the "my data" export section and
the demo seeder. A profile saved (e.g. hidden) also invalidates the cached dashboard.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

from django.db.models import Q
from django.db.models.signals import post_delete, post_save

from events.models import Event, EventKind, Round
from members import panels
from members.demo import register_demo_seeder
from members.models import Chapter, Company, Profile, Space, User
from members.rules import has_staff_tools

from .models import Collaboration, CollaborationHistory, Participant
from .selectors import (
    awaiting_staff_count,
    collaborations_of_company,
    collaborations_of_user,
    follow_up_invitations,
    participants_prefetch,
    pending_confirmations,
)

HOME_RECENT = 3


def home_context(request, **kwargs) -> dict | None:
    user = request.user
    recent = list(
        Collaboration.objects.listed_for(user)
        .filter(visibility=Collaboration.Visibility.PUBLIC)
        .select_related("origin_event__kind")
        .prefetch_related(participants_prefetch(user))
        .order_by("-confirmed_at", "-pk")[:HOME_RECENT]
    )
    pending, invitations = [], []
    if user.is_authenticated:
        pending = list(pending_confirmations(user=user)[:5])
        invitations = follow_up_invitations(user=user)
        _with_people_met(invitations, user)
    # The staff's queue is the admin's list filtered (`admin.AwaitingStaffFilter`): counted for
    # those the admin lets in to it (its own question: the model permission).
    staff_queue = (
        awaiting_staff_count()
        if has_staff_tools(user) and user.has_perm("collaborations.view_collaboration")
        else 0
    )
    if not (recent or pending or invitations or staff_queue):
        return None
    return {
        "pending": pending,
        "invitations": invitations,
        "recent": recent,
        "staff_queue": staff_queue,
    }


def _with_people_met(events, user) -> None:
    """Each event gets `met`: the people `user` sat with there at speed networking, named as
    `user` may see them (two queries for all the events)."""
    from events.speed_networking.selectors import met_at_events

    met = met_at_events(event_ids=[e.pk for e in events], user=user, viewer=user)
    for event in events:
        event.met = [p for p in met.get(event.pk, []) if p.slug]


def profile_context(request, *, profile, **kwargs) -> dict | None:
    collabs = collaborations_of_user(viewer=request.user, user_id=profile.user_id)
    return {"collaborations": collabs, "profile": profile}


def company_context(request, *, company, **kwargs) -> dict | None:
    return {"collaborations": collaborations_of_company(viewer=request.user, company=company)}


def event_context(request, *, event, **kwargs) -> dict | None:
    """For an event page: "n collaborations began here", and the invitation to log one for
    a member who attended it."""
    from .selectors import collaborations_started_at_count, events_attended_by

    count = collaborations_started_at_count([event.pk], viewer=request.user).get(event.pk, 0)
    invite = (
        request.user.is_authenticated
        and events_attended_by(user=request.user).filter(pk=event.pk).exists()
    )
    if not (count or invite):
        return None
    if invite:
        _with_people_met([event], request.user)
    return {"event": event, "count": count, "invite": invite}


def export_collect(user) -> dict:
    """Everything the ledger holds about `user`: their collaborations and their own actions,
    naming in these only the people `user` may see, as the collaborations' pages do (a hidden
    member is "a member": `services.history_changes_shown`)."""
    from .services.common import history_changes_shown

    history = list(
        CollaborationHistory.objects.filter(actor=user)
        .select_related("collaboration")
        .order_by("pk")
    )
    changes = history_changes_shown(history, viewer=user)
    collabs = (
        Collaboration.objects.involving(user)
        .select_related("origin_event")
        .prefetch_related("participants")
        .order_by("pk")
    )
    return {
        "collaborations": [
            {
                "id": c.pk,
                "title": c.title,
                "kind": c.kind,
                "status": c.status,
                "visibility": c.visibility,
                "start_date": c.start_date.isoformat(),
                "value_eur": str(c.value_eur) if c.value_eur is not None else None,
                "origin": c.origin_type,
                "origin_event": c.origin_event.title if c.origin_event else None,
                "i_am_author": c.author_id == user.pk,
                "my_participation": [
                    {
                        "role": p.role,
                        "state": p.state,
                        "confirmed_at": p.confirmed_at.isoformat() if p.confirmed_at else None,
                    }
                    for p in c.participants.all()
                    if p.user_id == user.pk
                ],
            }
            for c in collabs
        ],
        "introductions": list(
            Collaboration.objects.filter(introduced_by=user).values_list("pk", flat=True)
        ),
        "history": [
            {
                "collaboration": h.collaboration_id,
                "action": h.action,
                "at": h.created_at.isoformat(),
                "changes": changes[h.pk],
            }
            for h in history
        ],
    }


def collaboration_pairs(user_ids) -> list[tuple[int, int, float]]:
    """Members among `user_ids` who share a confirmed collaboration, for the speed-networking
    planner's history (people who already work together meet last): one query."""
    from events.speed_networking.selectors import COLLABORATION_WEIGHT

    members: dict[int, set[int]] = defaultdict(set)
    rows = Participant.objects.filter(
        collaboration__status=Collaboration.Status.CONFIRMED, user_id__in=list(user_ids)
    ).values_list("collaboration_id", "user_id")
    for collab_id, user_id in rows:
        members[collab_id].add(user_id)
    return [
        (a, b, COLLABORATION_WEIGHT)
        for people in members.values()
        for a, b in combinations(sorted(people), 2)
    ]


def _shown_changed(sender, instance, update_fields=None, **kwargs) -> None:
    """Something the dashboard names or counts changed: a profile (name, visibility), an
    account (active or not), an event, its kind, a space, a chapter, a company, a round played
    (meetings held). Its figures and snapshots are redrawn after the commit."""
    from .services import dashboard_invalidate

    if sender is User and update_fields is not None and "is_active" not in update_fields:
        return  # a sign-in's last_login, a password change: nothing the dashboard shows
    dashboard_invalidate()


def companies_as_parties(user):
    """The party rows that open a company's page to `user` (`members.selectors.
    companies_visible_to`): the company itself a party (no member speaks for it), a member
    `user` may see taking part for it, or a former member's row in a collaboration `user`
    took part in (who may read their kept name). Not a member hidden from `user`."""
    rows = Participant.objects.filter(company__isnull=False)
    shown = Q(user__isnull=True, former_member=False) | Q(
        user__in=Profile.objects.visible_to(user).values("user_id")
    )
    if user is not None and user.is_authenticated:
        took_part = Participant.objects.filter(user=user).values("collaboration_id")
        shown |= Q(former_member=True, collaboration_id__in=took_part)
    return rows.filter(shown)


def register() -> None:
    from .demo import seed_collaborations

    panels.register_home_panel(
        order=40, template="collaborations/_home_panel.html", context=home_context
    )
    panels.register_profile_panel(
        order=40, template="collaborations/_collaborations_panel.html", context=profile_context
    )
    panels.register_company_panel(
        order=40, template="collaborations/_collaborations_panel.html", context=company_context
    )
    # The event page belongs to `events`: it renders our panel once it offers the hook.
    from events import panels as event_panels

    register_event_panel = getattr(event_panels, "register_event_panel", None)
    if register_event_panel is not None:
        register_event_panel(
            order=40, template="collaborations/_event_panel.html", context=event_context
        )
    panels.register_export_section(
        name="collaborations",
        collect=export_collect,
        models=[Collaboration, Participant, CollaborationHistory],
    )
    register_demo_seeder(order=50, name="collaborations: the ledger", seed=seed_collaborations)
    panels.register_company_party_source(companies_as_parties)
    from events.speed_networking.selectors import register_history_source

    register_history_source(collaboration_pairs)
    for model in (Profile, User, Event, EventKind, Space, Chapter, Company, Round):
        uid = f"collab-dashboard-{model._meta.label_lower}"
        post_save.connect(_shown_changed, sender=model, dispatch_uid=f"{uid}-saved")
        post_delete.connect(_shown_changed, sender=model, dispatch_uid=f"{uid}-deleted")
