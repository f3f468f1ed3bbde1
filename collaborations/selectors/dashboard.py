"""The micro-economy dashboard, read from the running tallies (`DashboardTally`).

The services keep the tallies equal to the ledger in the same transaction as every change
(`collaborations.services.summary`), so a request reads a few hundred small rows in a fixed
number of queries, whatever the size of the ledger, for two audiences: the public (anonymous
visitors) and members. Its figures count every confirmed collaboration, participants-only
ones included; names, edges and event titles come only from what the audience may see, and
hidden profiles never appear.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Case, Count, F, OuterRef, Subquery, Value, When
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language

from events.models import Event, EventKind
from members.models import Chapter, Space

from ..models import Collaboration, DashboardGeneration, DashboardSnapshot, DashboardTally
from .graph import dashboard_graph
from .ledger import audience_of, visible_profiles

DASHBOARD_VERSION_KEY = "collaborations:dashboard:version"
TOP_LIMIT = 8
D = DashboardTally.Dimension


@dataclass
class Figure:
    key: str
    label: str
    count: int
    volume: Decimal

    @property
    def volume_int(self) -> int:
        return int(self.volume or 0)


def _volume(row: dict) -> Decimal | None:
    """The summed value, or None when none of the collaborations has one (as SQL's SUM)."""
    return Decimal(row["volume_cents"]).scaleb(-2) if row["valued"] else None


def _tallies(*dimensions: str):
    return DashboardTally.objects.filter(dimension__in=dimensions, n__gt=0)


def _small_dimensions() -> dict[str, list[dict]]:
    """Years, kinds, origins and places, with the names they need (one query)."""
    event = Event.objects.filter(pk=OuterRef("event_id"))
    space = Space.objects.filter(pk=OuterRef("space_id"))
    rows = (
        _tallies(D.YEAR, D.KIND, D.ORIGIN, D.PLACE)
        .annotate(
            event_kind_id=Subquery(event.values("kind_id")[:1]),
            space_name=Subquery(space.values("name")[:1]),
            space_city=Subquery(space.values("city")[:1]),
            chapter_name=Subquery(
                Chapter.objects.filter(pk=OuterRef("chapter_id")).values("name")[:1]
            ),
        )
        .order_by(
            "dimension", "-n", "year", "kind", "origin_type", "event_id", "space_id", "chapter_id"
        )
        .values()
    )
    out: dict[str, list[dict]] = {D.YEAR: [], D.KIND: [], D.ORIGIN: [], D.PLACE: []}
    for row in rows:
        row["volume"] = _volume(row)
        out[row["dimension"]].append(row)
    out[D.YEAR].sort(key=lambda r: r["year"])
    return out


def _origin_figures(rows: list[dict], event_kinds: dict) -> list[Figure]:
    """Where collaborations began: each kind of event, then introductions, the space…"""
    origins = dict(Collaboration.Origin.choices)
    figures: dict[str, Figure] = {}
    for row in rows:
        kind = event_kinds.get(row["event_kind_id"])
        if row["origin_type"] == Collaboration.Origin.EVENT and kind is not None:
            key, label = kind.slug, kind.name
        else:
            key, label = row["origin_type"], str(origins.get(row["origin_type"], ""))
        fig = figures.setdefault(key, Figure(key, label, 0, Decimal(0)))
        fig.count += row["n"]
        fig.volume += row["volume"] or 0
    return sorted(figures.values(), key=lambda f: (-f.count, f.label))


def _place_figures(rows: list[dict]) -> list[Figure]:
    figures = []
    for row in rows:
        if row["chapter_name"]:
            label = row["chapter_name"]
        elif row["space_name"]:
            label = f"{row['space_name']} ({row['space_city']})"
        else:
            label = "—"
        figures.append(Figure(label, label, row["n"], row["volume"] or Decimal(0)))
    return figures


def _top_events(audience, event_kinds: dict) -> list[dict]:
    """The events the audience may see where the most collaborations began (2 queries)."""
    from events.speed_networking.selectors import meetings_by_event

    event = Event.objects.filter(pk=OuterRef("event_id"))
    rows = list(
        _tallies(D.ORIGIN)
        .filter(event_id__in=Event.objects.visible_to(audience).values("pk"))
        .annotate(
            # NULL when no collaboration has a value: sorted where SQL's SUM put it.
            volume=Case(When(valued=0, then=Value(None)), default=F("volume_cents")),
            title=Subquery(event.values("title")[:1]),
            start=Subquery(event.values("start")[:1]),
            kind_id=Subquery(event.values("kind_id")[:1]),
        )
        .order_by("-n", "-volume", "-start")
        .values("event_id", "n", "valued", "volume_cents", "title", "start", "kind_id")[:TOP_LIMIT]
    )
    # Speed-networking sessions: meetings held there, beside the collaborations born.
    meetings = meetings_by_event(r["event_id"] for r in rows)
    return [
        {
            "pk": r["event_id"],
            "title": r["title"],
            "start": r["start"],
            "kind": event_kinds[r["kind_id"]].name if r["kind_id"] in event_kinds else "",
            "count": r["n"],
            "volume": _volume(r) or Decimal(0),
            "meetings": meetings.get(r["event_id"], 0),
        }
        for r in rows
    ]


def _introducers(audience) -> list[dict]:
    """The busiest introducers by id first, then the names of those the audience may see."""
    counts = list(
        _tallies(D.INTRODUCER).order_by("-n", "user_id").values("user_id", "n")[: TOP_LIMIT * 3]
    )
    names = {
        p["user_id"]: p
        for p in visible_profiles(audience)
        .filter(user_id__in=[r["user_id"] for r in counts])
        .values("user_id", "display_name", "slug")
    }
    return [
        {
            "name": names[r["user_id"]]["display_name"],
            "slug": names[r["user_id"]]["slug"],
            "count": r["n"],
        }
        for r in counts
        if r["user_id"] in names
    ][:TOP_LIMIT]


def _people() -> dict[str, int]:
    """How many members, and companies and outside organisations, took part in a confirmed
    collaboration (one query)."""
    rows = (
        _tallies(D.MEMBER, D.COMPANY, D.ORGANISATION)
        .values("dimension")
        .annotate(c=Count("pk"))
        .order_by()
    )
    found = {r["dimension"]: r["c"] for r in rows}
    return {
        "members": found.get(D.MEMBER, 0),
        "companies": found.get(D.COMPANY, 0) + found.get(D.ORGANISATION, 0),
    }


def dashboard_compute(audience) -> dict:
    """Every figure of the dashboard for one audience, in a fixed number of queries."""
    event_kinds = {k.pk: k for k in EventKind.objects.all()}
    small = _small_dimensions()
    kinds = dict(Collaboration.Kind.choices)
    origin_figures = _origin_figures(small[D.ORIGIN], event_kinds)
    origins = dict(Collaboration.Origin.choices)
    return {
        "total": sum(r["n"] for r in small[D.YEAR]),
        "volume": sum((r["volume"] or Decimal(0)) for r in small[D.YEAR]),
        **_people(),
        "from_events": sum(
            f.count for f in origin_figures if f.key not in origins or f.key == "event"
        ),
        "by_year": [
            Figure(str(r["year"]), str(r["year"]), r["n"], r["volume"] or Decimal(0))
            for r in small[D.YEAR]
        ],
        "by_kind": [
            Figure(r["kind"], str(kinds.get(r["kind"], r["kind"])), r["n"], r["volume"] or 0)
            for r in small[D.KIND]
        ],
        "by_origin": origin_figures,
        "top_events": _top_events(audience, event_kinds),
        "introducers": _introducers(audience),
        "by_place": _place_figures(small[D.PLACE]),
        "graph": dashboard_graph(audience),
    }


def dashboard_audience_key(user) -> str:
    return "members" if audience_of(user).is_authenticated else "public"


# What draws the figures: this app's code and templates, and the translation catalogues.
_RENDERING_SOURCES = ("collaborations/**/*.py", "collaborations/**/*.html", "locale/*/*/*.mo")


@functools.cache
def dashboard_rendering() -> str:
    """A fingerprint of the code that draws the dashboard, so that a snapshot drawn by an
    earlier release is never served by a later one."""
    digest = hashlib.sha256()
    root = Path(settings.BASE_DIR)
    for pattern in _RENDERING_SOURCES:
        for path in sorted(root.glob(pattern)):
            if "migrations" not in path.parts:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class StoredSnapshot:
    generation: int  # the current one, read before anything the page draws
    html: str | None  # the snapshot of that generation, if one is kept and fresh


def dashboard_snapshot_read(*, audience: str, language: str, max_age) -> StoredSnapshot:
    """The current generation and, if it was drawn at that generation by this release less
    than `max_age` ago, the stored figures section for `audience` and `language` (one query)."""
    quote = connection.ops.quote_name
    generation = quote(DashboardGeneration._meta.db_table)
    snapshot = quote(DashboardSnapshot._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT g.n, s.generation, s.rendering, s.html, s.built_at FROM "  # noqa: S608
            f"(SELECT COALESCE(MAX(n), 0) AS n FROM {generation} WHERE id = 1) g "
            f"LEFT JOIN {snapshot} s ON s.audience = %s AND s.language = %s",
            [audience, language],
        )
        current, drawn_at, rendering, html, built_at = cursor.fetchone()
    if html is None or drawn_at != current or rendering != dashboard_rendering():
        return StoredSnapshot(current, None)
    if isinstance(built_at, str):  # SQLite through a raw cursor: UTC, without its zone
        built_at = parse_datetime(built_at)
    if built_at is not None and timezone.is_naive(built_at):
        built_at = timezone.make_aware(built_at, dt.UTC)
    if built_at is None or timezone.now() - built_at > max_age:
        return StoredSnapshot(current, None)
    return StoredSnapshot(current, html)


def dashboard_cache_key(user) -> str:
    """Names one version of the dashboard for `user`'s audience and language."""
    version = cache.get(DASHBOARD_VERSION_KEY) or 1
    lang = (get_language() or "en")[:2]
    return f"v{version}:{dashboard_audience_key(user)}:{lang}"


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
