"""The dashboard's network: members and companies linked by confirmed collaborations.

The busiest parties come from the running tallies (`DashboardTally`, one row per party and
audience), so no request scans the ledger: four small queries — the ranked parties, how many
there are, the names of the members among them the audience may see, and the participations
linking the chosen ones (bounded by GRAPH_NODE_LIMIT parties).
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import NullIf
from django.urls import reverse

from members.models import Company

from ..models import Collaboration, DashboardTally, Participant, organisation_key
from .ledger import visible_profiles

GRAPH_NODE_LIMIT = 60
GRAPH_URL_NAMES = {"member": "members:profile", "company": "members:company"}
SLUG_MARK = "__slug__"


def _url_pattern(name: str) -> str:
    return reverse(name, kwargs={"slug": SLUG_MARK})


def _party_tallies(audience):
    """The parties' tallies of the collaborations the audience may see (participants-only
    collaborations are never edges)."""
    dimension = (
        DashboardTally.Dimension.PARTY_MEMBERS
        if audience.is_authenticated
        else DashboardTally.Dimension.PARTY_PUBLIC
    )
    return DashboardTally.objects.filter(dimension=dimension, n__gt=0)


def _org_node_id(name: str) -> str:
    """An outside organisation's node: one per `organisation_key`, whatever its spelling."""
    return f"o:{organisation_key(name)}"


def _ranked(audience) -> tuple[list[dict], int]:
    """The busiest parties of the collaborations the audience may see, and how many there are."""
    tallies = _party_tallies(audience)
    company = Company.objects.filter(pk=OuterRef("company_id"))
    # Ties in the order PostgreSQL gave them when parties were grouped from the ledger:
    # members before companies before organisations (no id last).
    ranked = list(
        tallies.annotate(
            u=NullIf("user_id", 0),
            c=NullIf("company_id", 0),
            company_name=Subquery(company.values("name")[:1]),
            company_slug=Subquery(company.values("slug")[:1]),
        )
        .order_by("-n", F("u").asc(nulls_last=True), F("c").asc(nulls_last=True), "organisation")
        .values("user_id", "company_id", "organisation", "n", "company_name", "company_slug")[
            : GRAPH_NODE_LIMIT * 3
        ]
    )
    return ranked, tallies.count()


def _nodes(ranked: list[dict], audience) -> list[dict]:
    """The GRAPH_NODE_LIMIT busiest nodes the audience may see, with their page's URL."""
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
            key, label, kind = _org_node_id(row["organisation"]), row["organisation"], "org"
            slug = ""
        node = nodes.setdefault(key, {"id": key, "label": label, "kind": kind, "url": slug, "n": 0})
        node["n"] += row["n"]
    chosen = sorted(nodes.values(), key=lambda n: (-n["n"], n["label"]))[:GRAPH_NODE_LIMIT]
    # reverse() costs tens of microseconds: once per kind, not once per ranked row.
    url_of = {kind: _url_pattern(name) for kind, name in GRAPH_URL_NAMES.items()}
    for node in chosen:
        node["url"] = url_of[node["kind"]].replace(SLUG_MARK, node["url"]) if node["url"] else ""
    return chosen


def _edges(chosen: list[dict], audience) -> list[dict]:
    """Weighted links between the chosen nodes: the collaborations they share. A former
    member's row links nobody, not even the company they took part for (as in the tallies)."""
    shown = (
        [Collaboration.Visibility.PUBLIC]
        if not audience.is_authenticated
        else [Collaboration.Visibility.PUBLIC, Collaboration.Visibility.MEMBERS]
    )
    keys = {n["id"] for n in chosen}
    if not keys:
        return []
    user_ids = [int(k[1:]) for k in keys if k.startswith("u")]
    company_ids = [int(k[1:]) for k in keys if k.startswith("c")]
    orgs = []
    if any(n["kind"] == "org" for n in chosen):
        # Every spelling of the chosen organisations ("Acme Corp", "ACME CORP"), not only the
        # node's label: matched by `organisation_key` here, as the tallies and the nodes merge
        # them — a case-insensitive comparison in SQL differs between SQLite and PostgreSQL.
        spellings = (
            _party_tallies(audience).filter(user_id=0, company_id=0).exclude(organisation="")
        )
        orgs = [
            name
            for name in spellings.order_by().values_list("organisation", flat=True).distinct()
            if _org_node_id(name) in keys
        ]
    eligible = Collaboration.objects.confirmed().filter(visibility__in=shown)
    linked = (
        Participant.objects.filter(collaboration__in=eligible, former_member=False)
        .filter(
            Q(user_id__in=user_ids)
            | Q(user__isnull=True, company_id__in=company_ids)
            | Q(user__isnull=True, company__isnull=True, organisation__in=orgs)
        )
        .order_by()
        .values_list("collaboration_id", "user_id", "company_id", "organisation")
    )
    by_collab: dict[int, set[str]] = defaultdict(set)
    for collab_id, user_id, company_id, organisation in linked:
        if user_id:
            key = f"u{user_id}"
        elif company_id:
            key = f"c{company_id}"
        else:
            key = _org_node_id(organisation)
        if key in keys:
            by_collab[collab_id].add(key)
    weights: dict[tuple[str, str], int] = defaultdict(int)
    for members in by_collab.values():
        for a, b in combinations(sorted(members), 2):
            weights[(a, b)] += 1
    return [{"a": a, "b": b, "w": w} for (a, b), w in sorted(weights.items())]


def dashboard_graph(audience) -> dict:
    """Members and companies linked by confirmed collaborations the audience may see.

    A member whose profile the audience may not see (or that is hidden) is never a node.
    """
    ranked, parties = _ranked(audience)
    chosen = _nodes(ranked, audience)
    edges = _edges(chosen, audience)
    linked_keys = {e["a"] for e in edges} | {e["b"] for e in edges}
    chosen = [n for n in chosen if n["id"] in linked_keys]
    return {"nodes": chosen, "edges": edges, "parties": parties}
