"""The plan as pages show it: people named only to viewers who may see their profile (the
room's audience for projector and print), rounds and tables, each person's schedule, who is
still there and who left."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from members.models import Profile, Visibility
from members.rules import profile_visible_to

from ...models import (
    Event,
    NetworkingSession,
    Registration,
    Round,
    Seat,
)
from ...selectors import check_in_registrations
from .planning import session_of  # noqa: F401


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
GUESTS_IN_ROOM = "room-with-guests"  # ...and guests without an account: anyone
EVERYONE = "everyone"  # trusted callers (the management command): every name


def _visible(profile: Profile | None, viewer) -> bool:
    if profile is None:
        return False
    if viewer == EVERYONE:
        return True
    if viewer == ROOM:
        return profile.visibility != Visibility.HIDDEN
    if viewer == GUESTS_IN_ROOM:
        return profile.visibility == Visibility.PUBLIC
    return profile_visible_to(profile, viewer)


def room_audience(event: Event) -> str:
    """Who reads the pages shown to the room (projector, printed plan): the members in it
    (ROOM) — or, once a guest without an account is checked in, anyone (GUESTS_IN_ROOM).

    A profile shown to members only is then "a member", as a hidden one always is: a guest
    reads the wall too, and that profile's owner did not agree to be named to guests. Its
    owner loses nothing they need — their own table is on their phone ("my round"), named
    to them. A first name alone was considered and not chosen: a first name with a table
    still tells a guest who is in the room. One query."""
    guests = Registration.objects.filter(
        event=event,
        user__isnull=True,
        status=Registration.Status.CONFIRMED,
        checked_in_at__isnull=False,
    )
    return GUESTS_IN_ROOM if guests.exists() else ROOM


def people(user_ids: Iterable[int], *, viewer, details: bool = False) -> dict[int, Person]:
    """{user id: Person} as `viewer` (a user, ROOM or GUESTS_IN_ROOM) may see them; one
    query (two with `details`: headline and offers)."""
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


def unlisted_arrivals(*, event: Event, session: NetworkingSession | None, viewer) -> list[int]:
    """Members checked in (confirmed) whom `viewer` may not see at the door — a private
    profile, checked in by staff — who are neither seated in the rounds to come nor gone: the
    run page counts them (never names them) and seats them all at once. Two queries."""
    listed = check_in_registrations(event=event, viewer=viewer).filter(user__isnull=False)
    ids = (
        Registration.objects.filter(
            event=event,
            status=Registration.Status.CONFIRMED,
            checked_in_at__isnull=False,
            user__isnull=False,
        )
        .exclude(user_id__in=listed.values("user_id"))
        .values_list("user_id", flat=True)
    )
    return sorted(set(ids) - remaining_user_ids(session) - departed_user_ids(session))


def profiles_of(user_ids: Iterable[int]):
    """The profiles of these users, with what a visibility check needs (one query)."""
    return Profile.objects.filter(user_id__in=list(user_ids)).only(
        "pk", "user_id", "slug", "display_name", "visibility"
    )


# --- a participant's phone -------------------------------------------------------------------

__all__ = [
    "EVERYONE",
    "GUESTS_IN_ROOM",
    "ROOM",
    "Person",
    "RoundView",
    "TableView",
    "_visible",
    "departed_user_ids",
    "people",
    "person_schedule",
    "profiles_of",
    "remaining_user_ids",
    "room_audience",
    "rounds_view",
    "unlisted_arrivals",
]
