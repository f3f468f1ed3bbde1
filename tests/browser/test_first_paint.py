"""The first paint is the final layout (issue 14, part 5): nothing moves when the deferred
scripts arrive, on a phone (375 px) and on a small laptop (1024 px), on the four pages
Lighthouse measures (home, directory, an event, the dashboard).

The scripts are held back 400 ms by the test, as a slow mobile network would: the page is
painted before site.js runs, which is when the old `.js` class collapsed the menu and moved
the whole page up (CLS 0.3 in Lighthouse). Layout shifts are read from the browser's own
`layout-shift` entries, the ones Lighthouse and the Core Web Vitals add up.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from collaborations.services import ParticipantSpec
from members.models import Visibility
from tests.browser.conftest import login
from tests.collaborations.conftest import log
from tests.events.factories import EventFactory
from tests.factories import CompanyFactory, make_member

pytestmark = pytest.mark.browser

CLS_LIMIT = 0.05
SCRIPT_DELAY_S = 0.4
WIDTHS = {"phone": (375, 812), "laptop": (1024, 768)}

# The sum of the page's layout shifts without recent input (what CLS adds up on a page this
# short), read from the buffered entries once the deferred scripts have run.
CLS_JS = """() => new Promise(resolve => {
  let total = 0; const shifts = [];
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) {
      if (e.hadRecentInput) continue;
      total += e.value;
      shifts.push(e.sources.map(s => s.node && s.node.getAttribute
        ? s.node.nodeName + '.' + s.node.getAttribute('class') : '?'));
    }
  }).observe({type: 'layout-shift', buffered: true});
  requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(
    () => resolve({total, shifts: shifts.flat().slice(0, 6)}), 150)));
})"""


def _person(name: str):
    return make_member(name, visibility=Visibility.PUBLIC).user


@pytest.fixture
def world(transactional_db):
    """A small community: people in the directory, an upcoming event, a confirmed collaboration
    on the dashboard; returns the four pages' paths and a member to log in as."""
    people = [_person(n) for n in ("Léa Dubois", "Tom Peeters", "Anna Berg", "Karim Haddad")]
    event = EventFactory(title="Betacooks lunch", start=timezone.now() + timedelta(days=3))
    log(
        people[0],
        people[1],
        ParticipantSpec(role="client", company=CompanyFactory(name="Ayomi")),
        confirm=True,
    )
    log(people[2], people[0], confirm=True)
    pages = {
        "home": "/",
        "directory": "/directory/",
        "event": event.get_absolute_url(),
        "dashboard": "/collaborations/dashboard/",
    }
    return {"pages": pages, "member": people[3]}


def _hold_back_scripts(page):
    def slow(route):
        time.sleep(SCRIPT_DELAY_S)
        route.continue_()

    page.route("**/static/js/**", slow)


def _layout_shift(page, path: str) -> dict:
    page.goto(path, wait_until="load")
    expect(page.locator("html")).to_have_class("js")  # site.js has run
    return page.evaluate(CLS_JS)


def _assert_stable(page, pages: dict) -> None:
    _hold_back_scripts(page)
    measured = {name: _layout_shift(page, path) for name, path in pages.items()}
    moved = {k: v for k, v in measured.items() if v["total"] >= CLS_LIMIT}
    assert not moved, f"layout shifts ≥ {CLS_LIMIT} after the first paint: {moved}"


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_nothing_moves_after_the_first_paint_for_a_visitor(page, world, width):
    w, h = WIDTHS[width]
    page.set_viewport_size({"width": w, "height": h})
    _assert_stable(page, world["pages"])


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_nothing_moves_after_the_first_paint_for_a_member(page, live_server, world, width):
    w, h = WIDTHS[width]
    page.set_viewport_size({"width": w, "height": h})
    login(page, live_server, world["member"])
    _assert_stable(page, world["pages"])


def test_the_collapsed_menu_opens_and_the_page_reads_without_javascript(browser, live_server):
    # With JavaScript: the menu is behind its button from the first paint, and opens.
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.goto("/")
    nav = page.locator("#site-nav")
    toggle = page.get_by_role("button", name="Menu")
    expect(nav).to_be_hidden()
    toggle.click()
    expect(nav).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Directory")).to_be_visible()
    context.close()
    # Without JavaScript nothing could open a collapsed menu: the links are simply shown,
    # and the language form keeps its submit button.
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 375, "height": 812}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto("/")
    expect(page.locator(".nav-toggle")).to_be_hidden()
    expect(page.locator("#site-nav").get_by_role("link", name="Directory")).to_be_visible()
    expect(page.locator("[data-autosubmit-fallback]")).to_have_css("position", "static")
    context.close()
