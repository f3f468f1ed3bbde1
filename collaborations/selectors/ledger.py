"""Reads of the collaboration ledger: lists, pages and panels."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.db.models.functions import ExtractYear
from django.utils import timezone

from events.models import Event, Registration
from members.models import Company, Profile, Visibility

from ..models import Collaboration, Participant
from ..rules import view_history_sql

# Stand-ins for "someone anonymous" and "any member": the dashboard is the same for every
# member, so it is computed (and cached) once per audience, not once per person.
PUBLIC = SimpleNamespace(is_authenticated=False, is_staff=False, pk=None)
MEMBER = SimpleNamespace(is_authenticated=True, is_staff=False, pk=None)


def audience_of(user):
    return MEMBER if user is not None and user.is_authenticated else PUBLIC


def visible_profiles(user) -> QuerySet[Profile]:
    """Profiles that may be named to `user`; hidden ones never, not even to staff or self."""
    return Profile.objects.visible_to(user).exclude(visibility=Visibility.HIDDEN)


def participants_prefetch(user) -> Prefetch:
    """Participants with `profile_visible` set only where the viewer may see the member, and
    `former_named` where they may read a former member's kept name: only those who may read
    the collaboration's history (`collaborations.view_history`: staff and its parties). A
    deleted account must not make a person more visible than their profile did."""
    return Prefetch(
        "participants",
        queryset=Participant.objects.select_related("company", "user__profile")
        .annotate(
            profile_visible=Exists(
                Profile.objects.visible_to(user).filter(user_id=OuterRef("user_id"))
            ),
            former_named=view_history_sql(user),
        )
        .order_by("pk"),
    )


# ---------------------------------------------------------------------------------------------
# Lists and pages


def collaboration_list(*, user, filters: dict | None = None) -> QuerySet[Collaboration]:
    filters = filters or {}
    qs = Collaboration.objects.listed_for(user)
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("year"):
        qs = qs.filter(start_date__year=filters["year"])
    if filters.get("space"):
        qs = qs.filter(space=filters["space"])
    if filters.get("chapter"):
        qs = qs.filter(chapter=filters["chapter"])
    if filters.get("event_kind"):
        qs = qs.filter(origin_event__kind=filters["event_kind"])
    if filters.get("event"):
        qs = qs.filter(origin_event=filters["event"])
    return (
        qs.select_related("origin_event__kind", "space", "chapter")
        .prefetch_related(participants_prefetch(user))
        .order_by("-start_date", "-pk")
    )


def awaiting_staff_q() -> Q:
    """Collaborations waiting for staff: still proposed, with a party no member speaks for (a
    company, an outside organisation: `Participant.needs_staff`) that staff have not verified
    yet — what `services.collaboration_verify` confirms. The staff's queue (the admin's filter
    and column, the count on their home page)."""
    unverified = Participant.objects.filter(
        collaboration_id=OuterRef("pk"),
        user__isnull=True,
        former_member=False,
        state=Participant.State.PENDING,
    )
    return Q(status=Collaboration.Status.PROPOSED) & Q(Exists(unverified))


def awaiting_staff_count() -> int:
    """How many collaborations wait for staff to verify them (one query)."""
    return Collaboration.objects.filter(awaiting_staff_q()).count()


def collaboration_years() -> list[int]:
    years = (
        Collaboration.objects.confirmed()
        .annotate(year=ExtractYear("start_date"))
        .values_list("year", flat=True)
        .distinct()
        .order_by("-year")
    )
    return list(years)


def collaboration_detail_queryset(*, user) -> QuerySet[Collaboration]:
    return (
        Collaboration.objects.visible_to(user)
        .select_related(
            "origin_event__kind", "introduced_by__profile", "space", "chapter", "author"
        )
        .prefetch_related(participants_prefetch(user))
    )


def my_collaborations(*, user) -> QuerySet[Collaboration]:
    return (
        Collaboration.objects.involving(user)
        .select_related("origin_event__kind", "space")
        .prefetch_related(participants_prefetch(user))
        .order_by("-created_at", "-pk")
    )


def pending_confirmations(*, user) -> QuerySet[Participant]:
    """My participations still waiting for my answer, with `author_named`: whether the list
    may name who logged it (a profile I may see, or a deleted account's kept name, as the
    collaboration's page does for its parties)."""
    author = OuterRef("collaboration__author_id")
    return (
        Participant.objects.filter(
            user_id=user.pk,
            state=Participant.State.PENDING,
            collaboration__status=Collaboration.Status.PROPOSED,
        )
        .annotate(
            author_named=ExpressionWrapper(
                Q(collaboration__author_id__isnull=True)
                | Q(Exists(Profile.objects.visible_to(user).filter(user_id=author))),
                output_field=BooleanField(),
            )
        )
        .select_related("collaboration")
        .order_by("-collaboration__created_at")
    )


def collaborations_of_user(*, viewer, user_id: int, limit: int = 10) -> list[Collaboration]:
    """A profile's confirmed collaborations that `viewer` may see (participants-only ones only
    if `viewer` is a participant or staff)."""
    return list(
        Collaboration.objects.listed_for(viewer)
        .filter(participants__user_id=user_id)
        .select_related("origin_event__kind")
        .prefetch_related(participants_prefetch(viewer))
        .order_by("-start_date", "-pk")
        .distinct()[:limit]
    )


def collaborations_of_company(*, viewer, company: Company, limit: int = 20) -> list[Collaboration]:
    """A company's confirmed collaborations that `viewer` may see, where the company is linked
    in a way `viewer` may see: the company itself as a party, or a member — one of its people,
    or one who took part for it — whose profile `viewer` may see (`Profile.visible_to`). A
    member the viewer may not see is "a member" on the collaboration's page: listing their
    collaborations here would tell whose person they are. A former member who took part for it
    counts only for those who may read the collaboration's history (their name is kept there).
    """
    visible = Profile.objects.visible_to(viewer)
    linked = Participant.objects.annotate(former_named=view_history_sql(viewer)).filter(
        Q(company=company, user__isnull=True, former_member=False)
        | Q(user_id__in=visible.filter(company=company).values("user_id"))
        | Q(company=company, user_id__in=visible.values("user_id"))
        | Q(company=company, former_member=True, former_named=True)
    )
    return list(
        Collaboration.objects.listed_for(viewer)
        .filter(pk__in=linked.values("collaboration_id"))
        .select_related("origin_event__kind")
        .prefetch_related(participants_prefetch(viewer))
        .order_by("-start_date", "-pk")[:limit]
    )


def collaborations_started_at_count(event_ids, *, viewer) -> dict[int, int]:
    """{event id: number of confirmed collaborations that began there that `viewer` may see}
    (one query): the collaborations the list filtered by that event shows them
    (`collaboration_list`, `listed_for`)."""
    rows = (
        Collaboration.objects.listed_for(viewer)
        .filter(origin_event_id__in=list(event_ids))
        .values("origin_event_id")
        .annotate(n=Count("pk"))
    )
    return {row["origin_event_id"]: row["n"] for row in rows}


def attended_registrations() -> QuerySet[Registration]:
    """The registrations whose person attended the event: a check-in; or, at an event where
    nobody was checked in (the door was not kept), a confirmed registration. Once an event
    used check-in, a confirmed registration never checked in is someone who did not come.
    The one rule of "events I attended" and of the follow-up email; one query wherever used.
    """
    door_kept = Registration.objects.filter(
        event_id=OuterRef("event_id"), checked_in_at__isnull=False
    )
    return Registration.objects.filter(
        Q(checked_in_at__isnull=False)
        | Q(status=Registration.Status.CONFIRMED) & ~Exists(door_kept)
    )


def events_attended_by(*, user, now=None) -> QuerySet[Event]:
    """Events `user` attended (`attended_registrations`) that have started."""
    now = now or timezone.now()
    attended = attended_registrations().filter(user_id=user.pk)
    return (
        Event.objects.filter(pk__in=attended.values("event_id"), start__lte=now)
        .exclude(status=Event.Status.DRAFT)
        .exclude(status=Event.Status.CANCELLED)
        .select_related("kind")
        .order_by("-start")
    )


def follow_up_invitations(*, user, days: int = 14, now=None) -> list[Event]:
    """Recent events I attended and have not yet logged a collaboration from."""
    now = now or timezone.now()
    logged = Collaboration.objects.involving(user).filter(origin_event__isnull=False)
    return list(
        events_attended_by(user=user, now=now)
        .filter(start__gte=now - timedelta(days=days))
        .exclude(pk__in=logged.values("origin_event_id"))[:3]
    )
