"""Dates audit: the .ics a member imports or subscribes to, across the night summer time ends
and when the event is cancelled (read with the strict parser of tests/events/test_ics.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from events import services
from events.ics import event_ics

from .factories import EventFactory, RegistrationFactory
from .test_ics import brussels_offset, children, local, prop, strict_parse

pytestmark = pytest.mark.django_db


def instant(vevent: dict, name: str) -> datetime:
    """The UTC instant a calendar reads from DTSTART/DTEND: a UTC value as it is, a
    TZID=Europe/Brussels value by the VTIMEZONE's rules (a repeated local time is its first
    occurrence, RFC 5545 §3.3.5: `brussels_offset` gives the summer offset then)."""
    _name, params, value = prop(vevent, name)
    if value.endswith("Z"):
        assert "TZID" not in params
        return local(value[:-1])
    assert params["TZID"] == "Europe/Brussels"
    return local(value) - brussels_offset(local(value))


# 25 October 2026: at 03:00 CEST the clocks go back to 02:00 CET; 02:00-03:00 comes twice.
FIRST_0230 = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
SECOND_0230 = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET, an hour later


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (SECOND_0230, SECOND_0230 + timedelta(hours=2)),  # starts in the second 02:30
        (SECOND_0230 - timedelta(hours=3), SECOND_0230),  # a party ending then
        (FIRST_0230, FIRST_0230 + timedelta(minutes=30)),  # first pass: 02:30-02:00 CET
        (FIRST_0230, SECOND_0230),  # 02:30 CEST to 02:30 CET: one hour, same wall clock
        (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
    ],
)
def test_a_calendar_reads_the_real_times_on_both_dst_nights(start, end):
    event = EventFactory(start=start, end=end)
    (vevent,) = children(strict_parse(event_ics(event)), "VEVENT")
    assert instant(vevent, "DTSTART") == start.replace(tzinfo=None)
    assert instant(vevent, "DTEND") == end.replace(tzinfo=None)


def test_ordinary_times_keep_their_brussels_wall_clock():
    event = EventFactory(start=datetime(2026, 10, 25, 11, 0, tzinfo=UTC))  # 12:00 CET
    (vevent,) = children(strict_parse(event_ics(event)), "VEVENT")
    _name, params, value = prop(vevent, "DTSTART")
    assert (params["TZID"], value) == ("Europe/Brussels", "20261025T120000")


def test_a_cancellation_is_a_new_sequence_so_imported_copies_update():
    """A member added the event from its page ("add to calendar"); it is cancelled and they
    open its .ics again: with the same UID and SEQUENCE, calendars keep the old copy."""
    event = EventFactory()
    before = children(strict_parse(event_ics(event)), "VEVENT")[0]
    services.event_cancel(event=event, actor=None)
    event.refresh_from_db()
    after = children(strict_parse(event_ics(event)), "VEVENT")[0]
    assert prop(after, "UID")[2] == prop(before, "UID")[2]
    assert prop(after, "STATUS")[2] == "CANCELLED"
    assert int(prop(after, "SEQUENCE")[2]) > int(prop(before, "SEQUENCE")[2])


def test_a_moved_then_cancelled_event_never_goes_back_in_sequence(client, member):
    event = EventFactory()
    RegistrationFactory(event=event, user=member)
    seen = []

    def sequence():
        vevent = children(
            strict_parse(client.get(reverse("events:ics", args=[event.slug])).content), "VEVENT"
        )[0]
        seen.append(int(prop(vevent, "SEQUENCE")[2]))

    sequence()
    services.event_update(
        event=event,
        data={"start": event.start + timedelta(hours=1), "end": event.end + timedelta(hours=1)},
    )
    sequence()
    services.event_cancel(event=event, actor=None)
    sequence()
    assert seen == sorted(set(seen)), seen
