"""What axe does not see, as a keyboard or screen-reader user meets it (accessibility audit):
the language switcher driven by arrow keys, Escape on the mobile menu, focus and field
descriptions after a form comes back with errors, the tag suggestions as a combobox, the
directory's results (a count said, not every card; the focus kept on a new page), "My round"
announcing the round but not every second of its countdown, and chapter cards at 320 px in
French."""

from datetime import timedelta
from itertools import pairwise

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from events.models import Event
from events.speed_networking import services
from members.models import Chapter, Space
from tests.events.factories import RegistrationFactory, kind
from tests.factories import TermFactory, UserFactory, make_member

pytestmark = pytest.mark.browser

# Every id an element's aria-describedby names, with whether the page has it.
DESCRIBED_BY = """() => [...document.querySelectorAll('main [aria-describedby]')].flatMap(el =>
  el.getAttribute('aria-describedby').split(/\\s+/).filter(Boolean)
    .map(id => [el.name || el.tagName, id, !!document.getElementById(id)]))"""

# The nearest element that makes its content live (announced on change), or null.
LIVE_ANCESTOR = """el => {
  const live = el.closest(
    '[aria-live]:not([aria-live="off"]), [role=status], [role=alert], [role=log]');
  return live ? live.outerHTML.slice(0, 80) : null;
}"""


def test_the_language_select_waits_for_enter_when_used_with_arrow_keys(page):
    # Arrowing through a closed select changes it option by option: each change used to
    # reload the page in that language (French), so Dutch was out of a keyboard's reach.
    page.goto("/events/")
    select = page.locator("#language-select")
    select.focus()
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(400)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(select).to_be_focused()
    # The "Change" button comes back for a keyboard, right after the select.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Change")).to_be_focused()
    select.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "nl")


def test_escape_closes_the_mobile_menu_and_returns_to_its_button(page):
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/")
    toggle = page.locator("[data-nav-toggle]")
    toggle.focus()
    page.keyboard.press("Enter")
    nav = page.locator("#site-nav")
    expect(nav).to_be_visible()
    page.keyboard.press("Tab")
    expect(nav.get_by_role("link", name="Directory")).to_be_focused()
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    expect(toggle).to_be_focused()
    expect(toggle).to_have_attribute("aria-expanded", "false")


def test_form_errors_take_the_focus_and_describe_their_fields(page, login_as, transactional_db):
    profile = make_member("Katia Xenophontos")
    login_as(profile.user)

    # Help texts: every aria-describedby names an element of the page (they named
    # "<id>_helptext" while the templates wrote "<id>_help" or no id at all).
    page.goto("/collaborations/new/")
    assert [d for d in page.evaluate(DESCRIBED_BY) if not d[2]] == []
    expect(page.locator("#id_value_eur")).to_have_accessible_description(
        page.locator("#id_value_eur_helptext").inner_text()
    )
    # Sent back with errors: the first field in error has the focus and its error as description.
    with page.expect_navigation():
        page.get_by_role("button", name="Log it").click()
    title = page.locator("#id_title")
    expect(title).to_be_focused()
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(title).to_have_accessible_description("This field is required.")
    assert [d for d in page.evaluate(DESCRIBED_BY) if not d[2]] == []

    # A form with an error summary: the summary has the focus, read first.
    page.goto("/me/edit/")
    assert [d for d in page.evaluate(DESCRIBED_BY) if not d[2]] == []
    page.locator("#id_display_name").fill("")
    with page.expect_navigation():
        page.locator("main form .actions [type=submit]").first.click()
    expect(page.locator("main .form-errors")).to_be_focused()
    expect(page.locator("#id_display_name")).to_have_accessible_description(
        "This field is required."
    )


