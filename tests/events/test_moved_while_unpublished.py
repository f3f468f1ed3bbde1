"""An event moved while it is unpublished: its registrants are told when it is published
again — once, of the time and place it has then, from the one they were told before (QA: set
to Draft, moved, published again, nobody was told and their calendars kept the old time)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_render
from events import services
from events.models import Event
from tests.factories import SpaceFactory, UserFactory

from .factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

CHANGED = "events.event_changed"


@pytest.fixture
def event():
    start = timezone.localtime(timezone.now() + timedelta(days=10)).replace(
        hour=18, minute=0, second=0, microsecond=0
    )
    return EventFactory(
        start=start, end=start + timedelta(hours=2), space=SpaceFactory(name="Loft"), room=""
    )


@pytest.fixture
def registrations(event):
    return [RegistrationFactory(event=event, user=UserFactory()) for _ in range(3)]


def _changed_rows(event):
    rows = list(Outbox.objects.filter(kind=CHANGED, topic=f"event:{event.pk}"))
    outbox_render(rows)  # written as data: rendered when sent
    for row in rows:
        row.refresh_from_db()
    return rows


def test_registrants_are_told_of_a_move_made_in_draft_when_it_is_published_again(
    event, registrations
):
    services.event_update(event=event, data={"status": Event.Status.DRAFT})
    start = event.start + timedelta(days=1, hours=1)
    services.event_update(
        event=event,
        data={"start": start, "end": start + timedelta(hours=2), "space": SpaceFactory(name="Hub")},
    )
    assert _changed_rows(event) == []  # a draft's move is not told yet

    services.event_update(event=event, data={"status": Event.Status.PUBLISHED})

    event.refresh_from_db()
    assert event.version == 2
    assert event.rescheduled_at is not None  # the reminders just after it are not sent
    rows = _changed_rows(event)
    assert {row.dedup_key for row in rows} == {
        f"event-changed:{event.pk}:v2:{reg.pk}" for reg in registrations
    }
    row = rows[0]
    assert "Hub" in row.body_text
    assert "Before: " in row.body_text
    assert "18:00, Loft" in row.body_text
    ics = row.attachments[0]["content"]
    assert "SEQUENCE:2" in ics
    assert f"DTSTART;TZID=Europe/Brussels:{timezone.localtime(start):%Y%m%dT%H%M%S}" in ics


def test_several_moves_in_draft_make_one_email_with_the_last_time(event, registrations):
    told_start = timezone.localtime(event.start)
    services.event_update(event=event, data={"status": Event.Status.DRAFT})
    for hours in (1, 2, 3):
        start = told_start + timedelta(hours=hours)
        services.event_update(event=event, data={"start": start, "end": start + timedelta(hours=1)})
    services.event_update(event=event, data={"room": "Garden"})
    services.event_publish(event=event)  # the admin's and the console's publish action

    event.refresh_from_db()
    assert event.version == 5
    rows = _changed_rows(event)
    assert len(rows) == len(registrations)
    assert {row.dedup_key.split(":")[2] for row in rows} == {"v5"}
    body = rows[0].body_text
    assert "21:00\N{EN DASH}22:00" in body  # the time and place it has now
    assert "Garden" in body
    # Before: the time they were told, not one of the moves nobody heard of.
    assert f"Before: {told_start:%A} {told_start.day} {told_start:%B %Y}, 18:00, Loft" in body

    # Unpublished and published again without a move: nothing more to tell.
    services.event_update(event=event, data={"status": Event.Status.DRAFT})
    services.event_update(event=event, data={"status": Event.Status.PUBLISHED})
    assert Outbox.objects.filter(kind=CHANGED).count() == len(registrations)


def test_a_draft_moved_back_to_the_time_they_know_tells_nobody(event, registrations):
    services.event_update(event=event, data={"status": Event.Status.DRAFT})
    start, end = event.start, event.end
    services.event_update(
        event=event, data={"start": start + timedelta(days=1), "end": end + timedelta(days=1)}
    )
    services.event_update(event=event, data={"start": start, "end": end})
    services.event_update(event=event, data={"status": Event.Status.PUBLISHED})
    assert Outbox.objects.filter(kind=CHANGED).count() == 0


def test_moved_and_published_in_one_save_tells_from_the_time_before_the_draft(event, registrations):
    services.event_update(event=event, data={"status": Event.Status.DRAFT})
    services.event_update(event=event, data={"room": "Attic"})
    services.event_update(event=event, data={"status": Event.Status.PUBLISHED, "room": "Cellar"})
    rows = _changed_rows(event)
    assert len(rows) == len(registrations)
    assert "Cellar" in rows[0].body_text
    assert "18:00, Loft" in rows[0].body_text
    assert "Attic" not in rows[0].body_text  # a place nobody was told


def test_the_admin_draft_move_publish_round_tells_the_registrants(client, staff, event):
    """The QA's steps in the admin."""
    from .test_admin import _change_data

    registrations = [RegistrationFactory(event=event, user=UserFactory()) for _ in range(2)]
    client.force_login(staff)
    url = reverse("admin:events_event_change", args=[event.pk])
    assert client.post(url, _change_data(event, status="draft")).status_code == 302
    event.refresh_from_db()
    assert (
        client.post(
            url, _change_data(event, room="Garden", start_1="19:00:00", end_1="21:00:00")
        ).status_code
        == 302
    )
    event.refresh_from_db()
    assert client.post(url, _change_data(event, status="published")).status_code == 302

    event.refresh_from_db()
    assert event.version == 2
    assert set(Outbox.objects.filter(kind=CHANGED).values_list("dedup_key", flat=True)) == {
        f"event-changed:{event.pk}:v2:{reg.pk}" for reg in registrations
    }
