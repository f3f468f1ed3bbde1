"""The event page's registration box and "My events", as a member or a guest sees them when
the event was cancelled, has started, was unpublished, or changed under a stale page."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import Event, Registration
from tests.factories import UserFactory

from .factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

CANCELLED = "This event has been cancelled."


def _page(client, event) -> str:
    response = client.get(event.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# A cancelled event says so once -------------------------------------------------------------


def test_a_cancelled_event_says_it_is_cancelled_once_to_the_public_and_to_members(
    client, member, staff, event
):
    services.event_cancel(event=event, actor=None)
    body = _page(client, event)
    assert body.count(CANCELLED) == 1
    assert "Register</button>" not in body
    client.force_login(member)
    body = _page(client, event)
    assert body.count(CANCELLED) == 1
    assert "Register</button>" not in body
    # Nor does it send the organiser to a door where nobody can be checked in.
    client.force_login(staff)
    body = _page(client, event)
    assert body.count(CANCELLED) == 1
    assert reverse("events:check_in", kwargs={"slug": event.slug}) not in body


def test_a_cancelled_event_page_does_not_tell_a_registrant_they_are_still_registered(
    member_client, member, event
):
    RegistrationFactory(event=event, user=member)
    services.event_cancel(event=event, actor=None)
    body = _page(member_client, event)
    assert body.count(CANCELLED) == 1
    assert "You&#x27;re registered" not in body
    assert "You're registered" not in body
    assert "You had a seat" in body


def test_a_cancelled_event_page_does_not_give_a_waitlist_number(member_client, member, event):
    event.capacity = 1
    event.save()
    RegistrationFactory(event=event)
    services.event_register(event=event, user=member)
    services.event_cancel(event=event, actor=None)
    body = _page(member_client, event)
    assert body.count(CANCELLED) == 1
    assert "on the waitlist." not in body
    assert "You were on the waitlist" in body


def test_registering_for_a_cancelled_event_from_a_stale_page_says_it_once(member_client, event):
    services.event_cancel(event=event, actor=None)
    response = member_client.post(reverse("events:register", kwargs={"slug": event.slug}), {})
    assert response.status_code == 400
    assert response.content.decode().count(CANCELLED) == 1
    assert not event.registrations.exists()


# Once the event has started, a waitlist place is no number in a queue -----------------------


def test_after_the_start_a_waitlisted_member_is_told_nobody_moves_up_any_more(
    member_client, member
):
    event = EventFactory(capacity=1)
    RegistrationFactory(event=event)
    services.event_register(event=event, user=member)
    Event.objects.filter(pk=event.pk).update(
        start=timezone.now() - timedelta(hours=1), end=timezone.now() + timedelta(hours=1)
    )
    body = _page(member_client, event)
    assert "The event has started: nobody moves up from the waitlist any more." in body
    assert "Leave the waitlist" not in body
    # Before the start, the number is all there is to say.
    Event.objects.filter(pk=event.pk).update(
        start=timezone.now() + timedelta(hours=1), end=timezone.now() + timedelta(hours=2)
    )
    body = _page(member_client, event)
    assert "You are number 1 on the waitlist." in body
    assert "nobody moves up" not in body


# A stale "Leave the waitlist" button does not give up a seat obtained since ------------------


def test_leave_the_waitlist_from_a_stale_page_keeps_the_seat_obtained_since(
    member_client, member, event
):
    event.capacity = 1
    event.save()
    first = RegistrationFactory(event=event)
    services.event_register(event=event, user=member)
    body = _page(member_client, event)
    assert "Leave the waitlist" in body
    services.registration_cancel(registration=first)  # a seat frees up: the member moves up
    mine = event.registrations.get(user=member)
    assert mine.status == Registration.Status.CONFIRMED

    # The page still shows "Leave the waitlist": that button is what the member clicks.
    response = member_client.post(
        reverse("events:cancel", kwargs={"slug": event.slug}), {"expected": "waitlisted"}
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.status == Registration.Status.CONFIRMED
    assert _messages(response) == [
        "A seat freed up in the meantime: you are registered now. If you cannot come, "
        "cancel your registration."
    ]
    assert "Cancel my registration" in _page(member_client, event)


def test_leave_the_waitlist_still_works_and_a_seat_can_still_be_cancelled(
    member_client, member, event
):
    event.capacity = 1
    event.save()
    RegistrationFactory(event=event)
    services.event_register(event=event, user=member)
    url = reverse("events:cancel", kwargs={"slug": event.slug})
    response = member_client.post(url, {"expected": "waitlisted"})
    assert "You left the waitlist." in _messages(response)
    assert not event.registrations.filter(user=member).active().exists()

    other = UserFactory()
    services.event_register(event=EventFactory(slug="lunch-2"), user=member)
    member_client.force_login(member)
    response = member_client.post(
        reverse("events:cancel", kwargs={"slug": "lunch-2"}), {"expected": "confirmed"}
    )
    assert _messages(response)[-1] == "Your registration is cancelled. Thank you for telling us."
    # Without the field (an older page, a script): the seat is cancelled as before.
    services.event_register(event=event, user=other)
    member_client.force_login(other)
    response = member_client.post(url)
    assert not event.registrations.filter(user=other).active().exists()


# My events: an event unpublished since is no dead link ---------------------------------------


def test_my_events_does_not_link_to_an_event_unpublished_since(member_client, member, event):
    RegistrationFactory(event=event, user=member)
    services.event_update(event=event, data={"status": Event.Status.DRAFT})
    assert member_client.get(event.get_absolute_url()).status_code == 404
    body = member_client.get(reverse("events:mine")).content.decode()
    assert event.title in body
    assert f'href="{event.get_absolute_url()}"' not in body
    assert "Not published at the moment" in body


def test_my_events_still_links_a_draft_for_those_who_may_preview_it(client, staff, event):
    RegistrationFactory(event=event, user=staff)
    services.event_update(event=event, data={"status": Event.Status.DRAFT})
    client.force_login(staff)
    body = client.get(reverse("events:mine")).content.decode()
    assert f'href="{event.get_absolute_url()}"' in body
    assert "Not published at the moment" not in body


# A registration refused from a stale page says why once ----------------------------------


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"registration_closes_at": -1}, "Registration for this event is closed."),
        ({"start": -1}, "This event has already started: registration is closed."),
    ],
)
def test_a_registration_refused_from_a_stale_page_says_why_once(member_client, change, reason):
    event = EventFactory()
    now = timezone.now()
    fields = {name: now + timedelta(minutes=minutes) for name, minutes in change.items()}
    Event.objects.filter(pk=event.pk).update(**fields)
    response = member_client.post(reverse("events:register", kwargs={"slug": event.slug}), {})
    assert response.status_code == 400
    body = response.content.decode()
    assert body.count(reason) == 1
    assert 'role="alert">' + reason in body
    assert not event.registrations.exists()


# "Be the first!" only where one still can ---------------------------------------------------


def test_nobody_is_invited_to_be_the_first_at_a_cancelled_or_past_event(client):
    upcoming = EventFactory()
    assert "Nobody yet: be the first!" in _page(client, upcoming)
    cancelled = EventFactory()
    services.event_cancel(event=cancelled, actor=None)
    past = EventFactory(
        start=timezone.now() - timedelta(days=2), end=timezone.now() - timedelta(days=2, hours=-1)
    )
    for event in (cancelled, past):
        body = _page(client, event)
        assert "be the first" not in body
    assert "Nobody registered." in _page(client, past)
    # A cancelled event lists nobody as coming at all (test_cancelled_event_pages.py).
    assert "Who is coming" not in _page(client, cancelled)


def test_an_event_that_is_over_says_so_not_that_it_started(client):
    """Four days after, "has already started" reads as if it were still on."""
    start = timezone.now() - timedelta(days=4)
    over = EventFactory(start=start, end=start + timedelta(hours=2))
    body = client.get(over.get_absolute_url()).content.decode()
    assert "This event is over: registration is closed." in body
    assert "has already started" not in body
    start = timezone.now() - timedelta(minutes=30)
    running = EventFactory(start=start, end=start + timedelta(hours=2))
    assert (
        "This event has already started" in client.get(running.get_absolute_url()).content.decode()
    )
