"""The .ics we write (with `icalendar`) parsed by a different, strict RFC 5545 reader.

`strict_parse` below is written for this test and shares nothing with the writer: it
unfolds lines (RFC 5545 §3.1), checks CRLF endings and the 75-octet limit, requires
BEGIN/END nesting to balance, and returns components as dicts. Times are then checked by hand
against the VTIMEZONE rules (CET/CEST) rather than through any calendar library.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from events import services
from events.ics import event_ics, events_ics

from .factories import EventFactory

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
NAME = re.compile(r"^[A-Za-z0-9-]+$")


def strict_parse(data: bytes) -> dict:
    text = data.decode("utf-8")
    assert text.endswith("\r\n"), "content lines end with CRLF"
    raw_lines = text.split("\r\n")[:-1]
    for line in raw_lines:
        assert "\n" not in line, "bare LF inside a line"
        assert "\r" not in line, "bare CR inside a line"
        assert len(line.encode("utf-8")) <= 75, f"line longer than 75 octets: {line!r}"
    lines: list[str] = []
    for line in raw_lines:  # unfold
        if line[:1] in (" ", "\t"):
            assert lines, "continuation line first"
            lines[-1] += line[1:]
        else:
            lines.append(line)
    root: dict = {"name": "ROOT", "props": [], "children": []}
    stack = [root]
    for line in lines:
        # name *(";" param) ":" value — the first ":" outside a quoted param ends the name.
        in_quote, split_at = False, None
        for i, ch in enumerate(line):
            if ch == '"':
                in_quote = not in_quote
            elif ch == ":" and not in_quote:
                split_at = i
                break
        assert split_at is not None, f"no ':' in {line!r}"
        head, value = line[:split_at], line[split_at + 1 :]
        name, *params = head.split(";")
        assert NAME.match(name), f"bad property name {name!r}"
        param_dict = {}
        for p in params:
            k, _, v = p.partition("=")
            assert NAME.match(k), f"bad parameter name {p!r}"
            assert v, f"empty parameter {p!r}"
            param_dict[k.upper()] = v
        name = name.upper()
        if name == "BEGIN":
            comp = {"name": value.upper(), "props": [], "children": []}
            stack[-1]["children"].append(comp)
            stack.append(comp)
        elif name == "END":
            assert stack[-1]["name"] == value.upper(), f"END:{value} closes {stack[-1]['name']}"
            stack.pop()
        else:
            stack[-1]["props"].append((name, param_dict, value))
    assert len(stack) == 1, "unclosed component"
    assert len(root["children"]) == 1
    assert root["children"][0]["name"] == "VCALENDAR"
    return root["children"][0]


def prop(comp: dict, name: str):
    found = [p for p in comp["props"] if p[0] == name]
    assert len(found) == 1, f"{name} appears {len(found)} times"
    return found[0]


def children(comp: dict, name: str) -> list[dict]:
    return [c for c in comp["children"] if c["name"] == name]


def local(value: str) -> datetime:
    return datetime.strptime(value, "%Y%m%dT%H%M%S")


def brussels_offset(naive: datetime) -> timedelta:
    """The offset by the VTIMEZONE's own rules: CEST from the last Sunday of March 02:00 to
    the last Sunday of October 03:00, else CET (computed here, not by a library)."""

    def last_sunday(year, month):
        d = datetime(year, month, 31 if month in (3, 10) else 30)
        while d.weekday() != 6:
            d -= timedelta(days=1)
        return d

    begin = last_sunday(naive.year, 3).replace(hour=2)
    end = last_sunday(naive.year, 10).replace(hour=3)
    return timedelta(hours=2) if begin <= naive < end else timedelta(hours=1)


@pytest.mark.parametrize(
    "start",
    [
        datetime(2027, 1, 12, 12, 30, tzinfo=BRUSSELS),  # winter (CET)
        datetime(2027, 7, 13, 12, 30, tzinfo=BRUSSELS),  # summer (CEST)
    ],
)
def test_event_ics_is_valid_and_times_are_right_in_both_seasons(start):
    event = EventFactory(
        title="Betacooks; lunch, with a long title that needs folding " * 2,
        description="Line one\nLine two, with; special chars",
        start=start,
        end=start + timedelta(minutes=90),
        room="Kitchen",
    )
    cal = strict_parse(event_ics(event))
    assert prop(cal, "VERSION")[2] == "2.0"
    assert prop(cal, "PRODID")[2]
    tz = children(cal, "VTIMEZONE")
    assert len(tz) == 1
    assert prop(tz[0], "TZID")[2] == "Europe/Brussels"
    assert {c["name"] for c in tz[0]["children"]} == {"STANDARD", "DAYLIGHT"}
    (vevent,) = children(cal, "VEVENT")
    assert prop(vevent, "UID")[2] == f"event-{event.pk}@127.0.0.1"
    assert prop(vevent, "SEQUENCE")[2] == "1"
    assert re.match(r"^\d{8}T\d{6}Z$", prop(vevent, "DTSTAMP")[2])
    _name, params, value = prop(vevent, "DTSTART")
    assert params["TZID"] == "Europe/Brussels"
    assert local(value) == datetime(start.year, start.month, start.day, 12, 30)
    # Convert with the VTIMEZONE's rules and compare with the stored UTC instant.
    as_utc = local(value) - brussels_offset(local(value))
    assert as_utc == event.start.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
    assert local(prop(vevent, "DTEND")[2]) == datetime(start.year, start.month, start.day, 14, 0)
    # TEXT escaping: commas, semicolons and newlines are escaped.
    assert "\\;" in prop(vevent, "SUMMARY")[2]
    assert "\\n" in prop(vevent, "DESCRIPTION")[2]
    assert prop(vevent, "URL")[2].endswith(event.get_absolute_url())


def test_sequence_follows_the_version_and_uid_stays(django_capture_on_commit_callbacks):
    event = EventFactory()
    before = prop(children(strict_parse(event_ics(event)), "VEVENT")[0], "UID")[2]
    services.event_update(event=event, data={"room": "Room 2"})
    event.refresh_from_db()
    (vevent,) = children(strict_parse(event_ics(event)), "VEVENT")
    assert prop(vevent, "SEQUENCE")[2] == "2"
    assert prop(vevent, "UID")[2] == before


def test_cancelled_event_says_so():
    event = EventFactory()
    services.event_cancel(event=event, actor=None)
    event.refresh_from_db()
    (vevent,) = children(strict_parse(event_ics(event)), "VEVENT")
    assert prop(vevent, "STATUS")[2] == "CANCELLED"


def test_feed_has_one_vtimezone_and_many_events(client):
    EventFactory.create_batch(3)
    response = client.get(reverse("events:feed"))
    cal = strict_parse(response.content)
    assert len(children(cal, "VTIMEZONE")) == 1
    assert len(children(cal, "VEVENT")) == 3
    assert len({prop(v, "UID")[2] for v in children(cal, "VEVENT")}) == 3


def test_empty_feed_is_still_valid():
    cal = strict_parse(events_ics([], name="Empty"))
    assert children(cal, "VEVENT") == []
