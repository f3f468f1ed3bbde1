"""Console audit, round 4: editing an event in the organiser console."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from betacowork.messaging.models import Outbox
from events.models import Event
from tests.factories import ChapterFactory, SpaceFactory
from tests.html_forms import form_values

from . import test_console_forms as shared
from .factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

# The fixtures of test_console_forms.py (chapter, organiser_client).
chapter, organiser_client = shared.chapter, shared.organiser_client
BRUSSELS = ZoneInfo("Europe/Brussels")


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def _shown(client, slug: str) -> dict:
    """The edit form's fields as the page sends them back (hidden inputs included)."""
    page = client.get(f"/organise/{slug}/edit/").content.decode()
    return form_values(page, css_class="console-form")


# An ambiguous local time ----------------------------------------------------------------


def test_an_event_ending_in_the_repeated_hour_of_the_autumn_night_can_be_saved(
    organiser_client, chapter
):
    """Saturday 30 October 2027 22:00 to Sunday 02:30 winter time: 02:30 comes twice that
    night. The form shows "02:30" and Django refused to read it back ("may be ambiguous"), so
    the event could not be saved at all, not even to fix its title."""
    start = datetime(2027, 10, 30, 22, 0, tzinfo=BRUSSELS)
    end = datetime(2027, 10, 31, 2, 30, fold=1, tzinfo=BRUSSELS)  # the second 02:30 (CET)
    event = EventFactory(
        title="Hack night", slug="hack-night", chapter=chapter, space=chapter.space,
        start=start, end=end,
    )  # fmt: skip
    data = _shown(organiser_client, "hack-night")
    assert data["end"] == "2027-10-31T02:30"
    data["title"] = "Hack night in Charleroi"
    response = organiser_client.post("/organise/hack-night/edit/", data)
    assert response.status_code == 302, response.content.decode()
    event.refresh_from_db()
    assert event.title == "Hack night in Charleroi"
    # The same moment, 01:30 UTC (compared in UTC: PEP 495 makes a second 02:30 unequal to
    # any datetime of another zone).
    assert event.end == end.astimezone(UTC) == datetime(2027, 10, 31, 1, 30, tzinfo=UTC)
    assert event.end - event.start == timedelta(hours=5, minutes=30)
    assert event.version == 1


def test_a_new_time_in_the_repeated_hour_is_still_refused_clearly(organiser_client, chapter):
    start = datetime(2027, 10, 30, 22, 0, tzinfo=BRUSSELS)
    EventFactory(
        title="Hack night", slug="hack-night", chapter=chapter, space=chapter.space,
        start=start, end=start + timedelta(hours=3),
    )  # fmt: skip
    data = _shown(organiser_client, "hack-night")
    data["end"] = "2027-10-31T02:30"  # which of the two? the organiser must say otherwise
    response = organiser_client.post("/organise/hack-night/edit/", data)
    assert response.status_code == 400
    assert "may be ambiguous" in response.content.decode()


# A form opened before someone else changed the event --------------------------------------


