"""A member is "already registered" only by their own registrations — or by a guest's seat
booked with their address once that address is verified (then the seat is theirs, to see and
cancel). The page, registering and cancelling agree, on both paths of the registration queue
(PostgreSQL's function and the Python steps)."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from events import services
from events.models import Registration
from tests.factories import UserFactory

from .factories import EventFactory

pytestmark = pytest.mark.django_db

ALREADY = "You are already registered for this event."
TAKEN = (
    "A seat at this event is already booked with your address, unverified@example.test, "
    "without an account. Verify your address: that seat then becomes yours, to see and cancel "
    "here."
)


@pytest.fixture(params=[pytest.param("function", marks=pytest.mark.postgres), "python"])
def queue(request, settings):
    """Which path registers: PostgreSQL's one function call, or the steps from Python."""
    settings.PREPARED_STATEMENTS = request.param == "function"
    return request.param


@pytest.fixture
def unverified(db):
    """A member whose account address was never verified (e.g. an imported account)."""
    user = UserFactory(email="unverified@example.test", name="Una Verified", verified=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    return user


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _page(client, event) -> str:
    return client.get(event.get_absolute_url()).content.decode()


def test_a_guest_seat_with_an_unverified_address_is_not_the_members(client, queue, unverified):
    event = EventFactory(capacity=10)
    guest = services.event_register(
        event=event, name="Someone Else", email="Unverified@example.test"
    )
    assert guest.user_id is None

    client.force_login(unverified)
    response = client.post(reverse("events:register", args=[event.slug]))
    assert response.status_code == 400
    body = response.content.decode()
    assert TAKEN in body
    assert ALREADY not in body
    assert Registration.objects.filter(event=event).count() == 1
    # What the page and cancelling say agrees: no seat of theirs, so nothing to cancel.
    page = _page(client, event)
    assert reverse("events:cancel", args=[event.slug]) not in page
    response = client.post(reverse("events:cancel", args=[event.slug]))
    assert _messages(response) == ["You were not registered for this event."]
    guest.refresh_from_db()
    assert guest.status == Registration.Status.CONFIRMED


def test_once_the_address_is_verified_the_guest_seat_is_the_members(client, queue, unverified):
    event = EventFactory(capacity=10)
    guest = services.event_register(event=event, name="Una", email="unverified@example.test")
    EmailAddress.objects.filter(user=unverified).update(verified=True)

    client.force_login(unverified)
    response = client.post(reverse("events:register", args=[event.slug]))
    assert response.status_code == 302
    assert _messages(response) == [ALREADY]
    assert Registration.objects.filter(event=event).count() == 1
    guest.refresh_from_db()
    assert guest.user == unverified
    # ...which the page shows, and which they can cancel.
    assert reverse("events:cancel", args=[event.slug]) in _page(client, event)
    response = client.post(reverse("events:cancel", args=[event.slug]))
    assert _messages(response) == ["Your registration is cancelled. Thank you for telling us."]
    guest.refresh_from_db()
    assert guest.status == Registration.Status.CANCELLED


def test_a_member_registering_twice_is_already_registered(client, queue, member):
    event = EventFactory(capacity=10)
    client.force_login(member)
    client.post(reverse("events:register", args=[event.slug]), follow=True)
    response = client.post(reverse("events:register", args=[event.slug]))
    assert _messages(response) == [ALREADY]
    assert Registration.objects.filter(event=event, user=member).count() == 1


def test_a_member_with_an_unverified_address_may_register_when_nobody_holds_it(
    client, queue, unverified
):
    event = EventFactory(capacity=10)
    client.force_login(unverified)
    response = client.post(reverse("events:register", args=[event.slug]))
    assert response.status_code == 302
    assert _messages(response)[0] == "You're registered: see you there!"
    assert Registration.objects.get(event=event).user == unverified


def test_a_guest_giving_an_address_already_registered_is_still_refused(queue, member):
    """Unchanged for guests: one active registration per address, whoever holds it."""
    event = EventFactory(capacity=10)
    services.event_register(event=event, user=member)
    with pytest.raises(ValidationError) as caught:
        services.event_register(event=event, name="Copy Cat", email=member.email.upper())
    assert caught.value.code == "already_registered"
