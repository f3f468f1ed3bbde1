"""A phone (375 px wide) in every language: no page scrolls sideways, a wide table scrolls in
its own labelled, focusable region, the budget's amounts stay in their card; and with
JavaScript on, the language form's fallback button is no invisible tab stop (testers,
round 3)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from api.services import token_create
from events.models import Budget, Event, EventCost, Registration
from tests.browser.conftest import login
from tests.collaborations.conftest import attend, log, make_past_event
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import UserFactory, make_member

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
SMALL_PHONE = {"width": 320, "height": 640}  # the narrowest screen we design for
TZ = ZoneInfo("Europe/Brussels")

# How far the page reaches past the viewport, and what sticks out (for the failure message).
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('main *, header *')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > width + 1 && !el.closest('.table-wrap')) {
      out.push(el.nodeName + '.' + el.className + ' → ' + Math.round(r.right));
    }
  }
  return {scroll: document.documentElement.scrollWidth, width, out: out.slice(0, 5)};
}"""


def _phone(page, live_server, language: str, size: dict = PHONE):
    page.set_viewport_size(size)
    page.context.add_cookies(
        [{"name": "betacowork_language", "value": language, "url": live_server.url}]
    )


def _assert_no_sideways_scroll(page, path: str) -> None:
    page.goto(path)
    measured = page.evaluate(OVERFLOW_JS)
    assert measured["scroll"] <= measured["width"], f"{path} scrolls sideways: {measured}"


@pytest.mark.parametrize("language", ["en", "fr", "nl"])
def test_heading_rows_with_a_button_wrap_on_a_phone(page, live_server, member, language):
    EventFactory(title="Betacooks", start=timezone.now() + timedelta(days=2))
    login(page, live_server, member)
    _phone(page, live_server, language)
    for path in ("/events/", "/collaborations/mine/"):
        _assert_no_sideways_scroll(page, path)


@pytest.mark.parametrize("language", ["en", "fr", "nl"])
def test_the_directory_search_fits_a_phone_with_its_whole_button(page, live_server, language):
    """QA: in French the long placeholder kept the field from shrinking: the page was 377 px
    wide and the button read "Recherch"."""
    _phone(page, live_server, language)
    _assert_no_sideways_scroll(page, "/directory/")
    button = page.locator(".directory-search button")
    # The label's own box lies inside the button's (it is clipped otherwise).
    text, box = button.evaluate(
        """b => { const r = document.createRange(); r.selectNodeContents(b);
        const t = r.getBoundingClientRect(), o = b.getBoundingClientRect();
        return [[t.left, t.right], [o.left, o.right]]; }"""
    )
    assert box[0] <= text[0], (button.inner_text(), text, box)
    assert text[1] <= box[1], (button.inner_text(), text, box)
    field = page.locator(".directory-search input[type=search]").bounding_box()
    assert field["width"] >= 150  # still a field to type in


@pytest.fixture
def business_events(transactional_db):
    """Two past events with long titles where confirmed, valued collaborations began."""
    author, client_a, client_b = (UserFactory(name=n) for n in ("Léa", "Tom", "Anna"))
    for title in ("Speed Networking de printemps à Charleroi", "Betacooks du jeudi midi"):
        event = make_past_event(kind_slug="speed-networking", title=title)
        attend(event, author)
        for other in (client_a, client_b):
            log(
                author,
                other,
                confirm=True,
                origin_type="event",
                origin_event=event,
                value_eur=Decimal("123456.50"),
            )
    return author


@pytest.mark.parametrize("language", ["en", "fr", "nl"])
def test_the_dashboard_table_scrolls_in_its_own_region(
    page, live_server, business_events, language
):
    login(page, live_server, business_events)
    _phone(page, live_server, language)
    _assert_no_sideways_scroll(page, "/collaborations/dashboard/")
    region = page.locator(".table-wrap[aria-labelledby=top-events]")
    expect(region).to_have_count(1)
    # A keyboard can reach the region to scroll it; a screen reader hears what it holds.
    expect(region).to_have_attribute("tabindex", "0")
    expect(region).to_have_attribute("role", "region")
    label = page.locator(f"#{region.get_attribute('aria-labelledby')}")
    expect(label).to_have_count(1)
    region.focus()
    expect(region).to_be_focused()


@pytest.fixture
def budget_year(transactional_db):
    """Last year's community budget, an event held with costs and one not held yet."""
    year = timezone.localdate().year - 1
    Budget.objects.create(year=year, chapter=None, amount=Decimal(120000), subsidy=Decimal(60000))
    start = datetime(year, 5, 1, 12, tzinfo=TZ)
    held = EventFactory(
        title="IT day", start=start, end=start + timedelta(hours=3), status=Event.Status.PUBLISHED
    )
    EventCost.objects.create(event=held, category="food", amount=Decimal("465.00"))
    draft = EventFactory(start=start + timedelta(days=30), status=Event.Status.DRAFT)
    EventCost.objects.create(event=draft, category="food", amount=Decimal("200.00"))
    return year


@pytest.mark.parametrize("language", ["en", "fr", "nl"])
def test_the_budget_page_fits_a_phone(page, live_server, staff, budget_year, language):
    login(page, live_server, staff)
    _phone(page, live_server, language)
    _assert_no_sideways_scroll(page, f"/budget/{budget_year}/")
    card = page.locator("section[aria-labelledby='budget-vs-spend']").bounding_box()
    for cell in page.locator("[aria-labelledby='budget-vs-spend'] dd").all():
        box = cell.bounding_box()
        assert box["x"] + box["width"] <= card["x"] + card["width"], cell.inner_text()
    region = page.locator(".table-wrap:has(table.budget-overview)")
    expect(region).to_have_attribute("tabindex", "0")
    expect(region).to_have_attribute("role", "region")


