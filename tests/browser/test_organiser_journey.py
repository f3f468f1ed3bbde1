"""The organiser journey on a phone: Norman, an organiser of the Charleroi chapter, creates the
next Switch IT day in the console, publishes it, a follower registers on the event page,
Norman checks them in at the door and exports the registrations as CSV.

Screenshots of each step go to $BROWSER_SCREENSHOTS, by default var/screenshots/ (ignored by
git), named organiser-journey-<step>.png.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from betacowork.messaging.models import Outbox
from events.models import Event, EventKind, Registration
from members.models import Chapter, Space, Visibility
from tests.browser.conftest import login
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _screenshots() -> Path:
    folder = Path(os.environ.get("BROWSER_SCREENSHOTS") or settings.BASE_DIR / "var/screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _shot(page, step: str) -> None:
    page.screenshot(path=str(_screenshots() / f"organiser-journey-{step}.png"), full_page=True)


@pytest.fixture
def charleroi(transactional_db):
    """Switch Coworking's chapter, run by Norman, followed by Fatima; its last IT day."""
    # Transactional tests flush the seeded kinds: recreate the IT day as the migration does.
    it_day, _ = EventKind.objects.get_or_create(
        slug="it-day",
        defaults={
            "name_en": "IT Day",
            "name_fr": "Journée IT",
            "name_nl": "IT-dag",
            "default_capacity": 50,
            "default_duration_minutes": 180,
            "has_speakers": True,
        },
    )
    switch = Space.objects.create(
        name="Switch Coworking", slug="switch-coworking", city="Charleroi"
    )
    chapter = Chapter.objects.create(name="Charleroi", slug="charleroi", space=switch)
    norman = UserFactory(name="Norman Lambert", email="norman@example.test")
    chapter.organisers.add(norman)
    follower = UserFactory(name="Fatima Benali", email="fatima@example.test")
    follower.profile.visibility = Visibility.MEMBERS
    follower.profile.save()
    chapter.followers.add(follower)
    last = timezone.now() - timedelta(days=25)
    Event.objects.create(
        title="Switch IT day",
        slug="switch-it-day-last-month",
        kind=it_day,
        chapter=chapter,
        space=switch,
        start=last,
        end=last + timedelta(hours=3),
        capacity=50,
        status=Event.Status.PUBLISHED,
    )
    return {"chapter": chapter, "norman": norman, "follower": follower, "space": switch}


