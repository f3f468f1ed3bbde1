"""Calendars and cards hold what organisers and members typed: no line of theirs becomes
a property or a component of its own."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.events.factories import EventFactory
from tests.factories import make_member

pytestmark = pytest.mark.django_db

INJECTED = "Hi\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nATTENDEE:mailto:evil@example.test\nX-EVIL:1\rY"


def _lines(body: bytes) -> list[str]:
    return body.decode("utf-8").replace("\r\n ", "").split("\r\n")


def test_an_event_title_and_description_cannot_add_calendar_lines(client):
    event = EventFactory(title=INJECTED, description=INJECTED, room=INJECTED)
    for url in (reverse("events:ics", kwargs={"slug": event.slug}), reverse("events:feed")):
        lines = _lines(client.get(url).content)
        assert lines.count("BEGIN:VEVENT") == 1, url
        assert not [x for x in lines if x.startswith(("ATTENDEE", "X-EVIL", "Y"))], url
        # Every line is a property, a continuation was unfolded above: no bare CR or LF.
        assert not [x for x in lines if "\r" in x or "\n" in x], url


def test_a_profile_cannot_add_lines_to_its_vcard(client, member):
    profile = make_member(
        "Eve\r\nEMAIL:evil@example.test",
        visibility="public",
        headline="x\r\nTEL:+3200",
        job_title="a\rEND:VCARD\nBEGIN:VCARD",
        city="c\nURL:https://evil.test",
    )
    client.force_login(member)
    body = client.get(reverse("members:vcard", kwargs={"slug": profile.slug})).content
    lines = _lines(body)
    assert lines.count("BEGIN:VCARD") == 1
    names = [x.split(":", 1)[0].split(";", 1)[0] for x in lines if x]
    assert "EMAIL" not in names
    assert "TEL" not in names
    assert not [x for x in lines if x.startswith("URL:https://evil")]