@pytest.mark.parametrize("seconds", [0, 30])  # the admin takes seconds; the form shows none
def test_a_stale_edit_form_does_not_move_the_event_back_nor_tell_registrants_again(
    client, organiser, chapter, seconds
):
    """Two organisers of the chapter: Ann opens the edit form; Bob moves the evening to 19:00
    (registrants told); Ann then fixes the description. Her form still showed 18:00, and
    saving it put the event back at 18:00 and told every registrant a second time."""
    bob = type(organiser).objects.create_user(email="bob@example.test", password="x")
    chapter.organisers.add(bob)
    start = timezone.localtime(timezone.now() + timedelta(days=10)).replace(
        hour=18, minute=0, second=seconds, microsecond=0
    )
    event = EventFactory(
        title="Switch IT day", slug="it-day", chapter=chapter, space=chapter.space,
        start=start, end=start + timedelta(hours=3),
    )  # fmt: skip
    registrations = [RegistrationFactory(event=event) for _ in range(3)]

    client.force_login(organiser)
    ann_form = _shown(client, "it-day")

    client.force_login(bob)
    bob_form = _shown(client, "it-day")
    later = (start + timedelta(hours=1)).replace(second=0)  # the form sends minutes
    bob_form.update(start=_local(later), end=_local(later + timedelta(hours=3)))
    assert client.post("/organise/it-day/edit/", bob_form).status_code == 302
    event.refresh_from_db()
    assert (event.start, event.version) == (later, 2)
    changed = Outbox.objects.filter(kind="events.event_changed")
    assert changed.count() == len(registrations)

    client.force_login(organiser)
    ann_form["description"] = "Beers after the talks."
    assert client.post("/organise/it-day/edit/", ann_form).status_code == 302

    event.refresh_from_db()
    assert event.description == "Beers after the talks."
    assert (event.start, event.end) == (later, later + timedelta(hours=3))  # Bob's time kept
    assert event.version == 2
    assert changed.count() == len(registrations)  # nobody told twice


def test_a_form_without_the_shown_values_still_saves_every_field(organiser_client, chapter):
    """A client that sends only the fields (no hidden copy of what it showed) changes what it
    sends, as before."""
    event = EventFactory(
        title="Switch IT day", slug="it-day", chapter=chapter, space=chapter.space,
        room="Room 1",
    )  # fmt: skip
    data = {
        name: value
        for name, value in _shown(organiser_client, "it-day").items()
        if not name.startswith("initial-")
    }
    data.update(room="", title="Renamed")
    assert organiser_client.post("/organise/it-day/edit/", data).status_code == 302
    event.refresh_from_db()
    assert (event.title, event.room) == ("Renamed", "")
    assert Event.objects.count() == 1


def test_a_stale_form_whose_change_no_longer_fits_says_the_event_was_changed(
    client, organiser, chapter
):
    """Bob moves the evening a day later; Ann, on the form she opened before, changes only
    its end: that end is now before the start. She is told the event changed meanwhile, not
    only that "an event must end after it starts" beside values that look right to her."""
    bob = type(organiser).objects.create_user(email="bob@example.test", password="x")
    chapter.organisers.add(bob)
    start = timezone.localtime(timezone.now() + timedelta(days=10)).replace(
        hour=18, minute=0, second=0, microsecond=0
    )
    EventFactory(
        title="Switch IT day", slug="it-day", chapter=chapter, space=chapter.space,
        start=start, end=start + timedelta(hours=3),
    )  # fmt: skip
    client.force_login(organiser)
    ann_form = _shown(client, "it-day")
    client.force_login(bob)
    bob_form = _shown(client, "it-day")
    later = start + timedelta(days=1)
    bob_form.update(start=_local(later), end=_local(later + timedelta(hours=3)))
    assert client.post("/organise/it-day/edit/", bob_form).status_code == 302

    client.force_login(organiser)
    ann_form["end"] = _local(start + timedelta(hours=4))
    response = client.post("/organise/it-day/edit/", ann_form)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Someone changed this event since you opened this form" in page
    assert Event.objects.get().start == later


def test_moving_an_event_to_another_chapter_with_no_place_takes_that_chapters_space(
    organiser_client, organiser, chapter
):
    other = ChapterFactory(name="Namur", space=SpaceFactory(name="Cowork Namur", city="Namur"))
    other.organisers.add(organiser)
    event = EventFactory(title="Hack night", slug="hack-night", chapter=chapter, space=None)
    data = _shown(organiser_client, "hack-night")
    assert data["space"] == ""
    data["chapter"] = str(other.pk)
    assert organiser_client.post("/organise/hack-night/edit/", data).status_code == 302
    event.refresh_from_db()
    assert (event.chapter, event.space) == (other, other.space)
