"""Organiser console, QA round 5: controls offered that could only be refused or do nothing
(a cancelled event's edit form, "Cancel" on an evening under way, a message to nobody), pages
that did not say the event is cancelled, and an occurrence's edit page that did not say it
belongs to a series."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_render
from betacowork.submissions.services import nonce_new
from events import services
from events.console.services import console_event_update
from events.models import Event
from tests.factories import ChapterFactory, UserFactory
from tests.html_forms import form_values

from . import test_console_forms as shared
from .factories import EventFactory, EventSeriesFactory, RegistrationFactory, kind

pytestmark = pytest.mark.django_db

# The fixtures of test_console_forms.py (chapter, organiser_client).
chapter, organiser_client = shared.chapter, shared.organiser_client


def _row(client, slug: str) -> str:
    """The console list's card of one event."""
    page = client.get("/organise/").content.decode()
    return re.search(rf'id="event-{slug}">.*?</div>\s*</li>', page, re.S).group(0)


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


# A cancelled event -----------------------------------------------------------------------


@pytest.fixture
def cancelled(chapter):
    event = EventFactory(title="Switch IT day", slug="switch", chapter=chapter, space=chapter.space)
    RegistrationFactory(event=event)
    services.event_cancel(event=event)
    event.refresh_from_db()
    return event


def test_a_cancelled_event_offers_no_edit_form_and_refuses_a_change(organiser_client, cancelled):
    """Its registrants were told it will not happen: moving it (or renaming it) afterwards
    changed what the public page shows, bumped its calendar version and told nobody. The
    list offers a copy instead, and the edit page says why there is no form."""
    row = _row(organiser_client, "switch")
    assert "/organise/switch/edit/" not in row
    assert "/organise/switch/duplicate/" in row

    page = organiser_client.get("/organise/switch/edit/").content.decode()
    assert 'class="form console-form"' not in page
    assert "Duplicate the event to hold it again" in page
    assert "/organise/switch/duplicate/" in page

    later = cancelled.start + timedelta(days=1)
    response = organiser_client.post(
        "/organise/switch/edit/",
        {
            "title": "Switch IT day (moved)",
            "kind": cancelled.kind_id,
            "chapter": cancelled.chapter_id,
            "start": _local(later),
            "end": _local(later + timedelta(hours=2)),
            "space": cancelled.space_id,
            "capacity": cancelled.capacity,
            "visibility": cancelled.visibility,
        },
    )
    assert response.status_code == 400
    assert "Duplicate the event to hold it again" in response.content.decode()
    before = cancelled.start, cancelled.version
    cancelled.refresh_from_db()
    assert cancelled.title == "Switch IT day"
    assert (cancelled.start, cancelled.version) == before


def test_the_service_refuses_to_change_a_cancelled_event(organiser, cancelled):
    with pytest.raises(ValidationError):
        console_event_update(actor=organiser, event=cancelled, fields={"title": "Renamed"})
    cancelled.refresh_from_db()
    assert cancelled.title == "Switch IT day"


def test_the_registrations_and_costs_pages_say_the_event_is_cancelled(organiser_client, cancelled):
    """They showed "1 / 10 confirmed" like an evening still to come."""
    for url in ("/organise/switch/registrations/", "/budget/events/switch/costs/"):
        page = organiser_client.get(url).content.decode()
        assert '<span class="badge badge-danger">Cancelled</span>' in page, url


def test_a_published_event_is_still_edited_as_before(organiser_client, chapter):
    event = EventFactory(title="IT day", slug="it-day", chapter=chapter, space=chapter.space)
    page = organiser_client.get("/organise/it-day/edit/").content.decode()
    data = form_values(page, css_class="console-form")
    data["title"] = "IT day in Charleroi"
    assert organiser_client.post("/organise/it-day/edit/", data).status_code == 302
    event.refresh_from_db()
    assert event.title == "IT day in Charleroi"
    assert "/organise/it-day/edit/" in _row(organiser_client, "it-day")


# An evening under way ----------------------------------------------------------------------


def test_an_event_under_way_is_not_offered_cancel(organiser_client, chapter):
    """Its cancel page only says it has started and can no longer be cancelled."""
    now = timezone.now()
    EventFactory(
        slug="tonight", chapter=chapter, space=chapter.space,
        start=now - timedelta(minutes=30), end=now + timedelta(hours=2),
    )  # fmt: skip
    EventFactory(slug="next-week", chapter=chapter, space=chapter.space)
    assert "/organise/tonight/cancel/" not in _row(organiser_client, "tonight")
    assert "/organise/next-week/cancel/" in _row(organiser_client, "next-week")


