"""A moved event takes its registration window along (QA round 9).

An event on Thursday 15:41, registration open since Saturday and closing Wednesday 15:41;
the organiser moves it a week later in the console — saved, no warning — and from Wednesday
to the new date everyone read "Registration for this event is closed": the window stayed
where it was, and the console has no window fields to fix it. `event_update` now moves the
window by as much as the start moved (`window_follow_start`), unless the change sets it.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from events import services

from . import test_console_forms as shared
from .factories import EventFactory
from .test_admin import _change_data, admin_client  # noqa: F401 (a fixture)
from .test_console_audit_round4 import _local, _shown

pytestmark = pytest.mark.django_db

# The fixtures of test_console_forms.py (chapter, organiser_client).
chapter, organiser_client = shared.chapter, shared.organiser_client
BRUSSELS = ZoneInfo("Europe/Brussels")
DAY, WEEK = timedelta(days=1), timedelta(weeks=1)


def _short(value) -> str:
    return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def _thursday_event(**fields):
    """An event in three days at 15:41, registration opened two days ago and closing the day
    before at 15:41."""
    start = timezone.localtime(timezone.now() + 3 * DAY).replace(
        hour=15, minute=41, second=0, microsecond=0
    )
    return EventFactory(
        title="Switch IT day",
        slug="it-day",
        start=start,
        end=start + timedelta(hours=3),
        registration_opens_at=start - 5 * DAY,
        registration_closes_at=start - DAY,
        **fields,
    )


def test_moving_an_event_in_the_console_moves_its_registration_window(organiser_client, chapter):
    event = _thursday_event(chapter=chapter, space=chapter.space)
    start, opened = event.start, event.registration_opens_at
    data = _shown(organiser_client, "it-day")
    data.update(start=_local(start + WEEK), end=_local(event.end + WEEK))
    response = organiser_client.post("/organise/it-day/edit/", data, follow=True)
    assert response.status_code == 200

    event.refresh_from_db()
    assert event.start == start + WEEK
    # Closes the day before the new date at 15:41, as it closed the day before the old one.
    assert event.registration_closes_at == start + WEEK - DAY
    # Registration was open, and stays open (an opening already past does not move later).
    assert event.registration_opens_at == opened
    the_old_closing_day = start - DAY + timedelta(hours=1)
    assert services.registration_refusal(event=event, now=the_old_closing_day) is None
    page = response.content.decode()
    assert (
        f"“Switch IT day” is saved. Its registration window moved with it: registration "
        f"closes on {_short(event.registration_closes_at)}."
    ) in page


def test_a_window_still_to_come_moves_whole_and_keeps_its_wall_clock_across_dst():
    """Thursday 25 March 2027 19:00 (winter time), registration from the Monday 09:00 to the
    Wednesday 19:00; moved to 1 April (summer time): Monday 29 March 09:00 to Wednesday 31
    March 19:00, the days and hours the page said before."""
    start = datetime(2027, 3, 25, 19, 0, tzinfo=BRUSSELS)
    event = EventFactory(
        start=start,
        end=start + timedelta(hours=2),
        registration_opens_at=datetime(2027, 3, 22, 9, 0, tzinfo=BRUSSELS),
        registration_closes_at=datetime(2027, 3, 24, 19, 0, tzinfo=BRUSSELS),
    )
    new_start = datetime(2027, 4, 1, 19, 0, tzinfo=BRUSSELS)
    event = services.event_update(
        event=event, data={"start": new_start, "end": new_start + timedelta(hours=2)}
    )
    assert event.registration_opens_at == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)  # 09:00
    assert event.registration_closes_at == datetime(2027, 3, 31, 17, 0, tzinfo=UTC)  # 19:00


def test_a_window_the_change_sets_is_kept_as_set():
    start = datetime(2027, 3, 25, 19, 0, tzinfo=BRUSSELS)
    event = EventFactory(
        start=start,
        end=start + timedelta(hours=2),
        registration_closes_at=datetime(2027, 3, 24, 19, 0, tzinfo=BRUSSELS),
    )
    closes = datetime(2027, 3, 30, 12, 0, tzinfo=BRUSSELS)
    event = services.event_update(
        event=event,
        data={
            "start": start + WEEK,
            "end": start + WEEK + timedelta(hours=2),
            "registration_closes_at": closes,
        },
    )
    assert event.registration_closes_at == closes


def test_moving_an_event_in_the_admin_moves_its_window_and_says_so(admin_client):  # noqa: F811
    event = _thursday_event()
    start = event.start
    local = timezone.localtime(start + WEEK)
    # The admin's form sends the window as it showed it: unchanged, it follows the start.
    data = _change_data(
        event,
        start_0=local.strftime("%Y-%m-%d"),
        end_0=(local + timedelta(hours=3)).strftime("%Y-%m-%d"),
        registration_opens_at_0=timezone.localtime(event.registration_opens_at).strftime(
            "%Y-%m-%d"
        ),
        registration_opens_at_1="15:41:00",
        registration_closes_at_0=timezone.localtime(event.registration_closes_at).strftime(
            "%Y-%m-%d"
        ),
        registration_closes_at_1="15:41:00",
    )
    url = reverse("admin:events_event_change", args=[event.pk])
    response = admin_client.post(url, data, follow=True)
    assert response.status_code == 200
    event.refresh_from_db()
    assert event.registration_closes_at == start + WEEK - DAY
    assert (
        "Its registration window moved with it: registration closes on "
        f"{_short(event.registration_closes_at)}."
    ) in response.content.decode()
