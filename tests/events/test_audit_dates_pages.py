"""Dates audit: when an event ends, as its page, the lists' cards and the emails write it.

An event that ends on a later day (a weekend hackathon, an IT day over two days, an evening
past midnight) showed only the end's time: "Friday 5 March 2027, 09:00-17:00" for an event
ending on the Saturday — a member reads a one-day event."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.core import mail
from django.urls import reverse
from django.utils import translation

from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_render, outbox_send_due
from events import services
from events.services.reminders import reminder_sweep_run
from tests.factories import UserFactory

from .factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

BXL = ZoneInfo("Europe/Brussels")
FRIDAY_9 = datetime(2027, 3, 5, 9, 0, tzinfo=BXL)
SATURDAY_17 = datetime(2027, 3, 6, 17, 0, tzinfo=BXL)


def two_days(**fields):
    return EventFactory(title="Hackathon", start=FRIDAY_9, end=SATURDAY_17, **fields)


def text(html: bytes) -> str:
    import re

    return " ".join(re.sub(r"<[^>]+>", "", html.decode()).split())


def test_the_event_page_says_the_day_a_two_day_event_ends(client):
    event = two_days()
    page = text(client.get(event.get_absolute_url()).content)
    assert "Friday 5 March 2027, 09:00\u2013Saturday 6 March 2027, 17:00" in page


def test_a_day_event_still_reads_start_to_end_time(client):
    event = EventFactory(
        start=datetime(2027, 3, 5, 12, 30, tzinfo=BXL), end=datetime(2027, 3, 5, 14, tzinfo=BXL)
    )
    assert "Friday 5 March 2027, 12:30\u201314:00" in text(
        client.get(event.get_absolute_url()).content
    )
    assert "Fri 5 Mar, 12:30\u201314:00" in text(client.get(reverse("events:list")).content)


def test_an_evening_past_midnight_says_it_ends_the_next_day(client):
    """23:30 Brussels on New Year's Eve to 01:00: on the page and the list, in French too."""
    start = datetime(2026, 12, 31, 23, 30, tzinfo=BXL)
    event = EventFactory(start=start, end=start + timedelta(minutes=90))
    assert "Thursday 31 December 2026, 23:30\u2013Friday 1 January 2027, 01:00" in text(
        client.get(event.get_absolute_url()).content
    )
    assert "Thu 31 Dec, 23:30\u2013Fri 1 Jan, 01:00" in text(
        client.get(reverse("events:list")).content
    )
    listed = text(client.get(reverse("events:list"), HTTP_ACCEPT_LANGUAGE="fr").content)
    assert "jeu. 31 déc., 23:30\u2013ven. 1 janv., 01:00" in listed


def test_the_cancellation_email_says_the_day_it_would_have_ended():
    event = two_days()
    user = UserFactory(preferred_language="fr")
    RegistrationFactory(event=event, user=user, email=user.email)
    services.event_cancel(event=event, actor=None)
    outbox_render(list(Outbox.objects.all()))  # written as data: rendered when sent
    row = Outbox.objects.get(kind="events.event_cancelled")
    assert "vendredi 5 mars 2027, 09:00\u2013samedi 6 mars 2027, 17:00" in row.body_text
    assert "vendredi 5 mars 2027, 09:00\u2013samedi 6 mars 2027, 17:00" in row.body_html


def test_the_reminder_says_the_day_it_ends_in_the_members_language():
    event = two_days()
    user = UserFactory(preferred_language="nl")
    RegistrationFactory(event=event, user=user, email=user.email)
    reminder_sweep_run(now=FRIDAY_9 - timedelta(hours=20))
    assert outbox_send_due() == 1
    (email,) = mail.outbox
    assert "vrijdag 5 maart 2027, 09:00\u2013zaterdag 6 maart 2027, 17:00" in email.body
    assert (
        "vrijdag 5 maart 2027, 09:00\u2013zaterdag 6 maart 2027, 17:00" in email.alternatives[0][0]
    )


@pytest.mark.parametrize("language", ["en", "fr", "nl"])
@pytest.mark.parametrize("typed", ["06/12/2026", "6/12/2026", "2026-12-06"])
def test_a_date_typed_as_the_site_writes_it_is_read_day_first(language, typed):
    """The site writes 6 December 2026 as 06/12/2026 in every language (SHORT_DATE_FORMAT);
    English read it back month first, as 12 June: staff typing a date into the admin's
    event, series or membership fields moved it by months, or were refused 31/12/2026."""
    with translation.override(language):
        assert forms.DateField().clean(typed) == date(2026, 12, 6)
        assert forms.DateField().clean("31/12/2026") == date(2026, 12, 31)
        moment = forms.DateTimeField().clean("06/12/2026 23:30")
    assert moment == datetime(2026, 12, 6, 23, 30, tzinfo=BXL)


def test_the_organiser_console_says_the_day_a_two_day_event_ends(client, staff):
    two_days()
    client.force_login(staff)
    listed = text(client.get(reverse("organise:index")).content)
    assert "Fri 5 Mar 2027, 09:00\u2013Sat 6 Mar 2027, 17:00" in listed
