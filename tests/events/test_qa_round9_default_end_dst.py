"""An event's default length is elapsed time on DST nights too (QA round 9).

A kind lasting 180 minutes by default, started at 01:30 with the end left empty: on Sunday
31 October 2027 (clocks go back at 03:00) it lasted 4 hours (to 04:30 winter time), on
Sunday 28 March 2027 (clocks go forward at 02:00) 2 hours — the minutes were added to the
wall clock. A series' occurrences already last their duration as elapsed time; a single
event now does too (`event_default_end`), in the console, the admin and `event_create`.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import Event

from . import test_console_forms as shared
from .factories import kind
from .test_admin import _add_data, admin_client  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

# The fixtures of test_console_forms.py (chapter, organiser_client).
chapter, organiser_client = shared.chapter, shared.organiser_client
BRUSSELS = ZoneInfo("Europe/Brussels")
THREE_HOURS = timedelta(hours=3)

NIGHTS = pytest.mark.parametrize(
    ("day", "shown_end"),
    [("2027-10-31", "03:30"), ("2027-03-28", "05:30")],
    ids=["clocks-go-back", "clocks-go-forward"],
)


@pytest.fixture
def night_kind():
    it_day = kind("it-day")
    it_day.default_duration_minutes = 180
    it_day.save()
    return it_day


def _lasts_three_hours(event: Event, shown_end: str) -> None:
    assert event.duration == THREE_HOURS
    assert timezone.localtime(event.end).strftime("%H:%M") == shown_end


@NIGHTS
def test_the_console_s_new_event_lasts_its_kind_s_duration_on_a_dst_night(
    organiser_client, chapter, night_kind, day, shown_end
):
    data = shared._data(chapter, kind=night_kind.pk, start=f"{day}T01:30", end="")
    response = organiser_client.post("/organise/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    _lasts_three_hours(Event.objects.get(), shown_end)


@NIGHTS
def test_the_admin_s_new_event_lasts_its_kind_s_duration_on_a_dst_night(
    admin_client,  # noqa: F811
    night_kind,
    day,
    shown_end,
):
    data = _add_data(night_kind, start_0=day, start_1="01:30:00")
    response = admin_client.post(reverse("admin:events_event_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    _lasts_three_hours(Event.objects.get(slug="extra-lunch"), shown_end)


@NIGHTS
def test_event_create_without_an_end_lasts_the_kind_s_duration_on_a_dst_night(
    night_kind, day, shown_end
):
    start = datetime.fromisoformat(f"{day}T01:30").replace(tzinfo=BRUSSELS)
    event = services.event_create(actor=None, title="Night hack", kind=night_kind, start=start)
    _lasts_three_hours(event, shown_end)
