"""Audit, round 4: what an organiser types never makes a calendar invalid.

RFC 5545 §3.3.11: a TEXT value holds no control character but the tab (line breaks are
written escaped, as `\\n`). A title pasted from a word processor carries its soft line break
(U+000B); a description can carry a form feed or an escape: the writer must not copy them raw
into the .ics, the feeds or the email attachments.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from events.ics import event_ics, events_ics
from tests.factories import ChapterFactory, SpaceFactory

from .factories import EventFactory, kind
from .test_ics import children, prop, strict_parse

pytestmark = pytest.mark.django_db

# CONTROL = %x00-08 / %x0A-1F / %x7F; CR and LF only as the CRLF that ends a content line.
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def assert_no_control_characters(data: bytes) -> None:
    for line in data.decode("utf-8").split("\r\n"):
        assert not CONTROL.search(line), f"control character in {line!r}"


@pytest.fixture
def pasted(db):
    space = SpaceFactory(name="Betacowork\x07", city="Brussels", address="")
    return EventFactory(
        title="Lunch\x0btalk",
        slug="pasted",
        description="First line\x0csecond page\x1b[1m bold\x7f",
        room="Room\x0b2",
        space=space,
    )


def test_one_event_has_no_control_character_and_keeps_its_words(pasted):
    data = event_ics(pasted)
    assert_no_control_characters(data)
    vevent = children(strict_parse(data), "VEVENT")[0]
    assert prop(vevent, "SUMMARY")[2] == "Lunch talk"
    assert "second page" in prop(vevent, "DESCRIPTION")[2]
    assert prop(vevent, "LOCATION")[2].startswith("Betacowork")


def test_the_waitlist_attachment_has_no_control_character(pasted):
    assert_no_control_characters(event_ics(pasted, waitlisted=True))


def test_a_feed_named_after_a_pasted_chapter_and_kind_stays_valid(client, pasted):
    chapter = ChapterFactory(name="BetaGroup\x0bCharleroi", slug="charleroi")
    odd = kind("odd")
    odd.name_en = "Odd\x1bkind"
    odd.save()
    EventFactory(title="Chapter day", chapter=chapter, kind=odd)
    response = client.get(reverse("events:feed"), {"chapter": "charleroi", "kind": "odd"})
    assert response.status_code == 200
    assert_no_control_characters(response.content)
    cal = strict_parse(response.content)
    assert prop(cal, "X-WR-CALNAME")[2] == "BetaGroup Charleroi — Odd kind"
    assert prop(children(cal, "VEVENT")[0], "CATEGORIES")[2] == "Odd kind"


def test_the_public_feed_with_a_pasted_event_stays_valid(client, pasted):
    response = client.get(reverse("events:feed"))
    assert response.status_code == 200
    assert_no_control_characters(response.content)
    titles = [prop(e, "SUMMARY")[2] for e in children(strict_parse(response.content), "VEVENT")]
    assert "Lunch talk" in titles


def test_line_breaks_are_still_written_escaped(db):
    event = EventFactory(description="One\r\nTwo\nThree\tfour")
    data = events_ics([event], name="Feed")
    assert_no_control_characters(data)
    vevent = children(strict_parse(data), "VEVENT")[0]
    assert prop(vevent, "DESCRIPTION")[2] == "One\\nTwo\\nThree\tfour"
