"""What a visual check in a real browser found (QA round 6): a member's header that broke into
three rows on a laptop, buttons and links too small for a thumb, a month grid that showed four
days of seven on a phone, headings glued to what is above them, calendar buttons in a zigzag,
checkboxes above their labels."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from collaborations.services import ParticipantSpec
from members.models import Visibility
from tests.browser.conftest import login
from tests.collaborations.conftest import log
from tests.events.factories import EventFactory, kind
from tests.factories import CompanyFactory, UserFactory, make_member

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
LAPTOP = {"width": 1280, "height": 800}


def _language(page, live_server, language: str) -> None:
    page.context.add_cookies(
        [{"name": "betacowork_language", "value": language, "url": live_server.url}]
    )


def _box(locator) -> dict:
    box = locator.bounding_box()
    assert box, f"{locator} is not shown"
    return box


def _same_row(a: dict, b: dict) -> bool:
    """Two boxes on one line: each one's vertical middle lies within the other."""
    return a["y"] <= b["y"] + b["height"] / 2 <= a["y"] + a["height"]


@pytest.fixture
def organiser(transactional_db):
    """A staff member with a long name: the header's longest menu (Organise, Admin)."""
    return UserFactory(name="Marie-Christine Vandenbroucke", is_staff=True)


@pytest.mark.parametrize("language", ["en", "fr", "nl"])
def test_a_members_header_is_two_tidy_rows_on_a_laptop(page, live_server, organiser, language):
    """Row one: the brand, the account (name, Organise, Admin, Log out) and the language; row
    two: the site's sections, on one line. Before, the brand sat alone and the links wrapped
    onto two more rows, the language select on a fourth."""
    page.set_viewport_size(LAPTOP)
    login(page, live_server, organiser)
    _language(page, live_server, language)
    page.goto("/events/")
    header = page.locator("header.site-header")
    brand = _box(header.locator(".brand"))
    name = _box(header.locator(".nav-account"))
    language_select = _box(header.locator("#language-select"))
    logout = _box(header.locator(".nav-user button[type=submit]"))
    for box in (name, language_select, logout):
        assert _same_row(brand, box), (brand, box)
    sections = [_box(link) for link in header.locator(".nav-main a").all()]
    assert len(sections) >= 7
    tops = {round(box["y"]) for box in sections}
    assert len(tops) == 1, f"the sections wrap onto {len(tops)} lines"
    assert sections[0]["y"] > brand["y"] + brand["height"] / 2
    assert _box(header)["height"] <= 130


def test_a_visitors_header_stays_one_row_on_a_laptop(page, live_server):
    page.set_viewport_size(LAPTOP)
    page.goto("/")
    header = page.locator("header.site-header")
    brand = _box(header.locator(".brand"))
    for link in ("Directory", "Log in", "Join"):
        assert _same_row(brand, _box(header.get_by_role("link", name=link, exact=True)))
    assert _same_row(brand, _box(header.locator("#language-select")))


# Every control a thumb aims at on a phone: buttons, the menu button, the language select,
# form fields, the section tabs (events, collaborations, account).
TAP_TARGETS = (
    ".brand, .nav-toggle, #language-select, main .button, main button, main select,"
    " main input[type=text], main input[type=search], .subnav a, .events-subnav a"
)
SMALL_TARGETS_JS = """(selector) => [...document.querySelectorAll(selector)]
  .map(el => [el, el.getBoundingClientRect()])
  .filter(([el, r]) => r.width && r.height && getComputedStyle(el).visibility !== 'hidden'
    && !el.closest('.visually-hidden') && (r.height < 40 || r.width < 40))
  .map(([el, r]) => `${el.nodeName}.${el.className} "${(el.innerText || el.name || '').trim()
    .slice(0, 30)}" ${Math.round(r.width)}x${Math.round(r.height)}`)"""


@pytest.fixture
def calendar_world(transactional_db, member):
    """An upcoming event the member registered for; three kinds of event."""
    event = EventFactory(title="Betacooks", start=timezone.now() + timedelta(days=2))
    event.registrations.create(user=member, status="confirmed")
    for slug in ("it-day", "speed-networking"):  # calendars with names of unequal lengths
        kind(slug)
    return event


@pytest.mark.parametrize("language", ["en", "nl"])
def test_controls_are_big_enough_for_a_thumb_on_a_phone(
    page, live_server, member, calendar_world, language
):
    """At least 40 px each way (the events' small buttons were 29 px high, the menu button
    32, the section tabs 25)."""
    login(page, live_server, member)
    _language(page, live_server, language)
    page.set_viewport_size(PHONE)
    for path in (
        "/events/",
        calendar_world.get_absolute_url(),
        "/events/mine/",
        "/collaborations/mine/",
        "/notifications/",
        "/directory/",
    ):
        page.goto(path)
        small = page.evaluate(SMALL_TARGETS_JS, TAP_TARGETS)
        assert not small, f"{path}: too small to tap: {small}"


