"""Event pages, audit round 4: the edges a visitor, a member, a guest or an organiser meets."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import Event
from tests.factories import ChapterFactory

from .factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def _under_way(**kwargs) -> Event:
    now = timezone.now()
    return EventFactory(start=now - timedelta(minutes=30), end=now + timedelta(hours=1), **kwargs)


# The list ------------------------------------------------------------------------------------


def test_a_page_past_the_end_of_the_list_shows_the_last_page(client):
    for _i in range(31):
        EventFactory()
    response = client.get(reverse("events:list"), {"page": 99})
    assert response.status_code == 200
    assert response.context["page"].number == 2
    assert len(response.context["events"]) == 1


@pytest.mark.parametrize("page", ["abc", "1.5", "", "1e9"])
def test_a_page_that_is_no_number_shows_the_first(client, page):
    EventFactory(title="Betacooks lunch")
    response = client.get(reverse("events:list"), {"page": page})
    assert response.status_code == 200
    assert response.context["page"].number == 1
    assert "Betacooks lunch" in response.content.decode()


def test_a_repeated_filter_with_an_unknown_slug_is_a_400_not_a_500(client):
    response = client.get(reverse("events:list"), {"kind": ["betacooks", "nope"]})
    assert response.status_code == 400
    assert "Unknown value in the filter" in response.content.decode()


# The event page: the cancel button -----------------------------------------------------------


def test_once_the_event_has_started_the_page_offers_no_cancel_button(member_client, member):
    event = _under_way()
    RegistrationFactory(event=event, user=member)
    body = member_client.get(event.get_absolute_url()).content.decode()
    assert "You're registered." in body
    assert reverse("events:cancel", args=[event.slug]) not in body


def test_once_the_event_has_started_the_waitlist_offers_no_leave_button(member_client, member):
    event = _under_way(capacity=1)
    RegistrationFactory(event=event)
    RegistrationFactory(
        event=event, user=member, status="waitlisted", waitlisted_at=timezone.now(),
        confirmed_at=None,
    )  # fmt: skip
    body = member_client.get(event.get_absolute_url()).content.decode()
    assert "You are number 1 on the waitlist." in body
    assert "Leave the waitlist" not in body


def test_before_the_event_the_cancel_button_is_there(member_client, member, event):
    RegistrationFactory(event=event, user=member)
    body = member_client.get(event.get_absolute_url()).content.decode()
    assert reverse("events:cancel", args=[event.slug]) in body


def test_cancelling_twice_says_it_was_already_cancelled(member_client, member, event):
    RegistrationFactory(event=event, user=member)
    url = reverse("events:cancel", args=[event.slug])
    member_client.post(url)
    body = member_client.post(url, follow=True).content.decode()
    assert "Your registration was already cancelled." in body
    assert "You were not registered for this event." not in body


def test_cancelling_without_ever_registering_still_says_so(member_client, event):
    url = reverse("events:cancel", args=[event.slug])
    body = member_client.post(url, follow=True).content.decode()
    assert "You were not registered for this event." in body


def test_the_waitlist_number_moves_up_when_someone_ahead_leaves(client, member, other_member):
    event = EventFactory(capacity=1)
    RegistrationFactory(event=event)
    ahead = services.event_register(event=event, user=other_member)
    services.event_register(event=event, user=member)
    services.registration_cancel(registration=ahead, actor=other_member)
    client.force_login(member)
    body = client.get(event.get_absolute_url()).content.decode()
    assert "You are number 1 on the waitlist." in body


# A guest's cancel link -----------------------------------------------------------------------


def _guest_link(event: Event) -> str:
    registration = RegistrationFactory(
        event=event, user=None, name="Ann Guest", email="ann@example.test"
    )
    return reverse("events:guest_cancel", args=[services.guest_cancel_token(registration)])


def test_a_guest_link_once_the_event_has_started_says_so_without_a_button(client):
    body = client.get(_guest_link(_under_way())).content.decode()
    assert "This event has already started: the registration can no longer be cancelled." in body
    assert "Yes, cancel my registration" not in body


def test_a_guest_link_before_the_event_asks_with_a_button(client, event):
    body = client.get(_guest_link(event)).content.decode()
    assert "Yes, cancel my registration" in body


# My events -----------------------------------------------------------------------------------


def test_a_check_in_at_an_event_cancelled_since_is_not_attendance(member_client, member):
    now = timezone.now()
    event = EventFactory(
        start=now - timedelta(days=2), end=now - timedelta(days=2, hours=-1),
        status=Event.Status.CANCELLED,
    )  # fmt: skip
    RegistrationFactory(event=event, user=member, checked_in_at=now - timedelta(days=3))
    response = member_client.get(reverse("events:mine"))
    past = response.content.decode().split('id="past-title"')[1].split('id="calendar"')[0]
    assert "Event cancelled" in past
    assert "Attended" not in past
    assert response.context["attended"] == 0


def test_a_check_in_at_a_past_event_is_attendance(member_client, member):
    now = timezone.now()
    event = EventFactory(start=now - timedelta(days=2), end=now - timedelta(days=2, hours=-1))
    RegistrationFactory(event=event, user=member, checked_in_at=now - timedelta(days=2))
    response = member_client.get(reverse("events:mine"))
    assert "Attended" in response.content.decode()
    assert response.context["attended"] == 1


# The door ------------------------------------------------------------------------------------


def test_a_drafts_door_list_is_the_chapter_organisers_only(client, organiser, other_member):
    chapter = ChapterFactory()
    chapter.organisers.add(organiser)
    event = EventFactory(chapter=chapter, status=Event.Status.DRAFT)
    url = reverse("events:check_in", args=[event.slug])
    client.force_login(organiser)
    assert client.get(url).status_code == 200
    ChapterFactory().organisers.add(other_member)
    client.force_login(other_member)
    assert client.get(url).status_code == 404
