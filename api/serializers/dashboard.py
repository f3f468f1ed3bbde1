"""The micro-economy dashboard's figures: the numbers the dashboard page shows."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers


class FigureSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    volume = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Euros.")


class TopEventSerializer(serializers.Serializer):
    title = serializers.CharField()
    start = serializers.DateTimeField()
    kind = serializers.CharField()
    count = serializers.IntegerField()
    volume = serializers.DecimalField(max_digits=14, decimal_places=2)
    meetings = serializers.IntegerField(help_text="Speed-networking meetings held there.")


class IntroducerSerializer(serializers.Serializer):
    name = serializers.CharField()
    url = serializers.CharField()
    count = serializers.IntegerField()


class NodeSerializer(serializers.Serializer):
    id = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=["member", "company", "org"])
    url = serializers.CharField()
    n = serializers.IntegerField()


class EdgeSerializer(serializers.Serializer):
    a = serializers.CharField()
    b = serializers.CharField()
    w = serializers.IntegerField()


class GraphSerializer(serializers.Serializer):
    nodes = NodeSerializer(many=True)
    edges = EdgeSerializer(many=True)
    parties = serializers.IntegerField()


class DashboardSerializer(serializers.Serializer):
    """Totals count every confirmed collaboration; what is itemised (events, introducers,
    the graph) comes only from what the caller may see, and a participants-only
    collaboration is never itemised."""

    total = serializers.IntegerField()
    volume = serializers.DecimalField(max_digits=14, decimal_places=2)
    members = serializers.IntegerField()
    companies = serializers.IntegerField()
    from_events = serializers.IntegerField()
    by_year = FigureSerializer(many=True)
    by_kind = FigureSerializer(many=True)
    by_origin = FigureSerializer(many=True)
    by_place = FigureSerializer(many=True)
    top_events = TopEventSerializer(many=True)
    introducers = IntroducerSerializer(many=True)
    graph = GraphSerializer()


def money(value) -> str:
    return f"{Decimal(value or 0):.2f}"


def dashboard_dict(data: dict, *, absolute) -> dict:
    """`collaborations.selectors.dashboard_data()` as JSON; `absolute(path)` makes URLs."""

    def figures(rows):
        return [
            {"key": f.key, "label": str(f.label), "count": f.count, "volume": money(f.volume)}
            for f in rows
        ]

    graph = data["graph"]
    return {
        "total": data["total"],
        "volume": money(data["volume"]),
        "members": data["members"],
        "companies": data["companies"],
        "from_events": data["from_events"],
        "by_year": figures(data["by_year"]),
        "by_kind": figures(data["by_kind"]),
        "by_origin": figures(data["by_origin"]),
        "by_place": figures(data["by_place"]),
        "top_events": [
            {
                "title": e["title"],
                # In Brussels time, as /api/v1/events/ writes it (not the database's UTC).
                "start": timezone.localtime(e["start"]).isoformat(),
                "kind": str(e["kind"]),
                "count": e["count"],
                "volume": money(e["volume"]),
                "meetings": e["meetings"],
            }
            for e in data["top_events"]
        ],
        "introducers": [
            {
                "name": i["name"],
                "url": absolute(reverse("members:profile", kwargs={"slug": i["slug"]})),
                "count": i["count"],
            }
            for i in data["introducers"]
        ],
        "graph": {
            "nodes": [{**n, "url": absolute(n["url"]) if n["url"] else ""} for n in graph["nodes"]],
            "edges": graph["edges"],
            "parties": graph["parties"],
        },
    }