def _gap(above, below) -> float:
    """Vertical space between the bottom of `above` and the top of `below`."""
    a, b = _box(above), _box(below)
    return b["y"] - (a["y"] + a["height"])


def test_the_calendar_buttons_line_up_and_the_section_breathes(page, calendar_world):
    page.set_viewport_size(LAPTOP)
    page.goto("/events/")
    calendars = page.locator("#calendars")
    subscribe = calendars.locator("[data-feed-link=subscribe]")
    assert subscribe.count() >= 3
    lefts = {round(_box(button)["x"]) for button in subscribe.all()}
    assert len(lefts) == 1, f"the Subscribe buttons zigzag: {sorted(lefts)}"
    assert _gap(page.locator(".event-grid .card").last, calendars.locator("h2")) >= 24
    by_kind = calendars.get_by_role("heading", name="By kind of event")
    if by_kind.count():
        assert _gap(calendars.locator(".feed-links .actions").first, by_kind) >= 12


def test_headings_and_buttons_do_not_touch_on_a_phone(page, live_server, member, calendar_world):
    login(page, live_server, member)
    page.set_viewport_size(PHONE)
    page.goto("/events/")
    month_view = page.locator("main .panel-header .button")
    assert _gap(month_view, page.locator(".events-subnav")) >= 8
    page.goto("/events/mine/")
    create = page.get_by_role("button", name="Create my calendar link")
    assert _gap(create, page.get_by_role("heading", name="Every public event")) >= 12


def test_a_collaborations_history_is_set_apart_from_its_participants(page, live_server, member):
    other = make_member("Tom Peeters", visibility=Visibility.PUBLIC).user
    collab = log(member, other, ParticipantSpec(role="client", company=CompanyFactory()))
    login(page, live_server, member)
    page.set_viewport_size(PHONE)
    page.goto(f"/collaborations/{collab.pk}/")
    assert _gap(page.locator(".collab-detail aside.card"), page.locator("#history-title")) >= 16


def test_email_preferences_put_each_checkbox_beside_its_label(page, live_server, member):
    login(page, live_server, member)
    for viewport in (PHONE, LAPTOP):
        page.set_viewport_size(viewport)
        page.goto("/notifications/")
        boxes = page.locator("main input[type=checkbox]")
        assert boxes.count() >= 3
        for box in boxes.all():
            label = page.locator(f"label[for='{box.get_attribute('id')}']")
            assert _same_row(_box(label), _box(box)) or _box(label)["y"] <= _box(box)["y"], (
                label.inner_text()
            )
            assert _box(label)["x"] > _box(box)["x"]


def test_the_month_is_a_list_of_days_on_a_phone(page, live_server, calendar_world):
    """Seven columns of 90 px do not fit 375: the grid showed Monday to Thursday and hid the
    rest of the week behind a sideways scroll. On a phone the month is the days with events,
    one under the other, each named ("Tue 8")."""
    page.set_viewport_size(PHONE)
    start = timezone.localtime(calendar_world.start)
    page.goto(f"/events/month/{start.year}/{start.month}/")
    region = page.locator(".table-wrap:has(table.month-grid)")
    widths = region.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert widths[0] <= widths[1], f"the month scrolls sideways inside its box: {widths}"
    link = page.locator(".month-event", has_text="Betacooks")
    box = _box(link)
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    day = page.locator("td", has=link)
    expect(day).to_contain_text(start.strftime("%a"))
    # Days without an event take no room (a month of 35 empty boxes to scroll past).
    empty = page.locator("table.month-grid td:not(:has(.month-event))")
    visible = [cell for cell in empty.all() if cell.is_visible()]
    assert not visible
    # On a laptop it is still the grid of the month, weekdays as columns.
    page.set_viewport_size(LAPTOP)
    expect(page.locator("table.month-grid thead")).to_be_visible()
    expect(empty.first).to_be_visible()


def test_a_collaborations_dates_read_like_the_rest_of_the_site(page, live_server, member):
    """ "1 Mar 2025" as on the events pages, not Django's American "March 1, 2025"."""
    other = make_member("Tom Peeters", visibility=Visibility.PUBLIC).user
    collab = log(member, other)
    login(page, live_server, member)
    page.goto(f"/collaborations/{collab.pk}/")
    expect(page.locator(".collab-facts")).to_contain_text("1 Mar 2025")


def test_the_phone_menu_keeps_the_signed_in_dot(page, live_server, member):
    """The taller menu links on a phone still show the green dot before the member's name."""
    login(page, live_server, member)
    page.set_viewport_size(PHONE)
    page.goto("/")
    page.locator("[data-nav-toggle]").click()
    account = page.locator(".nav-account")
    assert _box(account)["height"] >= 40
    dot = account.evaluate("el => getComputedStyle(el, '::before').width")
    assert float(dot.removesuffix("px")) > 4
