"""A guest's cancel link: what the page says and offers once the event was cancelled or has
started, including when the page was opened before that."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import Event, Registration

from .factories import EventFactory

pytestmark = pytest.mark.django_db

BUTTON = "Yes, cancel my registration"


def _guest(event):
    return services.event_register(event=event, name="Ann Guest", email="ann@example.test")


def _link(registration) -> str:
    return reverse(
        "events:guest_cancel", kwargs={"token": services.guest_cancel_token(registration)}
    )


def test_the_cancel_link_of_a_cancelled_event_says_there_is_nothing_to_cancel(client, event):
    registration = _guest(event)
    services.event_cancel(event=event, actor=None)
    response = client.get(_link(registration))
    assert response.status_code == 200
    body = response.content.decode()
    assert "This event has been cancelled" in body
    assert BUTTON not in body
    assert "do you want to cancel your place" not in body
    # A page opened before the event was cancelled: its button changes nothing (the seats
    # stay as the history of who was coming).
    response = client.post(_link(registration))
    assert response.status_code == 200
    assert BUTTON not in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED


def test_cancelling_from_a_page_opened_before_the_start_shows_no_button_again(client):
    event = EventFactory()
    registration = _guest(event)
    page = client.get(_link(registration)).content.decode()
    assert BUTTON in page
    Event.objects.filter(pk=event.pk).update(
        start=timezone.now() - timedelta(minutes=5), end=timezone.now() + timedelta(hours=1)
    )
    response = client.post(_link(registration))
    assert response.status_code == 400
    body = response.content.decode()
    assert "This event has already started: the registration can no longer be cancelled." in body
    assert BUTTON not in body
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED


def test_the_cancel_link_still_cancels_a_seat_and_the_waitlist_moves_up(client):
    event = EventFactory(capacity=1)
    seated = _guest(event)
    waiting = services.event_register(event=event, name="Bob", email="bob@example.test")
    body = client.get(_link(seated)).content.decode()
    assert BUTTON in body
    response = client.post(_link(seated))
    assert response.status_code == 200
    assert "Registration cancelled" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED


def test_leaving_the_waitlist_from_a_stale_page_keeps_the_seat_obtained_since(client):
    event = EventFactory(capacity=1)
    seated = services.event_register(event=event, name="Bob", email="bob@example.test")
    waiting = _guest(event)
    page = client.get(_link(waiting)).content.decode()
    assert 'name="expected" value="waitlisted"' in page
    services.registration_cancel(registration=seated)  # Ann moves up meanwhile
    response = client.post(_link(waiting), {"expected": "waitlisted"})
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED
    body = response.content.decode()
    assert "A seat freed up in the meantime: you are registered now." in body
    assert BUTTON in body  # asked again, knowingly this time
    assert 'name="expected" value="confirmed"' in body
    response = client.post(_link(waiting), {"expected": "confirmed"})
    assert "Registration cancelled" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CANCELLED
