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


def test_organiser_checks_in_with_one_tap_and_undoes(page, live_server, lunch):
    organiser = UserFactory(name="Norman Lambert")
    chapter = Chapter.objects.create(name="Charleroi", slug="charleroi", space=lunch.space)
    chapter.organisers.add(organiser)
    lunch.chapter = chapter
    # The day has come: check-in opens on the event's day.
    lunch.start, lunch.end = timezone.now(), timezone.now() + timedelta(minutes=90)
    lunch.save()
    guest = Registration.objects.create(
        event=lunch,
        name="Zoë Guest",
        email="zoe@example.test",
        status=Registration.Status.CONFIRMED,
        confirmed_at=timezone.now(),
    )
    Registration.objects.create(
        event=lunch,
        name="Adam Other",
        email="adam@example.test",
        status=Registration.Status.CONFIRMED,
        confirmed_at=timezone.now(),
    )
    login(page, live_server, organiser)
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

    row.get_by_role("button", name="Undo").click()
    expect(page.locator("[data-checked-in-count]")).to_have_text("0")
    guest.refresh_from_db()
    assert guest.checked_in_at is None