def test_norman_runs_the_next_switch_it_day_from_his_phone(page, browser, live_server, charleroi):
    norman, follower = charleroi["norman"], charleroi["follower"]
    page.set_viewport_size(PHONE)
    login(page, live_server, norman)

    # 1. The console, from the phone's menu, lists his chapter's events.
    page.goto("/")
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="Organise", exact=True).click()
    page.wait_for_url("**/organise/")
    expect(page.get_by_role("heading", name="Organise", exact=True)).to_be_visible()
    expect(page.locator("main")).to_contain_text("Switch IT day")
    _shot(page, "1-console")

    # 2. A new event: his chapter, its host space, 50 seats and the IT day are the defaults.
    page.get_by_role("link", name="New event").click()
    page.wait_for_url("**/organise/new/")
    expect(page.get_by_label("Chapter")).to_have_value(str(charleroi["chapter"].pk))
    expect(page.get_by_label("Space")).to_have_value(str(charleroi["space"].pk))
    expect(page.get_by_label("Capacity")).to_have_value("50")
    expect(page.get_by_label("Kind")).to_contain_text("IT Day")
    page.get_by_label("Title").fill("Switch IT day — next month")
    _shot(page, "2-new-event")
    page.get_by_role("button", name="Save as a draft").click()
    page.wait_for_url("**/organise/")
    expect(page.locator(".messages")).to_contain_text("is saved as a draft")
    event = Event.objects.get(title="Switch IT day — next month")
    assert event.status == Event.Status.DRAFT
    assert (event.chapter, event.space, event.capacity) == (
        charleroi["chapter"],
        charleroi["space"],
        50,
    )
    assert event.end - event.start == timedelta(hours=3)
    local_start = timezone.localtime(event.start)
    assert (local_start.weekday(), local_start.day <= 7, local_start.hour) == (3, True, 18)
    _shot(page, "3-draft")

    # 3. Publish: the follower is told, once.
    row = page.locator(f"#event-{event.slug}")
    row.get_by_role("button", name="Publish").click()
    page.wait_for_url("**/organise/")
    expect(page.locator(".messages")).to_contain_text("is published")
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED
    announced = Outbox.objects.filter(dedup_key__startswith=f"chapter-announce:{event.pk}:")
    assert list(announced.values_list("recipient_id", flat=True)) == [follower.pk]
    _shot(page, "4-published")

    # 4. The follower registers on the event page (her own phone, her own session).
    context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport=PHONE)
    try:
        phone = context.new_page()
        login(phone, live_server, follower)
        phone.goto(event.get_absolute_url())
        phone.get_by_role("button", name="Register").click()
        expect(phone.locator("[data-testid=my-status]")).to_contain_text("You're registered")
        phone.screenshot(
            path=str(_screenshots() / "organiser-journey-5-follower-registered.png"),
            full_page=True,
        )
    finally:
        context.close()
    registration = Registration.objects.get(event=event, user=follower)
    assert registration.status == Registration.Status.CONFIRMED

    # 5. The evening has come (check-in opens on its day). At the door: Norman checks her in.
    Event.objects.filter(pk=event.pk).update(
        start=timezone.now(), end=timezone.now() + timedelta(hours=3)
    )
    page.goto("/organise/")
    page.locator(f"#event-{event.slug}").get_by_role("link", name="Check-in").click()
    page.wait_for_url(f"**/events/{event.slug}/check-in/")
    page.locator(".check-in-row", has_text="Fatima Benali").get_by_role(
        "button", name="Check in"
    ).click()
    expect(page.locator("[data-checked-in-count]")).to_have_text("1")
    registration.refresh_from_db()
    assert registration.checked_in_at is not None
    _shot(page, "6-check-in")

    # 6. The registrations, and their CSV.
    page.goto("/organise/")
    page.locator(f"#event-{event.slug}").get_by_role("link", name="Registrations").click()
    page.wait_for_url(f"**/organise/{event.slug}/registrations/")
    expect(page.locator("[data-testid=confirmed]")).to_contain_text("Fatima Benali")
    expect(page.locator("[data-testid=confirmed]")).to_contain_text("checked in")
    _shot(page, "7-registrations")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download (CSV)").click()
    download = download_info.value
    assert download.suggested_filename == f"{event.slug}-registrations.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    assert "Fatima Benali" in text
    assert "fatima@example.test" not in text  # organisers get no email addresses
    fatima = next(line for line in text.splitlines() if line.startswith("Fatima Benali"))
    assert ",Confirmed," in fatima  # the status as the page says it, in its language


def test_norman_creates_the_monthly_it_day_with_the_recurrence_picker(page, live_server, charleroi):
    page.set_viewport_size(PHONE)
    login(page, live_server, charleroi["norman"])
    page.goto("/organise/")
    page.get_by_role("link", name="New series").click()
    page.wait_for_url("**/organise/series/new/")

    picker = page.locator("[data-recurrence]")
    page.get_by_label("How often").select_option("weekly")
    expect(picker.locator("[data-recurrence-part=weekday]")).to_be_visible()
    expect(picker.locator("[data-recurrence-part=ordinal]")).to_be_hidden()
    expect(picker.locator("[data-recurrence-part=monthday]")).to_be_hidden()
    page.get_by_label("How often").select_option("monthly-day")
    expect(picker.locator("[data-recurrence-part=weekday]")).to_be_hidden()
    expect(picker.locator("[data-recurrence-part=monthday]")).to_be_visible()
    page.get_by_label("How often").select_option("monthly-weekday")
    expect(picker.locator("[data-recurrence-part=ordinal]")).to_be_visible()
    page.get_by_label("Which one in the month").select_option("1")
    page.get_by_label("Day of the week").select_option("TH")
    page.get_by_label("Title").fill("Switch IT day")
    _shot(page, "8-series")
    page.get_by_role("button", name="Save the series").click()
    page.wait_for_url("**/organise/")
    expect(page.locator(".messages")).to_contain_text("every first Thursday of the month")

    occurrence = Event.objects.filter(series__isnull=False).order_by("start").first()
    assert occurrence is not None
    page.goto(occurrence.get_absolute_url())
    expect(page.locator("[data-testid=repeats]")).to_have_text("Every first Thursday of the month")
