"""Reads of the collaboration ledger: lists, panels, and the micro-economy dashboard.

The dashboard is aggregated in the database with a fixed number of queries whatever the size
of the ledger, for two audiences: the public (anonymous visitors) and members. Its figures
count every confirmed collaboration, participants-only ones included; names, edges and
event titles come only from what the audience may see, and hidden profiles never appear.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from itertools import combinations
from types import SimpleNamespace

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, QuerySet, Sum, Window
from django.db.models.functions import ExtractYear
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from events.models import Event, EventKind, Registration
from members.models import Company, Profile, Visibility

from .models import Collaboration, Participant

# Stand-ins for "someone anonymous" and "any member": the dashboard is the same for every
# member, so it is computed (and cached) once per audience, not once per person.
PUBLIC = SimpleNamespace(is_authenticated=False, is_staff=False, pk=None)
MEMBER = SimpleNamespace(is_authenticated=True, is_staff=False, pk=None)

GRAPH_NODE_LIMIT = 60
TOP_LIMIT = 8


def audience_of(user):
    return MEMBER if user is not None and user.is_authenticated else PUBLIC


def visible_profiles(user) -> QuerySet[Profile]:
    """Profiles that may be named to `user`; hidden ones never, not even to staff or self."""
    return Profile.objects.visible_to(user).exclude(visibility=Visibility.HIDDEN)


def participants_prefetch(user) -> Prefetch:
    """Participants with `shown_profile` set only where the viewer may see the member."""
    return Prefetch(
        "participants",
        queryset=Participant.objects.select_related("company", "user__profile")
        .annotate(
            profile_visible=Exists(
                Profile.objects.visible_to(user).filter(user_id=OuterRef("user_id"))
            )
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
    return (
        qs.select_related("origin_event__kind", "space", "chapter")
        .prefetch_related(participants_prefetch(user))
        .order_by("-start_date", "-pk")
    )


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
    """My participations still waiting for my answer."""
    return (
        Participant.objects.filter(
            user_id=user.pk,
            state=Participant.State.PENDING,
            collaboration__status=Collaboration.Status.PROPOSED,
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
    """A company's confirmed collaborations: as a party, or through its members' profiles."""
    members = Profile.objects.filter(company=company).values("user_id")
    return list(
        Collaboration.objects.listed_for(viewer)
        .filter(Q(participants__company=company) | Q(participants__user_id__in=members))
        .select_related("origin_event__kind")
        .prefetch_related(participants_prefetch(viewer))
        .order_by("-start_date", "-pk")
        .distinct()[:limit]
    )


def collaborations_started_at_count(event_ids) -> dict[int, int]:
    """{event id: number of confirmed collaborations that began there} (one query)."""
    rows = (
        Collaboration.objects.confirmed()
        .filter(origin_event_id__in=list(event_ids))
        .values("origin_event_id")
        .annotate(n=Count("pk"))
    )
    return {row["origin_event_id"]: row["n"] for row in rows}


def events_attended_by(*, user, now=None) -> QuerySet[Event]:
    """Events `user` attended: a confirmed registration or a check-in, and it has started."""
    now = now or timezone.now()
    attended = Registration.objects.filter(user_id=user.pk).filter(
        Q(status=Registration.Status.CONFIRMED) | Q(checked_in_at__isnull=False)
    )
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


# ---------------------------------------------------------------------------------------------
# The dashboard


@dataclass
class Figure:
    key: str
    label: str
    count: int
    volume: Decimal

    @property
    def volume_int(self) -> int:
        return int(self.volume or 0)


GRAPH_URL_NAMES = {"member": "members:profile", "company": "members:company"}
SLUG_MARK = "__slug__"


def _url_pattern(name: str) -> str:
    return reverse(name, kwargs={"slug": SLUG_MARK})


def _graph(audience) -> dict:
    """Members and companies linked by confirmed collaborations the audience may see.

    Participants-only collaborations are never edges, and a member whose profile the audience
    may not see (or that is hidden) is never a node. Three queries: the busiest parties, the
    names of the members among them the audience may see, the participations linking them.
    """
    shown = (
        [Collaboration.Visibility.PUBLIC]
        if not audience.is_authenticated
        else [Collaboration.Visibility.PUBLIC, Collaboration.Visibility.MEMBERS]
    )
    eligible = Collaboration.objects.confirmed().filter(visibility__in=shown)
    parts = Participant.objects.filter(collaboration__in=eligible).exclude(
        user__isnull=True, company__isnull=True, organisation=""
    )
    # The busiest parties first (no join to people: cheap), then the names of those members
    # the audience may see; the others are simply left out.
    # Grouped on the participant's own columns (integers and a short name): the company's
    # name and slug ride along as MIN() of a constant instead of widening the group key.
    ranked = list(
        parts.values("user_id", "company_id", "organisation")
        .annotate(
            n=Count("pk"),  # one row per party and collaboration: no DISTINCT needed
            company_name=Min("company__name"),
            company_slug=Min("company__slug"),
            # How many parties have a collaboration the audience may see, counted in the same
            # pass (the window runs over the groups), for the "N most connected of M" note.
            parties=Window(Count("*")),
        )
        .order_by("-n", "user_id", "company_id", "organisation")[: GRAPH_NODE_LIMIT * 3]
    )
    profiles = {
        p["user_id"]: p
        for p in visible_profiles(audience)
        .filter(user_id__in=[r["user_id"] for r in ranked if r["user_id"]])
        .values("user_id", "display_name", "slug")
    }
    nodes: dict[str, dict] = {}
    for row in ranked:
        if row["user_id"]:
            profile = profiles.get(row["user_id"])
            if profile is None:
                continue  # hidden, or not visible to this audience: never a node
            key, label, kind = f"u{row['user_id']}", profile["display_name"], "member"
            slug = profile["slug"]
        elif row["company_id"]:
            key, label, kind = f"c{row['company_id']}", row["company_name"], "company"
            slug = row["company_slug"]
        else:
            key, label, kind = f"o:{row['organisation'].casefold()}", row["organisation"], "org"
            slug = ""
        node = nodes.setdefault(key, {"id": key, "label": label, "kind": kind, "url": slug, "n": 0})
        node["n"] += row["n"]
    chosen = sorted(nodes.values(), key=lambda n: (-n["n"], n["label"]))[:GRAPH_NODE_LIMIT]
    # reverse() costs tens of microseconds: once per kind, not once per ranked row.
    url_of = {kind: _url_pattern(name) for kind, name in GRAPH_URL_NAMES.items()}
    for node in chosen:
        node["url"] = url_of[node["kind"]].replace(SLUG_MARK, node["url"]) if node["url"] else ""
    keys = {n["id"] for n in chosen}
    user_ids = [int(k[1:]) for k in keys if k.startswith("u")]
    company_ids = [int(k[1:]) for k in keys if k.startswith("c")]
    orgs = [n["label"] for n in chosen if n["kind"] == "org"]
    by_collab: dict[int, set[str]] = defaultdict(set)
    if keys:
        linked = parts.filter(
            Q(user_id__in=user_ids)
            | Q(user__isnull=True, company_id__in=company_ids)
            | Q(user__isnull=True, company__isnull=True, organisation__in=orgs)
        ).values_list("collaboration_id", "user_id", "company_id", "organisation")
        for collab_id, user_id, company_id, organisation in linked:
            if user_id:
                key = f"u{user_id}"
            elif company_id:
                key = f"c{company_id}"
            else:
                key = f"o:{organisation.casefold()}"
            if key in keys:
                by_collab[collab_id].add(key)
    weights: dict[tuple[str, str], int] = defaultdict(int)
    for members in by_collab.values():
        for a, b in combinations(sorted(members), 2):
            weights[(a, b)] += 1
    edges = [{"a": a, "b": b, "w": w} for (a, b), w in sorted(weights.items())]
    linked_keys = {e["a"] for e in edges} | {e["b"] for e in edges}
    chosen = [n for n in chosen if n["id"] in linked_keys]
    return {"nodes": chosen, "edges": edges, "parties": ranked[0]["parties"] if ranked else 0}


def dashboard_compute(audience) -> dict:
    """Every figure of the dashboard for one audience, in a fixed number of queries."""
    confirmed = Collaboration.objects.confirmed()
    by_year = list(
        confirmed.annotate(year=ExtractYear("start_date"))
        .values("year")
        .annotate(n=Count("pk"), volume=Sum("value_eur"))
        .order_by("year")
    )
    by_kind = list(
        confirmed.values("kind").annotate(n=Count("pk"), volume=Sum("value_eur")).order_by("-n")
    )
    # Grouped on integer keys; names come from the tiny event kinds table (one query) or ride
    # along as MIN() of a value constant within the group, which keeps the hash keys narrow.
    event_kinds = {k.pk: k for k in EventKind.objects.all()}
    by_origin = list(
        confirmed.values("origin_type", "origin_event__kind_id")
        .annotate(n=Count("pk"), volume=Sum("value_eur"))
        .order_by("-n")
    )
    top_events = list(
        confirmed.filter(origin_event__in=Event.objects.visible_to(audience))
        .values("origin_event_id")
        .annotate(
            n=Count("pk"),
            volume=Sum("value_eur"),
            title=Min("origin_event__title"),
            start=Min("origin_event__start"),
            kind_id=Min("origin_event__kind_id"),
        )
        .order_by("-n", "-volume", "-start")[:TOP_LIMIT]
    )
    # Speed-networking sessions: meetings held there, beside the collaborations born (1 query).
    from events.speed_networking.selectors import meetings_by_event

    meetings = meetings_by_event(r["origin_event_id"] for r in top_events)
    # The busiest introducers by id first (no join to people), then the names of those the
    # audience may see.
    introducer_counts = list(
        confirmed.filter(introduced_by__isnull=False)
        .values("introduced_by_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "introduced_by_id")[: TOP_LIMIT * 3]
    )
    introducer_names = {
        p["user_id"]: p
        for p in visible_profiles(audience)
        .filter(user_id__in=[r["introduced_by_id"] for r in introducer_counts])
        .values("user_id", "display_name", "slug")
    }
    by_place = list(
        confirmed.values("space_id", "chapter_id")
        .annotate(
            n=Count("pk"),
            volume=Sum("value_eur"),
            space_name=Min("space__name"),
            space_city=Min("space__city"),
            chapter_name=Min("chapter__name"),
        )
        .order_by("-n")
    )
    people = Participant.objects.filter(
        collaboration__status=Collaboration.Status.CONFIRMED
    ).aggregate(
        members=Count("user", distinct=True),
        companies=Count("company", distinct=True),
    )

    kinds = dict(Collaboration.Kind.choices)
    origins = dict(Collaboration.Origin.choices)
    origin_figures: dict[str, Figure] = {}
    for row in by_origin:
        kind = event_kinds.get(row["origin_event__kind_id"])
        if row["origin_type"] == Collaboration.Origin.EVENT and kind is not None:
            key, label = kind.slug, kind.name
        else:
            key, label = row["origin_type"], str(origins.get(row["origin_type"], ""))
        fig = origin_figures.setdefault(key, Figure(key, label, 0, Decimal(0)))
        fig.count += row["n"]
        fig.volume += row["volume"] or 0
    place_figures = []
    for row in by_place:
        if row["chapter_name"]:
            label = row["chapter_name"]
        elif row["space_name"]:
            label = f"{row['space_name']} ({row['space_city']})"
        else:
            label = "—"
        place_figures.append(Figure(label, label, row["n"], row["volume"] or Decimal(0)))
    return {
        "total": sum(r["n"] for r in by_year),
        "volume": sum((r["volume"] or Decimal(0)) for r in by_year),
        "members": people["members"],
        "companies": people["companies"],
        "from_events": sum(
            f.count for k, f in origin_figures.items() if k not in origins or k == "event"
        ),
        "by_year": [
            Figure(str(r["year"]), str(r["year"]), r["n"], r["volume"] or Decimal(0))
            for r in by_year
        ],
        "by_kind": [
            Figure(r["kind"], str(kinds.get(r["kind"], r["kind"])), r["n"], r["volume"] or 0)
            for r in by_kind
        ],
        "by_origin": sorted(origin_figures.values(), key=lambda f: (-f.count, f.label)),
        "top_events": [
            {
                "pk": r["origin_event_id"],
                "title": r["title"],
                "start": r["start"],
                "kind": event_kinds[r["kind_id"]].name if r["kind_id"] in event_kinds else "",
                "count": r["n"],
                "volume": r["volume"] or Decimal(0),
                "meetings": meetings.get(r["origin_event_id"], 0),
            }
            for r in top_events
        ],
        "introducers": [
            {
                "name": introducer_names[r["introduced_by_id"]]["display_name"],
                "slug": introducer_names[r["introduced_by_id"]]["slug"],
                "count": r["n"],
            }
            for r in introducer_counts
            if r["introduced_by_id"] in introducer_names
        ][:TOP_LIMIT],
        "by_place": place_figures,
        "graph": _graph(audience),
    }


def dashboard_cache_key(user) -> str:
    """Names one version of the dashboard for `user`'s audience and language."""
    from .services import DASHBOARD_VERSION_KEY

    version = cache.get(DASHBOARD_VERSION_KEY) or 1
    lang = (get_language() or "en")[:2]
    who = "members" if audience_of(user).is_authenticated else "public"
    return f"v{version}:{who}:{lang}"


def dashboard_cache_seconds() -> int:
    return int(getattr(settings, "COLLABORATIONS_DASHBOARD_CACHE", 300))


def dashboard_data(*, user) -> dict:
    """The dashboard for `user`'s audience; cached when COLLABORATIONS_DASHBOARD_CACHE > 0.

    The cache key carries a version bumped (on commit) by every change that can move a
    confirmed figure, so a confirmation shows at once; the timeout bounds how long a profile
    that was just hidden could still be named.
    """
    audience = audience_of(user)
    timeout = dashboard_cache_seconds()
    if not timeout:
        return dashboard_compute(audience)
    key = f"collaborations:dashboard:{dashboard_cache_key(user)}"
    data = cache.get(key)
    if data is None:
        data = dashboard_compute(audience)
        cache.set(key, data, timeout)
    return data