# A message to nobody -----------------------------------------------------------------------


def test_a_message_to_an_event_nobody_registered_for_is_not_offered(organiser_client, chapter):
    """The form said "Goes by email to 0 confirmed people" and answered "Sent to 0 people"."""
    EventFactory(slug="empty", chapter=chapter, space=chapter.space)
    registrations = organiser_client.get("/organise/empty/registrations/").content.decode()
    assert "/organise/empty/message/" not in registrations

    page = organiser_client.get("/organise/empty/message/").content.decode()
    assert 'class="form console-form"' not in page
    assert "Nobody is registered for this event: there is nobody to write to." in page

    response = organiser_client.post(
        "/organise/empty/message/",
        {"subject": "Parking", "body": "Use the back entrance.", "nonce": nonce_new()},
    )
    assert response.status_code == 400
    assert "there is nobody to write to" in response.content.decode()
    assert not Outbox.objects.filter(dedup_key__startswith="organiser-note:").exists()


def test_a_message_to_the_waitlist_alone_is_still_offered(organiser_client, chapter):
    event = EventFactory(slug="full", chapter=chapter, space=chapter.space, capacity=1)
    RegistrationFactory(event=event, status="waitlisted", waitlisted_at=timezone.now())
    page = organiser_client.get("/organise/full/message/").content.decode()
    assert 'class="form console-form"' in page


# One date of a series ----------------------------------------------------------------------


@pytest.fixture
def occurrence(chapter):
    series = EventSeriesFactory(
        title="Thursday lunch",
        chapter=chapter,
        space=chapter.space,
        kind=kind("betacooks"),
        rrule="FREQ=WEEKLY;BYDAY=TH",
        starts_on=timezone.localdate(),
        capacity=20,
    )
    return services.series_generate(series=series)[0]


def test_an_occurrences_edit_page_says_a_change_applies_to_this_date_only(
    organiser_client, occurrence
):
    """Saving it detaches the date from its series (later changes of the series skip it):
    the page said nothing of the series, nor where to change every date."""
    page = organiser_client.get(f"/organise/{occurrence.slug}/edit/").content.decode()
    assert "Thursday lunch" in page
    assert "applies to this date only" in page.replace("\n", " ")
    assert f"/organise/series/{occurrence.series_id}/edit/" in page


def test_an_occurrence_edited_on_its_own_says_the_series_no_longer_reaches_it(
    organiser_client, occurrence
):
    services.event_update(event=occurrence, data={"title": "Lunch with a guest"})
    page = organiser_client.get(f"/organise/{occurrence.slug}/edit/").content.decode()
    assert "edited on its own" in page
    assert "applies to this date only" not in page


def test_a_series_link_is_not_offered_to_who_may_not_change_the_series(client, occurrence):
    """An organiser of another chapter the occurrence was moved to runs the date, not the
    series."""
    other = ChapterFactory(name="Namur")
    namur_organiser = UserFactory()
    other.organisers.add(namur_organiser)
    Event.objects.filter(pk=occurrence.pk).update(chapter=other, detached=True)
    client.force_login(namur_organiser)
    page = client.get(f"/organise/{occurrence.slug}/edit/").content.decode()
    assert "Thursday lunch" in page
    assert f"/organise/series/{occurrence.series_id}/edit/" not in page


# --- an organiser's note to the guests of a cancelled event -------------------------------


@pytest.mark.parametrize("cancelled", [False, True], ids=["on", "cancelled"])
def test_a_note_to_guests_offers_to_cancel_only_what_can_be_cancelled(
    organiser, chapter, cancelled
):
    """Writing to the registrants of a cancelled event ("we'll hold it again in May") is
    allowed; the guest's copy then carries no "Cancel your registration" link, whose page
    could only say the event is cancelled."""
    from events.console.services import organiser_note_send

    event = EventFactory(title="Switch IT day", chapter=chapter, space=chapter.space)
    RegistrationFactory(event=event, user=None, name="Gert Gast", email="gert@example.test")
    if cancelled:
        services.event_cancel(event=event, actor=organiser)
        event.refresh_from_db()
    organiser_note_send(
        actor=organiser,
        event=event,
        subject="Next time",
        body="We hold it again in May.",
        include_waitlist=False,
        nonce=nonce_new(),
    )
    outbox_render(list(Outbox.objects.all()))  # written as data: rendered when sent
    row = Outbox.objects.get(kind="events.organiser_note", to_email="gert@example.test")
    assert "We hold it again in May." in row.body_text
    offered = "Cancel your registration" in row.body_text
    assert offered is not cancelled
    assert ("/guest-cancel/" in row.body_html) is not cancelled
