"""The oracle: the dashboard computed from scratch by aggregating the ledger, exactly as the
page did before it read the running tallies (collaborations/selectors.py at 18e8e92), but
for outside organisations, since counted among "companies and organisations", and for former
members' rows, no longer parties of the network. The tallies must give the same figures after
any sequence of changes."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from itertools import combinations

from django.db.models import Count, Min, Q, Sum, Window
from django.db.models.functions import ExtractYear

from collaborations.models import Collaboration, Participant
from collaborations.selectors import Figure, visible_profiles
from collaborations.selectors.graph import GRAPH_URL_NAMES, SLUG_MARK, _url_pattern
from events.models import Event, EventKind

GRAPH_NODE_LIMIT = 60
TOP_LIMIT = 8


def graph_reference(audience) -> dict:
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
    parts = Participant.objects.filter(collaboration__in=eligible, former_member=False).exclude(
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


def dashboard_reference(audience) -> dict:
    """The dashboard as it was computed before the tallies: aggregated from the ledger."""
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
    confirmed_parties = Participant.objects.filter(
        collaboration__status=Collaboration.Status.CONFIRMED
    )
    people = confirmed_parties.aggregate(
        members=Count("user", distinct=True),
        companies=Count("company", distinct=True),
    )
    # Outside organisations count among "companies and organisations", once per name.
    people["companies"] += len(
        {
            name.strip().casefold()
            for name in confirmed_parties.filter(user__isnull=True, company__isnull=True)
            .exclude(organisation="")
            .values_list("organisation", flat=True)
        }
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
        "graph": graph_reference(audience),
    }
