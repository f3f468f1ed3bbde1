"""Reads for speed networking: what the planner is given, and the plan as each page shows it.

Privacy: a person is named only to a viewer who may see their profile (`members.view_profile`);
otherwise they are "a member" with no link. Pages shown to the whole room (the projector, the
printed plan) use the room's audience — any member — whoever is logged in at the laptop, so a
hidden profile is never put on a wall, even by staff.

The planner's inputs (`plan_request`) are read in a constant number of queries whatever the
number of people; so are the pages' data (`rounds_view`, `my_round`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import Profile, Visibility
from members.rules import profile_visible_to

from ..models import (
    Event,
    Meeting,
    MeetingRequest,
    NetworkingSession,
    Registration,
    Round,
    Seat,
)
from .planner import PlanRequest

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


@dataclass
class Person:
    user_id: int
    name: str
    slug: str | None = None  # None: the viewer may not see this profile
    url: str = ""
    headline: str = ""
    offers: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """ "Léa Dubois — web designer, offers web design" (what the viewer may see)."""
        details = [d for d in (self.headline,) if d]
        if self.offers:
            details.append(_("offers %(terms)s") % {"terms": ", ".join(self.offers)})
        return f"{self.name} — {', '.join(details)}" if details else self.name


ROOM = "room"  # the audience of pages shown to the room: any member
EVERYONE = "everyone"  # trusted callers (the management command): every name


def _visible(profile: Profile | None, viewer) -> bool:
    if profile is None:
        return False
    if viewer == EVERYONE:
        return True
    if viewer == ROOM:
        return profile.visibility != Visibility.HIDDEN
    return profile_visible_to(profile, viewer)


def people(user_ids: Iterable[int], *, viewer, details: bool = False) -> dict[int, Person]:
    """{user id: Person} as `viewer` (a user, or ROOM) may see them; one query (two with
    `details`: headline and offers)."""
    ids = list(set(user_ids))
    qs = Profile.objects.filter(user_id__in=ids).only(
        "pk", "user_id", "slug", "display_name", "visibility", "headline", "job_title"
    )
    if details:
        qs = qs.prefetch_related("offers")
    out = {}
    for profile in qs:
        if not _visible(profile, viewer):
            continue
        out[profile.user_id] = Person(
            user_id=profile.user_id,
            name=profile.display_name,
            slug=profile.slug,
            url=profile.get_absolute_url(),
            headline=(profile.headline or profile.job_title) if details else "",
            offers=[t.label() for t in profile.offers.all()][:3] if details else [],
        )
    for user_id in ids:
        out.setdefault(user_id, Person(user_id=user_id, name=_("a member")))
    return out


@dataclass
class TableView:
    number: int
    people: list[Person]


@dataclass
class RoundView:
    number: int
    started_at: object
    tables: list[TableView]

    @property
    def is_played(self) -> bool:
        return self.started_at is not None


def rounds_view(session: NetworkingSession | None, *, viewer) -> list[RoundView]:
    """Every round with its tables and named people: two queries."""
    if session is None:
        return []
    rounds = list(
        Round.objects.filter(session=session)
        .order_by("number")
        .prefetch_related(Prefetch("seats", queryset=Seat.objects.order_by("table", "user_id")))
    )
    names = people((s.user_id for r in rounds for s in r.seats.all()), viewer=viewer)
    out = []
    for r in rounds:
        tables: dict[int, list[Person]] = defaultdict(list)
        for seat in r.seats.all():
            tables[seat.table].append(names[seat.user_id])
        out.append(
            RoundView(r.number, r.started_at, [TableView(t, tables[t]) for t in sorted(tables)])
        )
    return out


def person_schedule(rounds: list[RoundView]) -> list[dict]:
    """Per person: round → table and partners (the printed plan's second part), by name."""
    rows: dict[int, dict] = {}
    for r in rounds:
        for table in r.tables:
            for person in table.people:
                row = rows.setdefault(person.user_id, {"person": person, "rounds": {}})
                row["rounds"][r.number] = {
                    "table": table.number,
                    "with": [p for p in table.people if p.user_id != person.user_id],
                }
    numbers = [r.number for r in rounds]
    out = []
    for row in sorted(
        rows.values(), key=lambda x: (x["person"].name.casefold(), x["person"].user_id)
    ):
        row["cells"] = [row["rounds"].get(n) for n in numbers]
        out.append(row)
    return out


def remaining_user_ids(session: NetworkingSession | None) -> set[int]:
    """People seated in at least one round not yet played."""
    if session is None:
        return set()
    return set(
        Seat.objects.filter(round__session=session, round__started_at__isnull=True).values_list(
            "user_id", flat=True
        )
    )


def departed_user_ids(session: NetworkingSession | None) -> set[int]:
    """People who left the evening (recorded by `networking_leave` among the notes)."""
    if session is None:
        return set()
    return {n["params"]["user"] for n in session.warnings if n.get("code") == "left"}


def profiles_of(user_ids: Iterable[int]):
    """The profiles of these users, with what a visibility check needs (one query)."""
    return Profile.objects.filter(user_id__in=list(user_ids)).only(
        "pk", "user_id", "slug", "display_name", "visibility"
    )


# --- a participant's phone -------------------------------------------------------------------


@dataclass
class MyRound:
    status: str  # "unplanned" | "upcoming" | "seated" | "not_seated" | "finished"
    number: int = 0
    total: int = 0
    table: int | None = None
    companions: list[Person] = field(default_factory=list)
    started_at: object = None
    minutes: int = 0


def my_round(*, event: Event, user) -> MyRound:
    """Where `user` sits now (or first, before the evening starts): four queries at most."""
    session = session_of(event)
    if session is None or session.generated_at is None:
        return MyRound("unplanned")
    numbers = list(session.rounds.values_list("number", flat=True))
    total = max(numbers, default=0)
    if session.finished_at is not None:
        return MyRound("finished", number=session.current_round, total=total)
    number = session.current_round or 1
    status = "seated" if session.current_round else "upcoming"
    seat = (
        Seat.objects.filter(round__session=session, round__number=number, user=user)
        .select_related("round")
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
        base.status = "not_seated" if total else "unplanned"
        return base
    others = Seat.objects.filter(round=seat.round, table=seat.table).exclude(user=user)
    found = people(others.values_list("user_id", flat=True), viewer=user, details=True)
    base.table = seat.table
    base.companions = sorted(found.values(), key=lambda p: (p.name.casefold(), p.user_id))
    return base


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
