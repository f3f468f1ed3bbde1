"""Dates audit: the edges of a day, a month and a year in Brussels (the server and the
database run in UTC): 23:30 and 00:30 local are the other UTC day. These held; kept so they
keep holding."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from events.budget.selectors import budget_overview, report_years
from events.services import registration_refusal

from .factories import EventFactory

pytestmark = pytest.mark.django_db

BXL = ZoneInfo("Europe/Brussels")
NYE = datetime(2026, 12, 31, 23, 30, tzinfo=BXL)  # 22:30 UTC
NEW_YEAR = datetime(2027, 1, 1, 0, 30, tzinfo=BXL)  # 23:30 UTC on 31 December


@pytest.fixture
def edges():
    return {
        "nye": EventFactory(title="Last of 2026", start=NYE, end=NYE + timedelta(minutes=20)),
        "new": EventFactory(
            title="First of 2027", start=NEW_YEAR, end=NEW_YEAR + timedelta(hours=1)
        ),
    }


def test_the_budget_counts_each_event_in_its_brussels_year(edges):
    later = datetime(2027, 2, 1, tzinfo=BXL)
    assert budget_overview(year=2026, now=later).totals.events == 1
    assert budget_overview(year=2027, now=later).totals.events == 1
    assert {2026, 2027} <= set(report_years())


def test_the_month_grid_puts_each_event_on_its_brussels_day(client, edges):
    def days(year, month):
        weeks = client.get(reverse("events:month", args=[year, month])).context["weeks"]
        return {
            event.title: day["date"].isoformat()
            for week in weeks
            for day in week
            for event, _continued in day["entries"]
        }

    # Each grid shows the days around its month too (the same events, on the same days).
    expected = {"Last of 2026": "2026-12-31", "First of 2027": "2027-01-01"}
    assert {t: d for t, d in days(2026, 12).items() if t in expected} == expected
    assert {t: d for t, d in days(2027, 1).items() if t in expected} == expected


def test_the_apis_day_filters_are_brussels_days(client, edges):
    def titles(day):
        response = client.get(f"/api/v1/events/?from={day}&to={day}")
        return [e["title"] for e in response.json()["results"]]

    assert titles("2026-12-31") == ["Last of 2026"]
    assert titles("2027-01-01") == ["First of 2027"]


def test_registration_opens_and_closes_on_the_minute():
    opens = datetime(2026, 12, 20, 9, 0, tzinfo=BXL)
    closes = datetime(2026, 12, 29, 12, 0, tzinfo=BXL)
    event = EventFactory(start=NYE, end=NYE + timedelta(hours=1))
    event.registration_opens_at, event.registration_closes_at = opens, closes
    minute = timedelta(minutes=1)
    assert registration_refusal(event=event, now=opens - minute) is not None
    assert registration_refusal(event=event, now=opens) is None
    assert registration_refusal(event=event, now=closes - minute) is None
    assert registration_refusal(event=event, now=closes) is not None