def test_tag_suggestions_are_a_combobox_a_screen_reader_can_follow(page, login_as):
    TermFactory(slug="translation", name_en="translation")
    TermFactory(slug="transport", name_en="transport")
    login_as(make_member("Katia Xenophontos").user)
    page.goto("/me/edit/")
    skills = page.get_by_role("combobox", name="Skills")
    expect(skills).to_have_attribute("aria-expanded", "false")
    skills.press_sequentially("tra", delay=30)
    expect(page.get_by_role("option", name="translation")).to_be_visible()
    expect(skills).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    active = skills.get_attribute("aria-activedescendant")
    assert active, "the option reached with the arrow is not the input's active descendant"
    expect(page.locator(f"#{active}")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Escape")
    expect(skills).to_have_attribute("aria-expanded", "false")
    assert skills.get_attribute("aria-activedescendant") is None


def test_directory_says_the_count_and_keeps_the_focus_on_a_new_page(page, login_as):
    for n in range(25):
        make_member(f"Member {n:02d}", visibility="public")
    login_as(UserFactory(name="Viewer Person"))
    page.goto("/directory/")
    results = page.locator("[data-directory-results]")
    # The results are not live: a screen reader would read all 24 cards at each key.
    assert results.evaluate(LIVE_ANCESTOR) is None
    page.get_by_role("link", name="Next →").focus()
    page.keyboard.press("Enter")
    expect(results).to_contain_text("Page 2 of 2")
    # The link followed is gone: the focus is on the new page's heading, not lost on <body>.
    expect(results.get_by_role("heading", name="Results")).to_be_focused()
    status = page.get_by_role("status")
    expect(status).to_have_text("26 members")


def test_my_round_announces_the_round_but_not_every_second(page, login_as):
    space = Space.objects.create(name="Switch", slug="switch", city="Charleroi")
    chapter = Chapter.objects.create(name="Charleroi", slug="charleroi", space=space)
    organiser = UserFactory(name="Norman Lambert")
    chapter.organisers.add(organiser)
    start = timezone.now() - timedelta(minutes=5)
    event = Event.objects.create(
        title="Speed Networking",
        slug="speed-networking",
        kind=kind("speed-networking"),
        chapter=chapter,
        space=space,
        start=start,
        end=start + timedelta(hours=2),
        capacity=40,
        status=Event.Status.PUBLISHED,
    )
    people = [make_member(name) for name in ("Léa Dubois", "Katia X")]
    for profile in people:
        RegistrationFactory(event=event, user=profile.user, checked_in_at=start)
    services.networking_plan(event=event, actor=organiser, rounds=1)
    services.networking_round_start(event=event, actor=organiser)

    login_as(people[1].user)
    page.goto("/events/speed-networking/networking/me/")
    timer = page.get_by_role("timer")
    first = timer.inner_text()
    expect(timer).not_to_have_text(first, timeout=2500)  # it counts down every second…
    assert timer.evaluate(LIVE_ANCESTOR) is None  # …silently
    # The round itself is announced when the poll changes it.
    assert page.get_by_test_id("my-round").evaluate(LIVE_ANCESTOR) is not None


def test_chapter_cards_fit_a_320px_screen_in_french(page, transactional_db):
    space = Space.objects.create(name="Switch Coworking", slug="switch", city="Charleroi")
    Chapter.objects.create(name="BetaGroup Charleroi", slug="charleroi", space=space)
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto("/chapters/")
    with page.expect_navigation():
        page.locator("#language-select").select_option("fr")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_text("Pas encore d'organisateur")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the page scrolls sideways: {width} px wide at 320 px"


# The focused element: what it says, and its box on the screen.
FOCUSED = """() => {
  const el = document.activeElement;
  const r = el.getBoundingClientRect();
  const name = el.id === 'language-select' ? 'Language'
    : el.matches('[data-nav-toggle]') ? 'Menu'
    : el.getAttribute('aria-label') || el.textContent.replace(/\\s+/g, ' ').trim();
  return {name, inHeader: !!el.closest('.site-header'),
          left: r.left, top: r.top, right: r.right, bottom: r.bottom};
}"""


def _header_tab_stops(page, start: str) -> list[dict]:
    """From `start`, each element Tab reaches while it stays in the header."""
    page.locator(start).focus()
    stops = [page.evaluate(FOCUSED)]
    while len(stops) < 20:
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUSED)
        if not stop["inHeader"]:
            return stops
        stops.append(stop)
    raise AssertionError(f"Tab never left the header: {[s['name'] for s in stops]}")


def _assert_in_reading_order(stops: list[dict]) -> None:
    """Each stop is after the previous one as the eye reads: to its right on the same row,
    or on a row below."""
    for a, b in pairwise(stops):
        same_row = b["top"] < a["bottom"] - 1 and a["top"] < b["bottom"] - 1
        after = b["left"] >= a["right"] - 1 if same_row else b["top"] >= a["bottom"] - 1
        assert after, f"{b['name']!r} is reached after {a['name']!r} but shown before it"


LINKS = ["Directory", "Events", "Chapters", "Collaborations", "Log in", "Join"]


def test_tab_follows_the_header_as_it_is_shown_on_a_phone(browser, live_server):
    """At 375 px the language form was drawn above the open menu and reached after its links
    (an `order` in the CSS): Tab now goes where the eye does, menu closed or open, with or
    without JavaScript, and on a laptop the one-row header is read as before."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.goto("/")
    closed = _header_tab_stops(page, ".brand")
    assert [s["name"] for s in closed] == ["Betacowork home", "Menu", "Language"]
    _assert_in_reading_order(closed)
    page.get_by_role("button", name="Menu").click()
    expect(page.locator("#site-nav")).to_be_visible()
    opened = _header_tab_stops(page, ".brand")
    assert [s["name"] for s in opened] == ["Betacowork home", "Menu", *LINKS, "Language"]
    _assert_in_reading_order(opened)
    page.set_viewport_size({"width": 1280, "height": 800})
    wide = _header_tab_stops(page, ".brand")
    assert [s["name"] for s in wide] == ["Betacowork home", *LINKS, "Language"]
    _assert_in_reading_order(wide)
    context.close()

    # Without JavaScript the links are always shown, and the language form has its button.
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 375, "height": 812}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto("/")
    stops = _header_tab_stops(page, ".brand")
    assert [s["name"] for s in stops] == ["Betacowork home", *LINKS, "Language", "Change"]
    _assert_in_reading_order(stops)
    context.close()
