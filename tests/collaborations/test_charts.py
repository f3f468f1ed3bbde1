"""The dashboard's network graph (collaborations/graph_chart.py): labels never overlap each
other or a node, everything stays inside the drawing, and the picture has a table twin with
the links (issue 16: the SVG held focusable links, and labels overlapped)."""

from __future__ import annotations

import math
import random

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from collaborations import charts
from collaborations.graph_chart import LABEL_CHARS, label_box
from collaborations.selectors import dashboard_data
from members.demo import demo_seeders, new_world


def _intersect(a, b) -> bool:
    """Do two (left, top, right, bottom) boxes share any area? (Touching edges do not.)"""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _box_hits_circle(box, cx, cy, r) -> bool:
    nearest_x = min(max(cx, box[0]), box[2])
    nearest_y = min(max(cy, box[1]), box[3])
    return math.hypot(cx - nearest_x, cy - nearest_y) < r


def assert_readable(layout: dict) -> None:
    """The promises of graph_layout, as a person looking at the drawing would check them."""
    nodes = layout["nodes"]
    boxes = {n["id"]: label_box(n) for n in nodes}
    for i, a in enumerate(nodes):
        for b in nodes[i + 1 :]:
            assert not _intersect(boxes[a["id"]], boxes[b["id"]]), (a["label"], b["label"])
            gap = math.hypot(a["x"] - b["x"], a["y"] - b["y"])
            assert gap >= a["r"] + b["r"], f"nodes {a['label']} and {b['label']} overlap"
    for n in nodes:
        box = boxes[n["id"]]
        inside = (0, 0, layout["width"], layout["height"])
        assert max(box[0], box[1]) >= 0, n["label"]
        assert box[2] <= inside[2], n["label"]
        assert box[3] <= inside[3], n["label"]
        for other in nodes:
            assert not _box_hits_circle(box, other["x"], other["y"], other["r"]), (
                f"label {n['label']} covers node {other['label']}"
            )


def crowded_graph(count: int, *, seed: int = 7) -> dict:
    """`count` parties with long names, a hub linked to everyone, and random extra links."""
    rng = random.Random(seed)
    kinds = ["member", "company", "org"]
    nodes = [
        {
            "id": f"u{i}",
            "label": f"Maximilienne-Wilhelmina Van Den Broeck-{i:03d}",
            "kind": kinds[i % 3],
            "url": f"/members/person-{i}/" if i % 3 != 2 else "",
            "n": rng.randint(1, 40),
        }
        for i in range(count)
    ]
    pairs = {("u0", f"u{i}") for i in range(1, count)}
    while len(pairs) < min(count * 3, count * (count - 1) // 2):
        a, b = sorted(rng.sample(range(count), 2))
        pairs.add((f"u{a}", f"u{b}"))
    edges = [{"a": a, "b": b, "w": rng.randint(1, 5)} for a, b in sorted(pairs)]
    return {"nodes": nodes, "edges": edges, "parties": count}


def test_the_overlap_check_can_fail():
    # Negative control: two labels on the same line, side by side, are caught.
    assert _intersect((0, 0, 100, 16), (90, 4, 200, 20))
    assert not _intersect((0, 0, 100, 16), (0, 16, 100, 32))  # stacked lines only touch
    assert _box_hits_circle((0, 0, 100, 16), 50, 20, 5)


@pytest.mark.parametrize("count", [1, 2, 3, 7, 22, 60, 120])
def test_crowded_graphs_stay_readable(count):
    layout = charts.graph_layout(crowded_graph(count))
    assert len(layout["nodes"]) == count
    assert all(len(n["short"]) <= LABEL_CHARS for n in layout["nodes"])
    assert_readable(layout)


def test_a_tall_graph_grows_instead_of_overlapping():
    small, big = (charts.graph_layout(crowded_graph(n))["height"] for n in (60, 120))
    assert small == 560
    assert big > small


def test_the_layout_is_deterministic():
    graph = crowded_graph(40)
    assert charts.graph_layout(graph) == charts.graph_layout(crowded_graph(40))
    assert charts.graph_svg(charts.graph_layout(graph)) == charts.graph_svg(
        charts.graph_layout(graph)
    )


def test_a_hub_sits_among_its_neighbours():
    # A star: the hub is placed in the middle of its leaves, not at one end of them.
    graph = {
        "nodes": [{"id": "hub", "label": "Hub", "kind": "member", "url": "", "n": 9}]
        + [
            {"id": f"l{i}", "label": f"Leaf {i}", "kind": "member", "url": "", "n": 1}
            for i in range(8)
        ],
        "edges": [{"a": "hub", "b": f"l{i}", "w": 1} for i in range(8)],
    }
    layout = charts.graph_layout(graph)
    order = [n["id"] for n in layout["nodes"]]
    assert 3 <= order.index("hub") <= 5


@pytest.mark.django_db
def test_the_demo_worlds_graph_is_readable_for_every_audience():
    world = new_world(members=60, log=lambda line: None)
    for _, _, seed in demo_seeders():
        seed(world)
    staff = get_user_model().objects.get(email="staff@betacowork.test")
    for audience in (AnonymousUser(), staff):
        graph = dashboard_data(user=audience)["graph"]
        layout = charts.graph_layout(graph)
        assert len(layout["nodes"]) >= 10, "the demo world should draw a real network"
        assert_readable(layout)


def test_the_svg_is_one_image_without_focusable_parts():
    svg = str(charts.graph_svg(charts.graph_layout(crowded_graph(12))))
    assert 'role="img"' in svg
    assert 'aria-labelledby="graph-title graph-desc"' in svg
    assert "<a " not in svg
    assert "tabindex" not in svg
    assert "href" not in svg
    # The first paint is final: the size is known before CSS and nothing waits for a script.
    assert 'width="900" height="560"' in svg


def test_the_table_twin_has_every_party_its_link_and_its_partners():
    graph = {
        "nodes": [
            {"id": "u1", "label": "Léa <Dubois>", "kind": "member", "url": "/m/lea/", "n": 3},
            {"id": "c2", "label": "Ayomi", "kind": "company", "url": "/c/ayomi/", "n": 2},
            {"id": "o:x", "label": "City of Liège", "kind": "org", "url": "", "n": 1},
        ],
        "edges": [{"a": "c2", "b": "u1", "w": 2}, {"a": "o:x", "b": "u1", "w": 1}],
    }
    table = str(charts.graph_table(charts.graph_layout(graph)))
    assert '<a href="/m/lea/" data-node="u1">Léa &lt;Dubois&gt;</a>' in table
    assert '<a href="/c/ayomi/" data-node="c2">Ayomi</a>' in table
    assert "City of Liège" in table
    assert 'data-node="o:x"' not in table
    rows = table.split("<tr>")[2:]  # after the header row; most connected first
    assert "Léa" in rows[0]
    assert "Ayomi (2), City of Liège" in rows[0]
    assert "Ayomi" in rows[1]
    assert "Léa &lt;Dubois&gt; (2)" in rows[1]
    assert charts.graph_table(charts.graph_layout({"nodes": [], "edges": []})) == ""
