"""The admin saves an event whose time falls in the autumn night's repeated hour (QA round 9).

On Sunday 31 October 2027 clocks go back at 03:00: 02:00-03:00 comes twice. An event starting
at 02:30 (summer time) could not be saved in the admin at all, even to change its title:
"2027-10-31 02:30:00 could not be interpreted in time zone Europe/Brussels; it may be
ambiguous or it may not exist." The time the form showed unchanged now reads back as the
stored moment (`WallClockSplitField`, as the console's `WallClockField`); a new time in that
hour is still refused on its field, never a 500.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from .factories import EventFactory
from .test_admin import _change_data, admin_client  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")


@pytest.mark.parametrize("fold", [0, 1], ids=["summer-time", "winter-time"])
def test_an_event_starting_in_the_repeated_hour_keeps_its_time_when_its_title_changes(
    admin_client,  # noqa: F811
    fold,
):
    start = datetime(2027, 10, 31, 2, 30, fold=fold, tzinfo=BRUSSELS)
    event = EventFactory(title="Night hack", start=start, end=start + timedelta(hours=3))
    url = reverse("admin:events_event_change", args=[event.pk])
    data = _change_data(event, title="Night hack in Charleroi")
    assert (data["start_0"], data["start_1"]) == ("2027-10-31", "02:30:00")
    response = admin_client.post(url, data)
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.title == "Night hack in Charleroi"
    # The same moment (compared in UTC: PEP 495 makes a second 02:30 unequal to any
    # datetime of another zone), and no new time anybody is told of.
    assert event.start == start.astimezone(UTC)
    assert event.version == 1


def test_an_event_ending_in_the_repeated_hour_can_be_saved(admin_client):  # noqa: F811
    start = datetime(2027, 10, 30, 22, 0, tzinfo=BRUSSELS)
    end = datetime(2027, 10, 31, 2, 30, fold=1, tzinfo=BRUSSELS)
    event = EventFactory(title="Night hack", start=start, end=end)
    url = reverse("admin:events_event_change", args=[event.pk])
    response = admin_client.post(url, _change_data(event, title="Night hack, 2nd edition"))
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.end == datetime(2027, 10, 31, 1, 30, tzinfo=UTC)


def test_a_new_time_in_the_repeated_hour_is_refused_on_its_field(admin_client):  # noqa: F811
    start = datetime(2027, 10, 30, 22, 0, tzinfo=BRUSSELS)
    event = EventFactory(title="Night hack", start=start, end=start + timedelta(hours=3))
    url = reverse("admin:events_event_change", args=[event.pk])
    data = _change_data(event, end_0="2027-10-31", end_1="02:30:00")  # which 02:30?
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "may be ambiguous" in " ".join(response.context["adminform"].form.errors["end"])
    event.refresh_from_db()
    assert event.end == start + timedelta(hours=3)
