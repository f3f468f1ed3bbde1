"""Events, QA round 5, the public side: what the list, an event's page and its calendar file
say to a visitor, a guest, a member and a member on the waitlist once an event is under way,
over, cancelled or full."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from events.models import Event, Registration

from .factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def _card(html: str, title: str) -> str:
    """The list's card of the event titled `title`, as one line of text."""
    return " ".join(html.split(f"<h3>{title}</h3>", 1)[1].split("</article>", 1)[0].split())


def _seats(html: str) -> str:
    return " ".join(html.split('data-testid="seats"', 1)[1].split("</dd>", 1)[0].split())


def _waitlisted(event: Event, user) -> Registration:
    return RegistrationFactory(
        event=event,
        user=user,
        status=Registration.Status.WAITLISTED,
        confirmed_at=None,
        waitlisted_at=timezone.now(),
    )


def _under_way(**fields) -> Event:
    now = timezone.now()
    return EventFactory(start=now - timedelta(minutes=20), end=now + timedelta(hours=1), **fields)


# The list (and the home page's "Coming up", which shows the same cards) -------------------


@pytest.mark.parametrize("capacity", [None, 10, 1])
def test_a_card_of_an_event_under_way_says_registration_is_closed(client, capacity):
    """The list shows events until they end: one that has started takes no registration
    (`registration_refusal`), so its card says registration is closed, not "Open", "n / 10
    seats taken" or "Full: waitlist open" in green as if one could still come in."""
    event = _under_way(title="Lunch under way", capacity=capacity)
    if capacity == 1:
        RegistrationFactory(event=event)
    card = _card(client.get(reverse("events:list")).content.decode(), "Lunch under way")
    assert "Registration is closed." in card
    assert "Open" not in card
    assert "seats taken" not in card
    assert "waitlist" not in card


def test_a_card_of_an_event_to_come_still_shows_its_seats(client):
    EventFactory(title="Lunch to come", capacity=10)
    card = _card(client.get(reverse("events:list")).content.decode(), "Lunch to come")
    assert "0 / 10 seats taken" in card
    assert "Registration is closed." not in card


def test_a_cancelled_event_under_way_is_still_marked_cancelled(client):
    _under_way(title="Cancelled lunch", status=Event.Status.CANCELLED)
    card = _card(client.get(reverse("events:list")).content.decode(), "Cancelled lunch")
    assert "Cancelled" in card
    assert "Registration is closed." not in card


# An event's page: its seats once it can no longer be booked -----------------------------


def test_a_past_event_does_not_offer_seats_left(client, member):
    """A finished event said "9 seats left (of 10)" next to "registration is closed"."""
    event = EventFactory(start=timezone.now() - timedelta(days=2))
    RegistrationFactory(event=event)
    for viewer in (None, member):
        if viewer:
            client.force_login(viewer)
        seats = _seats(client.get(event.get_absolute_url()).content.decode())
        assert "left" not in seats
        assert seats.endswith("1 / 10 seats")


def test_a_cancelled_full_event_does_not_say_full_with_a_waitlist(client, member):
    """A cancelled event said "Full — 1 person on the waitlist" (or "n seats left"), then
    "1 / 1 seats" as if still taken: nobody will take a seat or wait for one any more, so
    the page shows no seats at all (its heading says it is cancelled)."""
    event = EventFactory(capacity=1)
    RegistrationFactory(event=event)
    _waitlisted(event, member)
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    page = client.get(event.get_absolute_url()).content.decode()
    assert 'data-testid="seats"' not in page
    assert "Full" not in page
    assert "1 / 1 seats" not in page


def test_an_event_to_come_still_shows_seats_left_and_the_waitlist(client, member):
    event = EventFactory(capacity=2)
    RegistrationFactory(event=event)
    assert "1 seat left (of 2)" in _seats(client.get(event.get_absolute_url()).content.decode())
    RegistrationFactory(event=event)
    _waitlisted(event, member)
    seats = _seats(client.get(event.get_absolute_url()).content.decode())
    assert "Full" in seats
    assert "1 person on the waitlist" in seats


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_the_pages_of_past_and_cancelled_events_render_in_french_and_dutch(
    client, member, language
):
    past = EventFactory(start=timezone.now() - timedelta(days=2))
    cancelled = EventFactory(status=Event.Status.CANCELLED)
    _under_way(title="Lunch under way")
    client.force_login(member)
    member.preferred_language = language
    member.save(update_fields=["preferred_language"])
    for url in (past.get_absolute_url(), cancelled.get_absolute_url(), reverse("events:list")):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Language"] == language
    with translation.override(language):
        closed = translation.gettext("Registration is closed.")
        seats = translation.gettext("%(confirmed)s / %(capacity)s seats")
    assert closed != "Registration is closed."
    card = _card(client.get(reverse("events:list")).content.decode(), "Lunch under way")
    assert closed in card
    assert seats % {"confirmed": 0, "capacity": 10} in _seats(
        client.get(past.get_absolute_url()).content.decode()
    )


