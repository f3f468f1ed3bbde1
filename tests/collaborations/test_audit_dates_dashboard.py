"""Dates audit: the dashboard's events as the API gives them, on New Year's Eve in Brussels."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from collaborations.models import Collaboration
from tests.events.factories import EventFactory

from .conftest import attend, log

pytestmark = pytest.mark.django_db

BXL = ZoneInfo("Europe/Brussels")


def test_the_apis_top_events_start_in_brussels_time_like_its_event_list(
    client, member, other_member
):
    """The events endpoint writes "2025-12-31T23:30:00+01:00"; the dashboard wrote the same
    moment in UTC, "2025-12-31T22:30:00+00:00" — and an event at 00:30 on 1 January as
    "…-12-31T23:30:00+00:00": a script taking the date off the string put it in the wrong
    day, month and year (the dashboard page says 1 January)."""
    start = datetime(2026, 1, 1, 0, 30, tzinfo=BXL)
    event = EventFactory(title="New Year", start=start, end=start + timedelta(hours=2))
    for person in (member, other_member):
        attend(event, person)
    log(
        member,
        other_member,
        confirm=True,
        origin_type=Collaboration.Origin.EVENT,
        origin_event=event,
    )
    (top,) = client.get("/api/v1/dashboard/").json()["top_events"]
    listed = client.get("/api/v1/events/?from=2026-01-01&to=2026-01-01").json()["results"]
    assert top["start"] == listed[0]["start"] == "2026-01-01T00:30:00+01:00"
    assert datetime.fromisoformat(top["start"]) == start
