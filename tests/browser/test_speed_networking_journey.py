"""The speed-networking evening in a browser: Norman, an organiser of the Charleroi chapter,
plans four rounds of pairs from his phone and starts them; Léa's phone follows her round
without reloading; the projector shows the room's tables in large type; the plan prints per
round and per person. A member with a hidden profile is seated like everyone else but never
named on a page the room (or the organiser) sees.

Screenshots go to $BROWSER_SCREENSHOTS, by default var/screenshots/ (ignored by git), named
speed-networking-<step>.png.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from events.models import Event, NetworkingSession, Round, Seat
from members.models import Chapter, Space, Visibility
from tests.browser.conftest import DEFAULT_TIMEOUT_MS, login
from tests.events.factories import RegistrationFactory, kind
from tests.factories import UserFactory, make_member

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PROJECTOR = {"width": 1280, "height": 720}
POLL_WAIT_MS = 15_000  # the phone polls every 5 s: three chances to see the new round

# (name, headline, offer slug): the room of the evening; the last profile is hidden.
PEOPLE = [
    ("Léa Dubois", "web designer", "web-design"),
    ("Karim Haddad", "accountant for freelancers", "bookkeeping"),
    ("Sofie Janssens", "copywriter in French and Dutch", "copywriting"),
    ("Tom Peeters", "Django developer", "web-development"),
    ("Amélie Laurent", "product photographer", "product-photography"),
    ("Youssef El Amrani", "growth marketer", "seo"),
    ("Inès Martin", "business lawyer", "contract-review"),
]
HIDDEN = ("Greta Verborgen", "interim CFO", "financial-planning")


def _screenshots() -> Path:
    folder = Path(os.environ.get("BROWSER_SCREENSHOTS") or settings.BASE_DIR / "var/screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _shot(page, step: str, *, full_page: bool = True) -> None:
    path = _screenshots() / f"speed-networking-{step}.png"
    page.screenshot(path=str(path), full_page=full_page)


@pytest.fixture
def evening(transactional_db):
    """Switch Coworking's Speed Networking evening, begun ten minutes ago: eight members with
    profiles registered and checked in, one of them hidden; Norman organises the chapter."""
    switch = Space.objects.create(
        name="Switch Coworking", slug="switch-coworking", city="Charleroi"
    )
    chapter = Chapter.objects.create(name="Charleroi", slug="charleroi", space=switch)
    norman = UserFactory(name="Norman Lambert", email="norman@example.test")
    chapter.organisers.add(norman)
    start = timezone.now() - timedelta(minutes=10)
    event = Event.objects.create(
        title="Speed Networking at Switch",
        slug="speed-networking-switch",
        kind=kind("speed-networking"),  # the migration's row is flushed by transactional tests
        chapter=chapter,
        space=switch,
        start=start,
        end=start + timedelta(hours=2),
        capacity=40,
        status=Event.Status.PUBLISHED,
    )
    people = {}
    for i, (name, headline, offer) in enumerate([*PEOPLE, HIDDEN]):
        hidden = (name, headline, offer) == HIDDEN
        profile = make_member(
            name,
            visibility=Visibility.HIDDEN if hidden else Visibility.MEMBERS,
            offers=[offer],
            headline=headline,
        )
        RegistrationFactory(
            event=event, user=profile.user, checked_in_at=start + timedelta(minutes=i)
        )
        people[profile.user_id] = profile
    return {"event": event, "norman": norman, "people": people}


def _table_of(event: Event, number: int, user_id: int) -> tuple[int, list[int]]:
    """(table, the others at it) for `user_id` in round `number`."""
    seats = Seat.objects.filter(round__session__event=event, round__number=number)
    table = seats.get(user_id=user_id).table
    return table, [s.user_id for s in seats.filter(table=table).exclude(user_id=user_id)]


def _room(event: Event, number: int, people: dict, hidden_id: int) -> dict[int, list[str]]:
    """{table: names} of round `number` as the room sees them (the hidden one: "a member")."""
    out: dict[int, list[str]] = {}
    seats = Seat.objects.filter(round__session__event=event, round__number=number)
    for table, user_id in seats.order_by("table", "user_id").values_list("table", "user_id"):
        name = "a member" if user_id == hidden_id else people[user_id].display_name
        out.setdefault(table, []).append(name)
    return out


def _summary(profile) -> str:
    offers = ", ".join(t.label("en") for t in profile.offers.all())
    return f"{profile.display_name} — {profile.headline}, offers {offers}"


def test_an_evening_of_speed_networking_from_phone_to_projector(
    page, browser, live_server, evening, console_errors
):
    event, norman, people = evening["event"], evening["norman"], evening["people"]
    hidden = next(p for p in people.values() if p.visibility == Visibility.HIDDEN)

    # 1. Norman, on his phone, plans four rounds of pairs through the form.
    page.set_viewport_size(PHONE)
    login(page, live_server, norman)
    page.goto(f"/events/{event.slug}/networking/")
    expect(page.locator("[data-testid=present]")).to_have_text("8")
    plan = page.locator("form[action$='/networking/plan/']")
    plan.get_by_label("Rounds").fill("4")
    plan.get_by_label("People per table").fill("2")
    plan.get_by_label("Minutes per round").fill("6")
    plan.get_by_role("button", name="Plan the rounds").click()
    page.wait_for_url(f"**/events/{event.slug}/networking/")
    expect(page.locator(".messages")).to_contain_text("The rounds are planned for 8 members.")
    assert Round.objects.filter(session__event=event).count() == 4
    expect(page.locator("#current-title")).to_have_text("Round 1 of 4: not started")

    # 2. He starts round 1: its four tables and the countdown are on his screen.
    page.get_by_role("button", name="Start round 1").click()
    page.wait_for_url(f"**/events/{event.slug}/networking/")
    expect(page.locator(".messages")).to_contain_text("Round 1 has started.")
    expect(page.locator("#current-title")).to_have_text("Round 1 of 4")
    expect(page.locator(".sn-current .sn-tables > li")).to_have_count(4)
    expect(page.locator(".sn-current [data-countdown]")).to_have_text(re.compile(r"^[0-6]:\d\d$"))
    expect(page.get_by_role("button", name="Start round 2")).to_be_visible()
    assert hidden.display_name not in page.locator("main").inner_text()
    _assert_fits(page)
    _shot(page, "organiser-run")

    # 3. Léa's phone (her own session): her table and partner, then round 2 without a reload.
    # Pick a visible member whose partners in rounds 1 and 2 are visible too (the hidden one
    # is "a member" to them, which another test covers).
    def partner_visible(user_id: int, number: int) -> bool:
        return hidden.user_id not in _table_of(event, number, user_id)[1]

    guest = next(
        p
        for p in people.values()
        if p.pk != hidden.pk and partner_visible(p.user_id, 1) and partner_visible(p.user_id, 2)
    )
    phone_errors: list[str] = []
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        timezone_id="Europe/Brussels",
        viewport=PHONE,
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        phone = context.new_page()
        phone.on("pageerror", lambda exc: phone_errors.append(f"uncaught: {exc}"))
        phone.on("console", lambda m: phone_errors.append(m.text) if m.type == "error" else None)
        login(phone, live_server, guest.user)
        phone.goto(f"/events/{event.slug}/networking/me/")
        table, (partner_id,) = _table_of(event, 1, guest.user_id)
        mine = phone.locator("[data-testid=my-round]")
        expect(mine).to_have_text(f"Round 1 · table {table} · with {_summary(people[partner_id])}")
        expect(phone.locator(".sn-me [data-countdown]")).to_have_text(re.compile(r"^[0-6]:\d\d$"))

        # A marker on the window and a navigation counter: both must survive the change.
        phone.evaluate("window.__snMarker = 'round-1'")
        navigations: list[str] = []
        phone.on(
            "framenavigated",
            lambda frame: navigations.append(frame.url) if frame == phone.main_frame else None,
        )

        page.get_by_role("button", name="Start round 2").click()
        page.wait_for_url(f"**/events/{event.slug}/networking/")
        expect(page.locator(".messages")).to_contain_text("Round 2 has started.")

        table, (partner_id,) = _table_of(event, 2, guest.user_id)
        expect(mine).to_have_text(
            f"Round 2 · table {table} · with {_summary(people[partner_id])}",
            timeout=POLL_WAIT_MS,
        )
        assert phone.evaluate("window.__snMarker") == "round-1"
        assert navigations == []
        partner = people[partner_id]
        expect(phone.locator("[data-companions] a")).to_have_text(
            f"{partner.display_name}'s profile"
        )
        _assert_fits(phone)
        _shot(phone, "phone-round")
    finally:
        context.close()

    # 4. The projector, on the room's screen: round 2's tables in large type, nobody hidden.
    page.set_viewport_size(PROJECTOR)
    page.goto(f"/events/{event.slug}/networking/projector/")
    expect(page.locator("[data-heading]")).to_have_text("Round 2 of 4")
    room = _room(event, 2, people, hidden.user_id)
    rows = page.locator("[data-tables] > li")
    expect(rows).to_have_count(len(room))
    for i, (number, names) in enumerate(sorted(room.items())):
        expect(rows.nth(i).locator(".sn-table-number")).to_have_text(f"Table {number}")
        expect(rows.nth(i).locator(".sn-names")).to_have_text(" · ".join(names))
    assert hidden.display_name not in page.content()
    names_px = page.locator("[data-tables] .sn-names").first.evaluate(
        "el => parseFloat(getComputedStyle(el).fontSize)"
    )
    heading_px = page.locator("[data-heading]").evaluate(
        "el => parseFloat(getComputedStyle(el).fontSize)"
    )
    assert names_px >= 28, f"projector names are {names_px}px: too small for the room"
    assert heading_px >= 48, f"projector heading is {heading_px}px"
    expect(page.locator(".site-header")).to_be_hidden()
    _shot(page, "projector", full_page=False)

    # 5. The printed plan: every round (table → people), then every person (round → table).
    page.goto(f"/events/{event.slug}/networking/print/")
    rounds = page.locator(".sn-print-round")
    expect(rounds).to_have_count(4)
    for number in range(1, 5):
        block = rounds.nth(number - 1)
        expect(block.locator("h3")).to_have_text(f"Round {number}")
        expect(block.locator("tbody tr")).to_have_count(4)
    per_person = page.locator(".sn-print-people tbody tr")
    expect(per_person).to_have_count(8)
    for profile in people.values():
        if profile.pk == hidden.pk:
            continue
        row = per_person.filter(has=page.get_by_role("rowheader", name=profile.display_name))
        expect(row.locator("td")).to_have_count(4)
    expect(per_person.filter(has=page.get_by_role("rowheader", name="a member"))).to_have_count(1)
    assert hidden.display_name not in page.content()
    _shot(page, "print")

    session = NetworkingSession.objects.get(event=event)
    assert (session.current_round, session.finished_at) == (2, None)
    assert phone_errors == [], phone_errors
    assert console_errors == [], console_errors


def _assert_fits(page) -> None:
    """Nothing sticks out sideways on a phone (no horizontal scrolling)."""
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page is {overflow}px wider than the phone"