# "Add to calendar" for someone on the waitlist ------------------------------------------


def _ics_lines(client, event) -> list[str]:
    response = client.get(reverse("events:ics", args=[event.slug]))
    assert response.status_code == 200
    return response.content.decode().splitlines()


def test_add_to_calendar_on_the_waitlist_is_tentative_as_in_the_email_and_the_feed(client, member):
    """The confirmation email's attachment and the personal feed say "(waitlist)" and
    TENTATIVE to someone without a seat; the page's "Add to calendar" said CONFIRMED."""
    event = EventFactory(title="Lunch", capacity=1)
    RegistrationFactory(event=event)
    _waitlisted(event, member)
    client.force_login(member)
    lines = _ics_lines(client, event)
    assert "STATUS:TENTATIVE" in lines
    assert "SUMMARY:Lunch (waitlist)" in lines


def test_add_to_calendar_with_a_seat_or_none_is_the_event_itself(client, member, other_member):
    event = EventFactory(title="Lunch", capacity=1)
    RegistrationFactory(event=event, user=member)
    _waitlisted(event, other_member)
    for viewer in (None, member):
        if viewer:
            client.force_login(viewer)
        lines = _ics_lines(client, event)
        assert "STATUS:CONFIRMED" in lines
        assert "SUMMARY:Lunch" in lines


def test_add_to_calendar_of_a_cancelled_event_is_cancelled_even_on_the_waitlist(client, member):
    event = EventFactory(title="Lunch", capacity=1)
    RegistrationFactory(event=event)
    _waitlisted(event, member)
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    client.force_login(member)
    assert "STATUS:CANCELLED" in _ics_lines(client, event)


# A guest's cancel link when the event went back to draft --------------------------------


@pytest.mark.parametrize(
    "hidden",
    [{"status": Event.Status.DRAFT}, {"visibility": Event.Visibility.MEMBERS}],
    ids=["back-to-draft", "members-only-since"],
)
def test_a_guest_cancel_link_of_an_event_hidden_from_guests_links_to_no_dead_page(client, hidden):
    """An event unpublished (back to draft), or made members-only, with guests registered is a
    404 to a guest: the cancel page must not offer "Back to the event" or "No, keep it" to it
    (My events shows such an event without a link, too). The guest may still give the place
    back."""
    from events.services.common import guest_cancel_token

    event = EventFactory(title="Lunch", **hidden)
    registration = RegistrationFactory(event=event, user=None, name="Gus", email="g@example.test")
    url = reverse("events:guest_cancel", args=[guest_cancel_token(registration)])
    assert client.get(event.get_absolute_url()).status_code == 404
    html = client.get(url).content.decode()
    assert "Yes, cancel my registration" in html
    assert f'href="{event.get_absolute_url()}"' not in html
    assert f'href="{reverse("events:list")}"' in html
    response = client.post(url, {"expected": "confirmed"})
    assert response.status_code == 200
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED
    html = response.content.decode()
    assert "Registration cancelled" in html
    assert f'href="{event.get_absolute_url()}"' not in html
    assert "See upcoming events" in html


def test_a_guest_cancel_link_of_a_published_event_links_back_to_it(client):
    from events.services.common import guest_cancel_token

    event = EventFactory(title="Lunch")
    registration = RegistrationFactory(event=event, user=None, name="Gus", email="g@example.test")
    url = reverse("events:guest_cancel", args=[guest_cancel_token(registration)])
    assert f'href="{event.get_absolute_url()}"' in client.get(url).content.decode()
    html = client.post(url, {"expected": "confirmed"}).content.decode()
    assert "Back to the event" in html
    assert f'href="{event.get_absolute_url()}"' in html


# The registration window, on the cards ----------------------------------------------------


def test_a_card_says_registration_is_closed_once_its_window_closed(client):
    """Registration closed before the event (`registration_closes_at`): the card says so
    rather than "0 / 10 seats taken" in green."""
    now = timezone.now()
    EventFactory(title="Closed early", capacity=10, registration_closes_at=now - timedelta(hours=1))
    card = _card(client.get(reverse("events:list")).content.decode(), "Closed early")
    assert "Registration is closed." in card
    assert "seats taken" not in card


def test_a_card_says_when_registration_opens(client):
    opens = timezone.now() + timedelta(days=2)
    event = EventFactory(title="Opens later", capacity=10, registration_opens_at=opens)
    assert event.start > opens
    with translation.override("fr"):
        html = client.get(reverse("events:list"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    card = _card(client.get(reverse("events:list")).content.decode(), "Opens later")
    assert "Registration opens on" in card
    assert timezone.localtime(opens).strftime("%H:%M") in card  # Brussels time
    assert "seats taken" not in card
    assert "Les inscriptions ouvrent le" in _card(html, "Opens later")


def test_a_card_of_an_open_window_shows_its_seats(client):
    now = timezone.now()
    EventFactory(
        title="Window open",
        capacity=10,
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=1),
    )
    card = _card(client.get(reverse("events:list")).content.decode(), "Window open")
    assert "0 / 10 seats taken" in card
