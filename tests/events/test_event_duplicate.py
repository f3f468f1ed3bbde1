"""`event_duplicate` across the nights the clocks change: the copy lasts as long as the event
and lands at a time that exists, from the console's button as from the service."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from events import services
from events.models import Event
from tests.factories import ChapterFactory

from .factories import EventFactory

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")


def brussels(*args) -> datetime:
    return datetime(*args, tzinfo=BRUSSELS)


def local(moment: datetime) -> datetime:
    return moment.astimezone(BRUSSELS).replace(tzinfo=None)


@pytest.mark.parametrize(
    ("start", "end", "copy_start", "copy_end"),
    [
        # Summer time begins on 28 March 2027: 02:30 does not exist, the copy starts at 03:30
        # (as a series' occurrence at 02:30 does) and, its end 03:15 coming before that,
        # lasts the event's 45 minutes.
        (
            brussels(2027, 3, 21, 2, 30),
            brussels(2027, 3, 21, 3, 15),
            datetime(2027, 3, 28, 3, 30),
            datetime(2027, 3, 28, 4, 15),
        ),
        # It ends on 31 October 2027: 02:00-03:00 comes twice; the copy reads as the event
        # does, 02:30 (the first) to 03:15 — not "02:30 to 02:15".
        (
            brussels(2027, 10, 24, 2, 30),
            brussels(2027, 10, 24, 3, 15),
            datetime(2027, 10, 31, 2, 30),
            datetime(2027, 10, 31, 3, 15),
        ),
        # Review: a party over the autumn night (nine hours that night), copied a week later,
        # is still 20:00 to 04:00.
        (
            brussels(2027, 10, 30, 20),
            brussels(2027, 10, 31, 4),
            datetime(2027, 11, 6, 20),
            datetime(2027, 11, 7, 4),
        ),
    ],
    ids=["summer-time-begins", "summer-time-ends", "over-the-autumn-night"],
)
def test_a_copy_on_a_night_the_clocks_change_reads_as_the_event(start, end, copy_start, copy_end):
    event = EventFactory(start=start, end=end)
    copy = services.event_duplicate(event=event)
    copy.refresh_from_db()
    assert (local(copy.start), local(copy.end)) == (copy_start, copy_end)


def test_a_registration_window_in_the_skipped_hour_still_closes_after_it_opens():
    start = brussels(2027, 3, 21, 10)
    event = EventFactory(
        start=start,
        end=start + timedelta(hours=2),
        registration_opens_at=brussels(2027, 3, 21, 2, 30),
        registration_closes_at=brussels(2027, 3, 21, 3, 15),
    )
    copy = services.event_duplicate(event=event)
    copy.refresh_from_db()
    assert local(copy.start) == datetime(2027, 3, 28, 10)
    # 02:30 is skipped that night: the window opens at 03:30 and lasts its 45 minutes.
    assert local(copy.registration_opens_at) == datetime(2027, 3, 28, 3, 30)
    assert local(copy.registration_closes_at) == datetime(2027, 3, 28, 4, 15)


def test_the_consoles_duplicate_button_copies_an_event_of_the_spring_forward_night(
    client, organiser
):
    chapter = ChapterFactory()
    chapter.organisers.add(organiser)
    start = brussels(2027, 3, 21, 2, 30)
    event = EventFactory(
        slug="night-hack", chapter=chapter, start=start, end=start + timedelta(minutes=45)
    )
    client.force_login(organiser)
    response = client.post("/organise/night-hack/duplicate/")
    copy = Event.objects.exclude(pk=event.pk).get()
    assert response.status_code == 302
    assert response["Location"] == f"/organise/{copy.slug}/edit/"
    assert (local(copy.start), local(copy.end)) == (
        datetime(2027, 3, 28, 3, 30),
        datetime(2027, 3, 28, 4, 15),
    )
