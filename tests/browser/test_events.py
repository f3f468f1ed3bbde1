"""Events in a real browser: a member registers, sees themself coming, and the organiser
checks them in at the door with the page's script (and undoes it)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from events.models import Event, EventKind, Registration
from members.models import Chapter, Space, Visibility
from tests.browser.conftest import login
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def lunch(transactional_db):
    kind = EventKind.objects.filter(slug="betacooks").first() or EventKind.objects.create(
        slug="betacooks", name_en="Betacooks"
    )
    space = Space.objects.create(name="Betacowork", slug="betacowork", city="Brussels")
    return Event.objects.create(
        title="Betacooks lunch",
        slug="betacooks-lunch",
        kind=kind,
        start=timezone.now() + timedelta(days=3),
        end=timezone.now() + timedelta(days=3, minutes=90),
        space=space,
        capacity=20,
        status=Event.Status.PUBLISHED,
    )


def test_member_registers_and_sees_themself_coming(page, live_server, lunch):
    member = UserFactory(name="Inès Dubois")
    member.profile.visibility = Visibility.MEMBERS
    member.profile.save()
    login(page, live_server, member)

    page.goto("/events/")
    page.get_by_role("link", name="Betacooks lunch").first.click()
    page.wait_for_url(f"**{lunch.get_absolute_url()}")
    assert "20 seats left" in page.locator("[data-testid=seats]").inner_text()
    page.get_by_label("Note for the organisers (optional)").fill("vegetarian")
    page.get_by_role("button", name="Register").click()
    page.wait_for_load_state()

    assert "You're registered" in page.locator("[data-testid=my-status]").inner_text()
    assert "19 seats left" in page.locator("[data-testid=seats]").inner_text()
    assert "Inès Dubois" in page.locator(".who-is-coming").inner_text()
    assert Registration.objects.get(event=lunch, user=member).note == "vegetarian"

    page.goto("/events/")
    page.get_by_role("link", name="My events").first.click()
    page.wait_for_url("**/events/mine/")
    assert "Betacooks lunch" in page.locator("main").inner_text()
    assert "Confirmed" in page.locator("main").inner_text()


@pytest.fixture
def door(lunch):
    """The lunch on its day (check-in opens then), run by Norman, with Adam and Zoë coming."""
    organiser = UserFactory(name="Norman Lambert")
    chapter = Chapter.objects.create(name="Charleroi", slug="charleroi", space=lunch.space)
    chapter.organisers.add(organiser)
    lunch.chapter = chapter
    lunch.start, lunch.end = timezone.now(), timezone.now() + timedelta(minutes=90)
    lunch.save()
    for name in ("Zoë Guest", "Adam Other"):
        Registration.objects.create(
            event=lunch,
            name=name,
            email=f"{name.split()[0].lower()}@example.test",
            status=Registration.Status.CONFIRMED,
            confirmed_at=timezone.now(),
        )
    return organiser


def test_organiser_checks_in_with_one_tap_and_undoes(page, live_server, lunch, door):
    guest = Registration.objects.get(event=lunch, name="Zoë Guest")
    login(page, live_server, door)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone at the door
    page.goto(f"/events/{lunch.slug}/check-in/")
    page.get_by_placeholder("Search by name").fill("zo")
    assert page.locator(".check-in-row:visible").count() == 1

    row = page.locator(".check-in-row", has_text="Zoë Guest")
    row.get_by_role("button", name="Check in").click()
    expect(page.locator("[data-checked-in-count]")).to_have_text("1")
    guest.refresh_from_db()
    assert guest.checked_in_at is not None
    assert page.url.endswith("/check-in/")  # no reload: the script did it
    # A click keeps the focus on the button too (it used to fall back to <body>).
    expect(row.get_by_role("button", name="Undo · Zoë Guest")).to_be_focused()

    row.get_by_role("button", name="Undo").click()
    expect(page.locator("[data-checked-in-count]")).to_have_text("0")
    guest.refresh_from_db()
    assert guest.checked_in_at is None
    expect(row.get_by_role("button", name="Check in · Zoë Guest")).to_be_focused()


def test_the_door_list_keeps_the_keyboard_where_it_was(page, live_server, lunch, door):
    """Tab to a row's button, Enter: the check-in is done and said, and the focus stays on
    that button (now "Undo"), so the next Tab reaches the next person. The button used to
    be disabled during the request, which sent the focus to <body>: back to the top."""
    login(page, live_server, door)
    page.goto(f"/events/{lunch.slug}/check-in/")
    status = page.locator("[data-check-in-status]")
    page.get_by_placeholder("Search by name").focus()
    page.keyboard.press("Tab")  # the search button
    page.keyboard.press("Tab")
    adam = page.get_by_role("button", name="Check in · Adam Other")
    expect(adam).to_be_focused()

    page.keyboard.press("Enter")
    expect(page.locator("[data-checked-in-count]")).to_have_text("1")
    undo = page.get_by_role("button", name="Undo · Adam Other")
    expect(undo).to_be_focused()
    expect(status).to_have_text("Adam Other is checked in.")
    assert status.get_attribute("role") == "status"

    page.keyboard.press("Enter")
    expect(page.locator("[data-checked-in-count]")).to_have_text("0")
    expect(adam).to_be_focused()
    expect(status).to_have_text("Check-in undone for Adam Other.")

    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Check in · Zoë Guest")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("[data-checked-in-count]")).to_have_text("1")
    expect(page.get_by_role("button", name="Undo · Zoë Guest")).to_be_focused()
    assert Registration.objects.get(event=lunch, name="Zoë Guest").checked_in_at is not None
