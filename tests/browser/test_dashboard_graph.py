"""The dashboard's network graph, as people use it (issue 16): axe finds nothing on the
dashboard (the graph was a serious `nested-interactive` violation: links inside an
`svg role="img"`), keyboard users reach every linked party through the table twin, and no
two labels overlap as Chromium draws them.

axe-core is vendored in tests/browser/vendor/ (see its README) and injected through the
DevTools protocol, so the page's strict Content-Security-Policy stays on while it runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from collaborations.services import ParticipantSpec, collaboration_verify
from members.models import Visibility
from tests.collaborations.conftest import log
from tests.factories import CompanyFactory, UserFactory, make_member

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
DASHBOARD = "/collaborations/dashboard/"

# Pairs of rendered labels whose boxes share area (what a reader sees as overlapping text).
OVERLAPS_JS = """() => {
  const boxes = [...document.querySelectorAll('svg[data-graph] text')].map(t => {
    const r = t.getBoundingClientRect();
    return {name: t.textContent, l: r.left, t: r.top, r: r.right, b: r.bottom};
  });
  const hits = [];
  boxes.forEach((a, i) => boxes.slice(i + 1).forEach(b => {
    if (a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b) hits.push([a.name, b.name]);
  }));
  return {count: boxes.length, hits};
}"""


def _person(name: str):
    return make_member(name, visibility=Visibility.PUBLIC).user


@pytest.fixture
def network(transactional_db):
    """A hub with many partners (crowded labels on one side), a company, a separate pair."""
    names = [
        "Katia Xenophontos",
        "Julie Foulon",
        "Adam Van Damme",
        "Maxime Kings",
        "Eric Rodriguez",
        "Cécil Schmitt",
        "Toon Vanagt",
        "Jérémie Marti",
        "Ramon Suarez",
        "Louise Hermans",
        "Hugo Maes",
    ]
    people = {n: _person(n) for n in names}
    hub = people["Katia Xenophontos"]
    for name in names[1:5]:
        log(hub, people[name], confirm=True)
    ayomi = ParticipantSpec(role="client", company=CompanyFactory(name="Ayomi"))
    with_company = log(people["Eric Rodriguez"], people["Cécil Schmitt"], ayomi, confirm=True)
    # A company takes part once staff verified it (no member answers for it).
    collaboration_verify(collaboration=with_company, staff=UserFactory(is_staff=True), approve=True)
    log(people["Eric Rodriguez"], people["Toon Vanagt"], confirm=True)
    log(people["Toon Vanagt"], people["Jérémie Marti"], people["Ramon Suarez"], confirm=True)
    log(people["Louise Hermans"], people["Hugo Maes"], confirm=True)
    return people


def _axe_violations(page) -> list[dict]:
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """() => axe.run(document).then(r => r.violations.map(v => ({
             id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.html.slice(0, 120))})))"""
    )


@pytest.mark.parametrize("width", [1280, 375])
def test_axe_finds_nothing_on_the_dashboard(page, network, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(DASHBOARD)
    expect(page.locator("svg[data-graph] .graph-node")).to_have_count(12)
    assert _axe_violations(page) == []


def test_the_graph_is_one_described_image_with_nothing_focusable_inside(page, network):
    page.goto(DASHBOARD)
    figure = page.locator("figure.collab-graph-figure")
    graph = figure.get_by_role("img", name="Network of collaborations")
    expect(graph).to_be_visible()
    expect(figure.locator("figcaption")).to_contain_text("linked by confirmed collaborations")
    assert figure.locator("svg a, svg [tabindex], svg [href]").count() == 0


def test_a_keyboard_user_reaches_each_party_through_the_table(page, network):
    page.goto(DASHBOARD)
    table = page.locator("details.graph-table")
    summary = table.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(table.locator("table")).to_be_visible()
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(12)
    # Most connected first, with whom they work.
    expect(rows.first).to_contain_text("Katia Xenophontos")
    expect(rows.first).to_contain_text("Adam Van Damme")
    # Tabbing onto a name lights its node and its links up in the picture.
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Katia Xenophontos"
    expect(page.locator("svg[data-graph]")).to_have_class("collab-graph is-focused")
    near = page.locator("svg[data-graph] .graph-node.is-near")
    expect(near).to_have_count(5)  # Katia and her four partners
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Katia Xenophontos")


def test_a_click_on_a_node_opens_its_page(page, network):
    page.goto(DASHBOARD)
    node = page.locator("svg[data-graph] .graph-node", has_text="Ayomi")
    with page.expect_navigation():
        node.locator("circle").click()
    expect(page.locator("h1")).to_contain_text("Ayomi")


@pytest.mark.parametrize("width", [1280, 800])
def test_no_two_labels_overlap_as_drawn(page, network, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(DASHBOARD)
    drawn = page.evaluate(OVERLAPS_JS)
    assert drawn["count"] == 12
    assert drawn["hits"] == []