def test_the_language_button_is_no_tab_stop_with_javascript(page, live_server):
    page.goto("/events/")
    select = page.locator("#language-select")
    select.focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.hasAttribute('data-autosubmit-fallback')")
    assert not focused, "Tab after the language select lands on the hidden 'Change' button"
    expect(page.locator("[data-autosubmit-fallback]")).to_be_hidden()


def test_the_language_button_works_without_javascript(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/events/")
    button = page.locator("[data-autosubmit-fallback]")
    expect(button).to_be_visible()
    page.locator("#language-select").focus()
    page.keyboard.press("Tab")
    expect(button).to_be_focused()
    page.select_option("#language-select", "fr")
    with page.expect_navigation():
        button.click()
    assert page.locator("html").get_attribute("lang") == "fr"
    context.close()


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_api_tokens_table_scrolls_in_its_own_region(page, live_server, member, language):
    # The revoke buttons' hidden names are absolutely positioned: they must not stretch the
    # page from where the wide table puts them.
    token_create(user=member, name="My integration script for the website")
    login(page, live_server, member)
    _phone(page, live_server, language)
    _assert_no_sideways_scroll(page, "/me/api-tokens/")
    region = page.locator(".table-wrap")
    expect(region).to_have_attribute("tabindex", "0")
    expect(region).to_have_attribute("role", "region")
    expect(region).to_have_attribute("aria-label", re.compile(r"\w"))


def test_the_month_grid_scrolls_in_a_focusable_region(page, live_server):
    """At 375 px the month's seven columns scroll inside their wrapper: a keyboard can reach
    it to scroll it, and a screen reader hears what it holds (the grid's caption)."""
    _phone(page, live_server, "en")
    _assert_no_sideways_scroll(page, "/events/month/")
    region = page.locator(".table-wrap:has(table.month-grid)")
    expect(region).to_have_attribute("role", "region")
    expect(region).to_have_attribute("tabindex", "0")
    expect(page.locator(f"#{region.get_attribute('aria-labelledby')}")).to_contain_text("Events in")
    region.focus()
    expect(region).to_be_focused()


# 320 px (QA round 9): long words and addresses break inside their box ----------------------


@pytest.fixture
def speed_networking_collaboration(transactional_db):
    """A collaboration that began at a speed-networking evening (the kind's Dutch name is
    long), its participants with long names."""
    event = make_past_event(kind_slug="speed-networking", title="Speed Networking")
    event.kind.name_nl = "Speednetwerken"
    event.kind.save()
    author = UserFactory(name="Maximiliaan Vandenbroucke-Verhaeghe")
    partner = UserFactory(name="Anne-Sophie Delvaux-Vanderstraeten")
    attend(event, author)
    collaboration = log(author, partner, confirm=True, origin_type="event", origin_event=event)
    return author, collaboration


@pytest.mark.parametrize("language", ["en", "fr", "nl"])
def test_a_collaboration_fits_a_small_phone(
    page, live_server, speed_networking_collaboration, language
):
    """QA: in Dutch, 'Speed Networking (Speednetwerken)' and the Participants card made the
    page 323 px wide."""
    author, collaboration = speed_networking_collaboration
    login(page, live_server, author)
    _phone(page, live_server, language, SMALL_PHONE)
    _assert_no_sideways_scroll(page, f"/collaborations/{collaboration.pk}/")


def test_the_registrations_list_fits_a_small_phone(page, live_server, staff):
    """QA: a long address made the organiser's list 337 px wide."""
    event = EventFactory(title="Betacooks", start=timezone.now() + timedelta(days=2), capacity=1)
    long_address = "maximiliaan.vandenbrouckeverhaeghe@communicatiebureauexample.be"
    RegistrationFactory(event=event, user=UserFactory(email=long_address))
    RegistrationFactory(
        event=event,
        user=None,
        name="Guest",
        email="w" + long_address,
        status=Registration.Status.WAITLISTED,
    )
    login(page, live_server, staff)
    _phone(page, live_server, "en", SMALL_PHONE)
    _assert_no_sideways_scroll(page, f"/organise/{event.slug}/registrations/")
    expect(page.get_by_text(long_address, exact=True)).to_be_visible()


@pytest.mark.parametrize("size", [SMALL_PHONE, {"width": 360, "height": 740}])
def test_a_profile_with_a_long_link_or_word_fits_a_phone(page, live_server, member, size):
    """QA: a long link in the bio made the profile 716 px wide on a 360 px phone."""
    link = (
        "https://www.example.be/nl/diensten/boekhouding-en-fiscaliteit/zelfstandigen-in-bijberoep"
    )
    word = "Arbeidsongeschiktheidsverzekeringsaanvraagformulierenondersteuning"
    profile = make_member(
        "Katia Lang",
        visibility="public",
        headline=word,
        bio=f"Read more at {link}",
        offers_text=f"{word}, see {link}",
        seeks_text=word,
    )
    _phone(page, live_server, "nl", size)
    _assert_no_sideways_scroll(page, profile.get_absolute_url())
