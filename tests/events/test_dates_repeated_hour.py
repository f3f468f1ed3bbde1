"""Times in the hour the autumn night repeats, as the event's page, the list's cards and the
emails write them.

On Sunday 31 October 2027 the clocks go back at 03:00: 02:00-03:00 comes twice. An event from
00:30 to 01:45 UTC read "Sunday 31 October 2027, 02:30-02:45", a quarter of an hour, for an
hour and a quarter (QA; its calendar file was right). Each time now says its clock when the
start or the end falls in that hour; every other range reads as before."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_render
from events import services
from tests.factories import UserFactory

from .factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

DASH = "\N{EN DASH}"


def text(html: bytes) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", html.decode()).split())


def night_hack(start: datetime, end: datetime):
    return EventFactory(title="Night hack", start=start, end=end)


def test_the_page_and_the_list_say_which_pass_through_the_repeated_hour(client):
    event = night_hack(
        datetime(2027, 10, 31, 0, 30, tzinfo=UTC), datetime(2027, 10, 31, 1, 45, tzinfo=UTC)
    )
    page = text(client.get(event.get_absolute_url()).content)
    assert f"Sunday 31 October 2027, 02:30 (summer time){DASH}02:45 (winter time)" in page
    listed = text(client.get(reverse("events:list")).content)
    assert f"Sun 31 Oct, 02:30 (summer time){DASH}02:45 (winter time)" in listed


def test_a_range_ending_in_the_repeated_hour_says_both_clocks(client):
    """01:30 to the second 02:15: 1 h 45, not 45 minutes."""
    event = night_hack(
        datetime(2027, 10, 30, 23, 30, tzinfo=UTC), datetime(2027, 10, 31, 1, 15, tzinfo=UTC)
    )
    page = text(client.get(event.get_absolute_url()).content)
    assert f"Sunday 31 October 2027, 01:30 (summer time){DASH}02:15 (winter time)" in page


def test_the_same_night_outside_the_repeated_hour_reads_as_before(client):
    event = night_hack(
        datetime(2027, 10, 30, 22, 0, tzinfo=UTC), datetime(2027, 10, 30, 23, 45, tzinfo=UTC)
    )
    page = text(client.get(event.get_absolute_url()).content)
    assert f"Sunday 31 October 2027, 00:00{DASH}01:45" in page
    assert "summer time" not in page
    assert "winter time" not in page


def test_the_emails_say_which_pass_too():
    event = night_hack(
        datetime(2027, 10, 31, 0, 30, tzinfo=UTC), datetime(2027, 10, 31, 1, 45, tzinfo=UTC)
    )
    RegistrationFactory(event=event, user=UserFactory(preferred_language="en"))
    services.event_cancel(event=event, actor=None)
    outbox_render(list(Outbox.objects.all()))  # written as data: rendered when sent
    row = Outbox.objects.get(kind="events.event_cancelled")
    when = f"Sunday 31 October 2027, 02:30 (summer time){DASH}02:45 (winter time)"
    assert when in row.body_text
    assert when in text(row.body_html.encode())
