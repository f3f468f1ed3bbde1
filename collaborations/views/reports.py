"""The dashboard of the community's micro-economy and the staff's CSV export."""

from __future__ import annotations

from django.core.cache import cache
from django.http import StreamingHttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views import View
from django.views.generic import TemplateView

from betacowork.csv_cells import csv_lines
from members.rules import has_staff_tools

from .. import charts
from ..models import Collaboration
from ..selectors import (
    dashboard_audience_key,
    dashboard_cache_key,
    dashboard_cache_seconds,
    dashboard_data,
    dashboard_snapshot_read,
)
from ..services import SNAPSHOT_MAX_AGE, dashboard_snapshot_store
from .ledger import StaffRequiredMixin


class DashboardView(TemplateView):
    """The figures, charts and graph are one rendered section per audience and language: from
    the shared cache (`COLLABORATIONS_DASHBOARD_CACHE`), else the snapshot stored for the
    current generation (one query), else computed, drawn and stored (`services.snapshot`)."""

    template_name = "collaborations/dashboard.html"
    figures_template = "collaborations/_dashboard_figures.html"

    def _build(self) -> dict:
        data = dashboard_data(user=self.request.user)
        layout = charts.graph_layout(data["graph"])
        return {
            "data": data,
            "years_count": charts.columns(data["by_year"], attr="count"),
            "years_volume": charts.columns(data["by_year"], attr="volume"),
            "kinds": charts.hbars(data["by_kind"], attr="count"),
            "kinds_volume": charts.hbars([f for f in data["by_kind"] if f.volume], attr="volume"),
            "origins": charts.hbars(data["by_origin"], attr="count"),
            "origins_volume": charts.hbars(
                [f for f in data["by_origin"] if f.volume], attr="volume"
            ),
            "places": charts.hbars(data["by_place"], attr="count"),
            # Built in Python: a template loop over the nodes cost 3x as much (see charts).
            "graph_svg": charts.graph_svg(layout),
            "graph_table": charts.graph_table(layout),
            "graph_shown": len(layout["nodes"]),
            "graph_parties": data["graph"].get("parties", 0),
        }

    def _figures(self) -> str:
        user = self.request.user
        seconds = dashboard_cache_seconds()
        key = f"collaborations:dashboard:figures:{dashboard_cache_key(user)}" if seconds else ""
        if key and (html := cache.get(key)) is not None:
            return html
        audience, language = dashboard_audience_key(user), get_language() or "en"
        stored = dashboard_snapshot_read(
            audience=audience, language=language, max_age=SNAPSHOT_MAX_AGE
        )
        html = stored.html
        if html is None:
            html = render_to_string(self.figures_template, {"dash": self._build()})
            dashboard_snapshot_store(
                audience=audience, language=language, generation=stored.generation, html=html
            )
        if key:
            cache.set(key, html, seconds)
        return html

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        # Drawn by this app's own template from escaped values: safe to insert as it is.
        ctx["figures"] = mark_safe(self._figures())
        ctx["staff_tools"] = has_staff_tools(self.request.user)
        return ctx


class CollaborationExportView(StaffRequiredMixin, View):
    """Every collaboration (any status) with its participants, as CSV, for staff."""

    HEADER = [
        "id",
        "title",
        "kind",
        "status",
        "visibility",
        "start_date",
        "value_eur",
        "origin",
        "origin_event",
        "origin_event_kind",
        "origin_event_date",
        "introduced_by",
        "space",
        "chapter",
        "author",
        "participants",
        "confirmed_at",
        "created_at",
    ]

    def get(self, request):
        collaborations = (
            Collaboration.objects.select_related(
                "origin_event__kind", "introduced_by", "space", "chapter"
            )
            .prefetch_related("participants")
            .order_by("pk")
        )

        def rows():
            yield self.HEADER
            for c in collaborations.iterator(chunk_size=500):
                event = c.origin_event
                yield [
                    c.pk,
                    c.title,
                    c.kind,
                    c.status,
                    c.visibility,
                    c.start_date.isoformat(),
                    c.value_eur if c.value_eur is not None else "",
                    c.origin_type,
                    event.title if event else "",
                    event.kind.slug if event else "",
                    # The day in Brussels, as the event's page says: not the UTC date.
                    timezone.localdate(event.start).isoformat() if event else "",
                    c.introduced_by.name if c.introduced_by else "",
                    c.space.name if c.space else "",
                    c.chapter.name if c.chapter else "",
                    c.author_name,
                    "; ".join(f"{p.name} ({p.role}, {p.state})" for p in c.participants.all()),
                    c.confirmed_at.isoformat() if c.confirmed_at else "",
                    c.created_at.isoformat(),
                ]

        # csv_lines neutralises spreadsheet formulas (CSV injection) and adds Excel's BOM.
        response = StreamingHttpResponse(csv_lines(rows()), content_type="text/csv; charset=utf-8")
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="collaborations-{stamp}.csv"'
        return response
