"""Series audit, round 4: what an organiser creating a recurring event in the console sees."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from events import services
from events.models import Event, EventSeries

from . import test_console_forms as shared
from .factories import EventSeriesFactory, kind

pytestmark = pytest.mark.django_db

# The fixtures of test_console_forms.py (chapter, organiser_client).
chapter, organiser_client = shared.chapter, shared.organiser_client


def _series(chapter, /, **overrides) -> dict:
    data = {
        "title": "Betacooks Charleroi",
        "kind": kind("betacooks").pk,
        "chapter": chapter.pk,
        "rrule_pattern": "weekly",
        "rrule_weekday": "TU",
        "rrule_ordinal": "1",
        "rrule_monthday": "",
        "start_time": "12:30",
        "duration_minutes": "90",
        "starts_on": timezone.localdate().isoformat(),
        "ends_on": "",
        "space": "",
        "room": "",
        "capacity": "50",
        "visibility": "public",
        "description": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("starts_on", "message"),
    [
        # From year 1, each generation walks 105,000 weeks of the rule (seconds, every run).
        ("0001-01-01", "An event cannot be dated before 2000."),
        ("1026-12-01", "An event cannot be dated before 2000."),
        # A typo for 2026: a series that would never hold an event.
        ("5026-12-01", "An event can be dated at most 10 years ahead."),
    ],
)
def test_a_series_first_date_far_away_is_refused_like_an_events(
    organiser_client, chapter, starts_on, message
):
    response = organiser_client.post("/organise/series/new/", _series(chapter, starts_on=starts_on))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not EventSeries.objects.exists()


def test_the_series_service_refuses_a_first_date_far_away(organiser, chapter):
    fields = {
        "title": "Betacooks",
        "kind": kind("betacooks"),
        "rrule": "FREQ=WEEKLY;BYDAY=TU",
        "start_time": time(12, 30),
        "starts_on": date(1, 1, 1),
        "chapter": chapter,
        "space": chapter.space,
    }
    with pytest.raises(ValidationError) as raised:
        services.series_save(actor=organiser, **fields)
    assert "starts_on" in raised.value.message_dict
    assert not EventSeries.objects.exists()


def test_a_series_created_after_todays_time_does_not_create_todays_past_occurrence(
    organiser_client, chapter, monkeypatch
):
    """Created today after its time (a Tuesday-lunch series set up on Tuesday afternoon):
    today's lunch is already over. It used to be created, published, listed among the
    chapter's past events with nobody at it (and counted by its yearly report)."""
    _at_two_pm(monkeypatch)  # an hour ago is today, whatever the hour the suite runs at
    now = timezone.localtime()
    past = (now - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    weekday = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[now.weekday()]
    data = _series(chapter, rrule_weekday=weekday, start_time=past.strftime("%H:%M"), publish="on")
    response = organiser_client.post("/organise/series/new/", data, follow=True)
    assert response.status_code == 200
    series = EventSeries.objects.get()
    starts = list(series.events.values_list("start", flat=True))
    assert starts, "the next weeks' occurrences are created"
    assert all(start > timezone.now() for start in starts)
    assert now.date() not in set(series.events.values_list("series_date", flat=True))


def _at_two_pm(monkeypatch) -> None:
    """The clock (`timezone.now`, and so `localtime()` and `localdate()`) at 14:00 today."""
    two_pm = timezone.localtime().replace(hour=14, minute=0, second=0, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: two_pm)


def test_generation_still_creates_todays_occurrence_to_come(monkeypatch):
    today = date(2027, 3, 2)  # a Tuesday
    monkeypatch.setattr("events.services.series.timezone.localdate", lambda *a, **k: today)
    series = EventSeriesFactory(starts_on=today, start_time=time(12, 30))
    created = services.series_generate(series=series, until=date(2027, 3, 16))
    assert [e.series_date for e in created] == [today, date(2027, 3, 9), date(2027, 3, 16)]
    assert all(e.status == Event.Status.PUBLISHED for e in created)
    assert timezone.localtime(created[0].start).replace(tzinfo=None) == datetime(2027, 3, 2, 12, 30)


def test_the_admin_refuses_a_series_from_year_one_too(client, staff):
    from django.urls import reverse

    client.force_login(staff)
    response = client.post(
        reverse("admin:events_eventseries_add"),
        {
            "title": "Betacooks",
            "kind": kind("betacooks").pk,
            "start_time": "12:30",
            "duration_minutes": 90,
            "rrule_pattern": "weekly",
            "rrule_weekday": "TU",
            "starts_on": "0001-01-01",
            "visibility": "public",
            "weeks_ahead": 8,
            "active": "on",
            "publish": "on",
        },
    )
    assert response.status_code == 200
    assert "An event cannot be dated before 2000." in response.content.decode()
    assert not EventSeries.objects.exists()


def test_a_series_saved_before_with_a_first_date_long_ago_still_generates():
    """The first date's bounds are checked where a series is saved, not at generation: a
    series saved before the check keeps creating its occurrences."""
    series = EventSeriesFactory(rrule="FREQ=WEEKLY;BYDAY=TU", starts_on=date(1990, 1, 2))
    created = services.series_generate(series=series)
    assert created
    assert all(event.start > timezone.now() for event in created)
    with pytest.raises(ValidationError) as refused:
        series.full_clean(exclude=["generated_until"])
    assert "starts_on" in refused.value.message_dict
