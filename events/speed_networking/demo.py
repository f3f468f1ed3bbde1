"""The speed-networking part of the demo world (idempotent: re-seeding changes nothing).

- The past Speed Networking evening (`speed-networking-autumn`, from events/demo.py): its
  checked-in members played six rounds planned by the real planner, so its meetings are
  remembered; the collaborations that began there (collaborations/demo/, seeded before) are
  between people who sat together — they had asked to meet, and the planner honours mutual
  requests first.
- The upcoming one (`speed-networking-winter`): a few "I'd like to meet" requests among the
  people registered.

Runs after the collaborations seeder (order 60), through the services as a trusted caller.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import combinations

from django.utils import timezone

from members.demo import register_demo_seeder
from members.models import Visibility

from ..models import Event, Meeting, MeetingRequest, NetworkingSession, Registration
from . import selectors, services

PAST_SLUG = "speed-networking-autumn"
NEXT_SLUG = "speed-networking-winter"
ROUNDS = 6
ROUND_MINUTES = 6
# (requester index, target index) among the upcoming evening's visible registrants, by email.
UPCOMING_REQUESTS = [(0, 1), (1, 0), (2, 5), (3, 2), (4, 2), (6, 7), (8, 3)]


def _collaboration_pairs(event: Event) -> set[tuple[int, int]]:
    """Member pairs of the collaborations that began at `event` (any status)."""
    from django.apps import apps

    participant = apps.get_model("collaborations", "Participant")
    members: dict[int, set[int]] = {}
    rows = participant.objects.filter(
        collaboration__origin_event=event, user__isnull=False
    ).values_list("collaboration_id", "user_id")
    for collab_id, user_id in rows:
        members.setdefault(collab_id, set()).add(user_id)
    return {pair for people in members.values() for pair in combinations(sorted(people), 2)}


def _seed_past(event: Event, log) -> None:
    session = NetworkingSession.objects.filter(event=event).first()
    if session is not None and session.finished_at is not None:
        return  # the evening happened once
    if session is not None:  # an interrupted seeding: start again
        session.delete()
        Meeting.objects.filter(event=event).delete()
    present = set(selectors.attendance(event).people)
    wanted = {p for p in _collaboration_pairs(event) if set(p) <= present}
    for a, b in sorted(wanted):
        for requester, target in ((a, b), (b, a)):
            MeetingRequest.objects.get_or_create(
                event=event, requester_id=requester, target_id=target
            )
    services.networking_plan(event=event, actor=None, rounds=ROUNDS, round_minutes=ROUND_MINUTES)
    start = event.start + timedelta(minutes=15)
    for n in range(ROUNDS):
        at = start + timedelta(minutes=n * (ROUND_MINUTES + 2))
        services.networking_round_start(event=event, actor=None, now=at)
    services.networking_finish(
        event=event, actor=None, now=start + timedelta(minutes=ROUNDS * (ROUND_MINUTES + 2))
    )
    met = set(Meeting.objects.filter(event=event).values_list("person_a_id", "person_b_id"))
    missing = wanted - met
    log(
        f"  speed networking: {len(present)} people, {ROUNDS} rounds, {len(met)} meetings at "
        f"{event.title}; {len(wanted) - len(missing)} of {len(wanted)} collaboration pairs met"
    )


def _seed_requests(event: Event, log) -> None:
    people = list(
        Registration.objects.filter(
            event=event,
            status=Registration.Status.CONFIRMED,
            user__isnull=False,
        )
        .exclude(user__profile__visibility=Visibility.HIDDEN)
        .order_by("user__email")
        .values_list("user_id", flat=True)
    )
    made = 0
    for i, j in UPCOMING_REQUESTS:
        if max(i, j) < len(people):
            _, created = MeetingRequest.objects.get_or_create(
                event=event, requester_id=people[i], target_id=people[j]
            )
            made += created
    log(f"  speed networking: {made} new requests for {event.title}")


def speed_networking_demo_seed(world=None) -> None:
    """Seed the past evening's rounds and meetings and the upcoming one's requests."""
    log = world.log if world is not None else (lambda _message: None)
    past = Event.objects.select_related("kind").filter(slug=PAST_SLUG).first()
    if past is not None and past.end < timezone.now():
        _seed_past(past, log)
    upcoming = Event.objects.select_related("kind").filter(slug=NEXT_SLUG).first()
    if upcoming is not None:
        _seed_requests(upcoming, log)


register_demo_seeder(
    order=60, name="speed networking: rounds, meetings, requests", seed=speed_networking_demo_seed
)
