"""The registration buttons from pages that were open a while (QA, 2026-12-07): the event was
cancelled meanwhile, the session ended, a guest opens their email's link in another browser."""

from __future__ import annotations

import pytest
from django.urls import reverse

from events import services
from events.models import Registration
from tests.factories import UserFactory

from .factories import EventFactory
from .guest_flow import guest_register

pytestmark = pytest.mark.django_db


def test_cancelling_a_seat_of_an_event_cancelled_meanwhile_changes_nothing(client, member, event):
    """The member's tab was opened before staff cancelled the event: the seat stays as the
    record of who was coming, and the member is told there is nothing to do."""
    registration = services.event_register(event=event, user=member)
    services.event_cancel(event=event, actor=None)
    client.force_login(member)
    response = client.post(
        reverse("events:cancel", args=[event.slug]), {"expected": "confirmed"}, follow=True
    )
    assert response.redirect_chain[-1][0] == event.get_absolute_url()
    body = response.content.decode()
    assert "will not take place: there is nothing to cancel" in body
    assert "Your registration is cancelled" not in body
    registration.refresh_from_db()
    assert (registration.status, registration.cancelled_at) == ("confirmed", None)


def test_a_member_whose_session_ended_comes_back_to_the_event_page(client, member, event):
    """Their "Cancel my registration" sent them to log in, which sends them back with a GET
    to the button's address: the event's page, where the button is, not an empty 405."""
    services.event_register(event=event, user=member)
    cancel = reverse("events:cancel", args=[event.slug])
    response = client.post(cancel)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    client.force_login(member)
    response = client.get(cancel)
    assert (response.status_code, response["Location"]) == (302, event.get_absolute_url())
    register = reverse("events:register", args=[event.slug])
    response = client.get(register)
    assert (response.status_code, response["Location"]) == (302, event.get_absolute_url())
    assert Registration.objects.get(user=member).status == Registration.Status.CONFIRMED


def test_a_button_address_opened_as_a_page_says_what_it_is(client, member):
    client.force_login(member)
    response = client.get(reverse("events:calendar_regenerate"))
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    body = response.content.decode()
    assert "This address is not a page" in body
    assert "Nothing was changed." in body
    # A page like any other: the security headers, and a pending message shown once.
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_a_message_waiting_is_shown_once_by_the_405_page(client, member, event):
    services.event_register(event=event, user=member)
    client.force_login(member)
    client.post(reverse("events:cancel", args=[event.slug]))  # "Your registration is cancelled"
    page = client.get(reverse("events:calendar_regenerate")).content.decode()
    assert "Your registration is cancelled" in page
    assert "Your registration is cancelled" not in client.get("/").content.decode()


def test_the_api_keeps_its_json_405(client):
    response = client.post(reverse("api:events"), {})
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")


def test_a_guests_cancel_link_reads_in_the_language_they_registered_in(client):
    event = EventFactory()
    registration = services.event_register(
        event=event, name="Piet", email="piet@example.test", language="nl"
    )
    link = reverse("events:guest_cancel", args=[services.guest_cancel_token(registration)])
    response = client.get(link)
    assert '<html lang="nl"' in response.content.decode()
    assert "Yes, cancel my registration" not in response.content.decode()
    # The language switcher of this browser wins.
    client.cookies["betacowork_language"] = "en"
    assert '<html lang="en"' in client.get(link).content.decode()


def test_a_waitlisted_guest_is_told_what_was_sent(client):
    event = EventFactory(capacity=1)
    services.event_register(event=event, name="First", email="first@example.test")
    response = guest_register(client, event, name="Second", email="second@example.test")
    body = client.get(response["Location"]).content.decode()
    assert "We sent your place on the waitlist to second@example.test" in body
    assert "We sent a confirmation to" not in body


@pytest.mark.parametrize("visibility", ["public", "members", None])
def test_a_members_button_pressed_after_the_session_ended_asks_to_sign_in(client, visibility):
    """The member's "Register" (no guest fields) from a page whose session ended: a 404 for
    a members-only event, the guest form's errors for a public one. Now the login page, then
    the event's page — the same answer whatever the address (a members-only event's too)."""
    slug = "no-such-event"
    if visibility:
        slug = EventFactory(visibility=visibility).slug
    response = client.post(reverse("events:register", args=[slug]), {"note": ""})
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("account_login") + "?next=" + reverse("events:detail", args=[slug])
    )
    assert not Registration.objects.exists()


def test_a_guest_on_the_waitlist_is_asked_to_leave_it_not_to_give_a_seat_back(client):
    event = EventFactory(capacity=1)
    services.event_register(event=event, name="First", email="first@example.test")
    waiting = services.event_register(event=event, name="Wanda", email="wanda@example.test")
    link = reverse("events:guest_cancel", args=[services.guest_cancel_token(waiting)])
    page = client.get(link).content.decode()
    assert "Wanda, do you want to leave the waitlist of" in page
    assert "Yes, leave the waitlist" in page
    assert "cancel your place" not in page
    page = client.post(link, {"expected": "waitlisted"}).content.decode()
    assert "You are no longer on the waitlist of" in page
    assert "freeing your place" not in page


def test_a_member_sending_the_form_again_from_the_waitlist_is_told_their_place(client):
    """Not "already registered": they hold no seat (QA)."""
    event = EventFactory(capacity=1)
    services.event_register(event=event, name="First", email="first@example.test")
    member, seated = UserFactory(), UserFactory()
    services.event_register(event=event, user=member)
    url = reverse("events:register", args=[event.slug])
    client.force_login(member)
    said = client.post(url, {"note": ""}, follow=True).content.decode()
    assert "You are already on the waitlist: number 1." in said
    assert "You are already registered for this event." not in said

    other = EventFactory(capacity=5)
    services.event_register(event=other, user=seated)
    client.force_login(seated)
    said = client.post(reverse("events:register", args=[other.slug]), follow=True)
    assert "You are already registered for this event." in said.content.decode()
