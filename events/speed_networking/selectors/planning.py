"""What the planner is given: who comes, who already knows whom (meetings, and what other apps
register, e.g. collaborations), colleagues, wishes, and the rounds already played — read in a
constant number of queries whatever the number of people (`plan_request`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from members.models import Profile

from ...models import (
    Event,
    Meeting,
    MeetingRequest,
    NetworkingSession,
    Registration,
    Seat,
)
from ..planner import PlanRequest

# History weights: a meeting counts 1 when it happened today, halving every year (never below
# a quarter: people who met once still know each other); working together counts more.
MEETING_WEIGHT = 1.0
MEETING_HALF_LIFE_DAYS = 365
MEETING_FLOOR = 0.25
COLLABORATION_WEIGHT = 3.0

KIND_SLUG = "speed-networking"

# A history source: (user ids) -> iterable of (user id, user id, weight). `collaborations`
# registers one for confirmed collaborations (events never imports it).
HistorySource = Callable[[frozenset[int]], Iterable[tuple[int, int, float]]]
_history_sources: list[HistorySource] = []


def register_history_source(source: HistorySource) -> None:
    """Add pairs the planner should treat as "already know each other" (meet late, or never
    when there are enough other people). Called from an AppConfig.ready()."""
    if source not in _history_sources:
        _history_sources.append(source)


def is_speed_networking(event: Event) -> bool:
    return event.kind.slug == KIND_SLUG


def session_of(event: Event) -> NetworkingSession | None:
    return NetworkingSession.objects.filter(event=event).first()


# --- the planner's inputs --------------------------------------------------------------------


@dataclass
class Attendance:
    """Who can be seated: checked-in members (ids), and guests left out (no account)."""

    people: list[int]
    guests: int


def attendance(event: Event) -> Attendance:
    rows = Registration.objects.filter(
        event=event, status=Registration.Status.CONFIRMED, checked_in_at__isnull=False
    ).values_list("user_id", flat=True)
    ids = list(rows)
    people = sorted({i for i in ids if i is not None})
    return Attendance(people=people, guests=sum(1 for i in ids if i is None))


def planner_history(
    *, event: Event, people: Collection[int], today: date | None = None
) -> dict[frozenset[int], float]:
    """pair -> weight for pairs that met at earlier sessions or work together."""
    today = today or timezone.localdate()
    ids = frozenset(people)
    weights: dict[frozenset[int], float] = defaultdict(float)
    met = (
        Meeting.objects.filter(person_a_id__in=ids, person_b_id__in=ids)
        .exclude(event=event)
        .values_list("person_a_id", "person_b_id", "met_on")
    )
    for a, b, met_on in met:
        age = max((today - met_on).days, 0)
        decay = 0.5 ** (age / MEETING_HALF_LIFE_DAYS)
        weights[frozenset((a, b))] += MEETING_WEIGHT * max(decay, MEETING_FLOOR)
    for source in _history_sources:
        for a, b, weight in source(ids):
            if a != b and a in ids and b in ids:
                weights[frozenset((a, b))] += weight
    return dict(weights)


def planner_companies(people: Collection[int]) -> dict[int, int]:
    return dict(
        Profile.objects.filter(user_id__in=list(people), company_id__isnull=False).values_list(
            "user_id", "company_id"
        )
    )


def planner_requests(event: Event, people: Collection[int]) -> frozenset[tuple[int, int]]:
    ids = list(people)
    return frozenset(
        MeetingRequest.objects.filter(
            event=event, requester_id__in=ids, target_id__in=ids
        ).values_list("requester_id", "target_id")
    )


def planner_matches(people: Collection[int]) -> frozenset[frozenset[int]]:
    """Pairs where one offers what the other seeks (two queries, whatever the size)."""
    ids = list(people)
    offers, seeks = defaultdict(set), defaultdict(set)
    for table, into in ((Profile.offers.through, offers), (Profile.seeks.through, seeks)):
        for user_id, term_id in table.objects.filter(profile__user_id__in=ids).values_list(
            "profile__user_id", "term_id"
        ):
            into[term_id].add(user_id)
    pairs = set()
    for term_id, offering in offers.items():
        for a in offering:
            for b in seeks.get(term_id, ()):
                if a != b:
                    pairs.add(frozenset((a, b)))
    return frozenset(pairs)


def played_rounds(session: NetworkingSession | None) -> tuple[tuple[tuple[int, ...], ...], ...]:
    """The tables of the rounds already started, in order (they never change)."""
    if session is None or session.pk is None:
        return ()
    seats = (
        Seat.objects.filter(round__session=session, round__started_at__isnull=False)
        .order_by("round__number", "table", "user_id")
        .values_list("round__number", "table", "user_id")
    )
    return _as_rounds(seats)


def planned_rounds(session: NetworkingSession) -> list[list[tuple[int, ...]]]:
    """Every round's tables, played first (as the planner's `Plan.rounds`): two queries."""
    numbers = session.rounds.order_by("number").values_list("number", flat=True)
    grouped: dict[int, dict[int, list[int]]] = {n: defaultdict(list) for n in numbers}
    seats = Seat.objects.filter(round__session=session).order_by("table", "user_id")
    for number, table, user_id in seats.values_list("round__number", "table", "user_id"):
        grouped[number][table].append(user_id)
    return [[tuple(g[t]) for t in sorted(g)] for _n, g in sorted(grouped.items())]


def _as_rounds(seats) -> tuple[tuple[tuple[int, ...], ...], ...]:
    rounds: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for number, table, user_id in seats:
        rounds[number][table].append(user_id)
    return tuple(tuple(tuple(rounds[n][t]) for t in sorted(rounds[n])) for n in sorted(rounds))


def plan_request(
    *,
    event: Event,
    people: Collection[int],
    rounds: int,
    table_size: int,
    played: tuple = (),
) -> PlanRequest:
    """Everything the planner needs for `event`, read in a fixed number of queries."""
    people = tuple(sorted(people))
    return PlanRequest(
        people=people,
        rounds=rounds,
        table_size=table_size,
        history=planner_history(event=event, people=people),
        companies=planner_companies(people),
        requests=planner_requests(event, people),
        matches=planner_matches(people),
        played=played,
        seed=event.pk,
    )


# --- people as pages show them -------------------------------------------------------------

__all__ = [
    "COLLABORATION_WEIGHT",
    "KIND_SLUG",
    "MEETING_FLOOR",
    "MEETING_HALF_LIFE_DAYS",
    "MEETING_WEIGHT",
    "Attendance",
    "HistorySource",
    "_as_rounds",
    "_history_sources",
    "attendance",
    "is_speed_networking",
    "plan_request",
    "planned_rounds",
    "planner_companies",
    "planner_history",
    "planner_matches",
    "planner_requests",
    "played_rounds",
    "register_history_source",
    "session_of",
]
