"""A series saved in the admin generates its next weeks at once, as the console's does, and
the generate action says why a stopped series makes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from events.models import Event, EventSeries

from .factories import EventSeriesFactory, kind

pytestmark = pytest.mark.django_db


def series_form_data(**overrides) -> dict:
    tomorrow = timezone.localdate() + timedelta(days=1)
    data = {
        "title": "Betacooks",
        "kind": kind("betacooks").pk,
        "start_time": "12:30",
        "duration_minutes": 90,
        "rrule_pattern": "weekly",
        "rrule_weekday": ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][tomorrow.weekday()],
        "rrule_ordinal": "1",
        "rrule_monthday": "",
        "starts_on": tomorrow.isoformat(),
        "visibility": "public",
        "weeks_ahead": 4,
        "active": "on",
        "publish": "on",
    }
    data.update(overrides)
    return data


def _said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_series_added_in_the_admin_has_its_next_weeks_at_once(admin_client):
    response = admin_client.post(reverse("admin:events_eventseries_add"), series_form_data())
    assert response.status_code == 302
    series = EventSeries.objects.get()
    occurrences = Event.objects.filter(series=series)
    assert occurrences.count() >= 4  # four weeks ahead, weekly
    assert f"{occurrences.count()} new occurrences are generated." in _said(response)


def test_a_stopped_series_added_in_the_admin_generates_nothing(admin_client):
    data = series_form_data()
    del data["active"]
    response = admin_client.post(reverse("admin:events_eventseries_add"), data)
    assert response.status_code == 302
    assert not Event.objects.exists()
    assert not [m for m in _said(response) if "generated" in m]


def test_more_weeks_ahead_in_the_admin_generate_them_at_once(admin_client):
    admin_client.post(reverse("admin:events_eventseries_add"), series_form_data())
    series = EventSeries.objects.get()
    before = Event.objects.filter(series=series).count()
    url = reverse("admin:events_eventseries_change", args=[series.pk])
    response = admin_client.post(url, series_form_data(weeks_ahead=8))
    assert response.status_code == 302
    assert Event.objects.filter(series=series).count() >= before + 4


def test_the_generate_action_says_a_stopped_series_makes_nothing(admin_client):
    series = EventSeriesFactory(active=False, title="Old lunches")
    response = admin_client.post(
        reverse("admin:events_eventseries_changelist"),
        {"action": "action_generate", "_selected_action": [series.pk]},
    )
    assert "Old lunches: stopped (not active), so nothing is generated." in _said(response)
    assert not Event.objects.filter(series=series).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("weeks_ahead", "80", "Ensure this value is less than or equal to 52."),
        ("duration_minutes", "2000", "Ensure this value is less than or equal to 1440."),
    ],
)
def test_the_admin_refuses_a_year_and_more_ahead_or_a_day_and_more_long(
    admin_client, field, value, message
):
    data = series_form_data(**{field: value})
    response = admin_client.post(reverse("admin:events_eventseries_add"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not EventSeries.objects.exists()
    assert not Event.objects.exists()
