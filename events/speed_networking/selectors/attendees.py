"""One person's evening: my round, my wishes, the people coming, and whom I met (here and at
other events)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q

from members.models import Profile

from ...models import (
    Event,
    Meeting,
    MeetingRequest,
    NetworkingSession,
    Registration,
    Seat,
)
from .planning import session_of
from .rounds import Person, departed_user_ids, people


@dataclass
class MyRound:
    # "unplanned" | "upcoming" | "seated" | "finished" | "cancelled", or, with no seat in this
    # round of a planned evening: "joining" (a late arrival seated from round `joins` on),
    # "left" (the organiser recorded their departure), "waitlisted", "not_checked_in"
    # (confirmed, not at the door yet) or "not_seated" (checked in, no seat now nor later).
    status: str
    number: int = 0
    joins: int | None = None
    total: int = 0
    table: int | None = None
    companions: list[Person] = field(default_factory=list)
    started_at: object = None
    minutes: int = 0


def my_round(*, event: Event, user) -> MyRound:
    """Where `user` sits now (or first, before the evening starts): four queries at most."""
    if event.is_cancelled:
        return MyRound("cancelled")  # rounds planned before it was cancelled are not played
    session = session_of(event)
    if session is None or session.generated_at is None:
        return MyRound("unplanned")
    numbers = list(session.rounds.values_list("number", flat=True))
    total = max(numbers, default=0)
    if session.finished_at is not None:
        return MyRound("finished", number=session.current_round, total=total)
    number = session.current_round or 1
    status = "seated" if session.current_round else "upcoming"
    # My seat now or, failing that, the first one to come (a late arrival placed during this
    # round sits from the next one): one query either way.
    seat = (
        Seat.objects.filter(round__session=session, round__number__gte=number, user=user)
        .select_related("round")
        .order_by("round__number")
        .first()
    )
    base = MyRound(
        status,
        number=number,
        total=total,
        started_at=session.round_started_at if session.current_round else None,
        minutes=session.round_minutes,
    )
    if seat is None:
        base.status = _unseated(event, user, session) if total else "unplanned"
        return base
    if seat.round.number != number:
        base.status, base.joins = "joining", seat.round.number
        return base
    others = Seat.objects.filter(round=seat.round, table=seat.table).exclude(user=user)
    found = people(others.values_list("user_id", flat=True), viewer=user, details=True)
    base.table = seat.table
    base.companions = sorted(found.values(), key=lambda p: (p.name.casefold(), p.user_id))
    return base


def _unseated(event: Event, user, session: NetworkingSession) -> str:
    """Why a registrant has no seat now nor in any round to come, as far as they can do
    something about it: on the waitlist, gone for the evening (the organiser recorded it),
    not checked in yet, or (checked in) left out."""
    registration = event.registrations.active().filter(user=user).first()
    if registration is not None and registration.status == Registration.Status.WAITLISTED:
        return "waitlisted"
    # A `left` note lasts until the organiser seats them again (`networking_arrive`).
    if user.pk in departed_user_ids(session):
        return "left"
    if registration is not None and registration.checked_in_at is None:
        return "not_checked_in"
    return "not_seated"


def is_registrant(event: Event, user) -> bool:
    return user.is_authenticated and event.registrations.active().filter(user=user).exists()


# --- requests, meetings ----------------------------------------------------------------------


def coming_profiles(*, event: Event, viewer):
    """Confirmed registrants `viewer` may see (not themselves), with offers and seeks."""
    return (
        Profile.objects.visible_to(viewer)
        .filter(
            user__event_registrations__event=event,
            user__event_registrations__status=Registration.Status.CONFIRMED,
        )
        .exclude(user_id=viewer.pk)
        .select_related("company")
        .prefetch_related("offers", "seeks")
        .order_by("display_name", "pk")
        .distinct()
    )


def my_request_targets(*, event: Event, user) -> set[int]:
    return set(
        MeetingRequest.objects.filter(event=event, requester=user).values_list(
            "target_id", flat=True
        )
    )


@dataclass
class MetGroup:
    event: Event
    people: list[tuple[int, Person]]  # (round, person)


def who_i_met(*, user) -> list[MetGroup]:
    """My meetings, newest event first; others named only when I may see their profile."""
    rows = list(
        Meeting.objects.filter(Q(person_a=user) | Q(person_b=user))
        .select_related("event")
        .order_by("-met_on", "-event__start", "event_id", "round_number", "pk")
    )
    others = {m.person_b_id if m.person_a_id == user.pk else m.person_a_id for m in rows}
    names = people(others, viewer=user, details=True)
    groups: dict[int, MetGroup] = {}
    for m in rows:
        other = m.person_b_id if m.person_a_id == user.pk else m.person_a_id
        group = groups.setdefault(m.event_id, MetGroup(m.event, []))
        group.people.append((m.round_number, names[other]))
    return list(groups.values())


def met_user_ids(user):
    """The people `user` met, as two lazy querysets of user ids (subqueries, no query)."""
    return [
        Meeting.objects.filter(person_a_id=user.pk).values("person_b_id"),
        Meeting.objects.filter(person_b_id=user.pk).values("person_a_id"),
    ]


def met_at_events(*, event_ids: Iterable[int], user, viewer) -> dict[int, list[Person]]:
    """{event id: whom `user` met there}, named as `viewer` may see them: two queries."""
    ids = list(event_ids)
    if not ids:
        return {}
    rows = Meeting.objects.filter(Q(person_a=user) | Q(person_b=user), event_id__in=ids)
    met: dict[int, set[int]] = defaultdict(set)
    for event_id, a, b in rows.values_list("event_id", "person_a_id", "person_b_id"):
        met[event_id].add(b if a == user.pk else a)
    names = people({u for others in met.values() for u in others}, viewer=viewer)
    return {
        event_id: sorted((names[u] for u in others), key=lambda p: (p.name.casefold(), p.user_id))
        for event_id, others in met.items()
    }


def met_at_event(*, event: Event, user, viewer) -> list[Person]:
    """Whom `user` met at `event`, named as `viewer` may see them."""
    return met_at_events(event_ids=[event.pk], user=user, viewer=viewer).get(event.pk, [])


def meetings_by_event(event_ids: Iterable[int]) -> dict[int, int]:
    """{event id: meetings held there} in one query."""
    from django.db.models import Count

    rows = (
        Meeting.objects.filter(event_id__in=list(event_ids))
        .values("event_id")
        .annotate(n=Count("pk"))
    )
    return {row["event_id"]: row["n"] for row in rows}


__all__ = [
    "MetGroup",
    "MyRound",
    "coming_profiles",
    "is_registrant",
    "meetings_by_event",
    "met_at_event",
    "met_at_events",
    "met_user_ids",
    "my_request_targets",
    "my_round",
    "who_i_met",
]
