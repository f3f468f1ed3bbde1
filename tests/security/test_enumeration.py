"""What an anonymous visitor can learn about who attends, from the guest registration form:
nothing — the form books nothing and answers every address alike; the emailed link books."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_send_due
from events.models import Registration
from members.models import Visibility
from tests.events.factories import EventFactory, RegistrationFactory
from tests.events.guest_flow import guest_confirm_path
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _guest_register(client, event, email: str) -> tuple[int, list[str]]:
    client.cookies.clear()  # a fresh visitor each time: no message left from the last one
    response = client.post(
        reverse("events:register", kwargs={"slug": event.slug}),
        {"name": "Curious Visitor", "email": email, "note": ""},
    )
    said = [str(m).replace(email, "<address>") for m in get_messages(response.wsgi_request)]
    return response.status_code, said


def test_a_visitor_cannot_tell_whether_an_address_attends(client):
    event = EventFactory(capacity=10)
    hidden = UserFactory(email="hidden@example.test", name="Hid Den")
    hidden.profile.visibility = Visibility.HIDDEN
    hidden.profile.save()
    RegistrationFactory(event=event, user=hidden)
    fresh = _guest_register(client, event, "nobody@example.test")
    assert fresh[0] == 302
    assert any("we sent a link to <address>" in text for text in fresh[1])
    # The hidden member's address: the same answer as any address (the mail says the rest).
    assert _guest_register(client, event, "hidden@example.test") == fresh


def _registered_an_hour_ago(event, **kwargs):
    """A guest's registration (no account: its messages go to the address it holds)."""
    registration = RegistrationFactory(event=event, user=None, **kwargs)
    Registration.objects.filter(pk=registration.pk).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    return registration


def test_on_a_full_event_a_taken_address_is_answered_as_a_new_one(client):
    """The form books nothing (the emailed link does): the same answer, and the same
    waitlist figure on the page, whether the address typed holds a seat or not."""
    event = EventFactory(capacity=1)
    _registered_an_hour_ago(event, name="Seat Holder", email="holder@example.test")
    RegistrationFactory(
        event=event, status=Registration.Status.WAITLISTED, waitlisted_at=timezone.now()
    )
    known = _guest_register(client, event, "holder@example.test")
    fresh = _guest_register(client, event, "nobody@example.test")
    assert known == fresh
    assert event.registrations.active().count() == 2  # nothing written for either
    page = client.get(event.get_absolute_url()).content.decode()
    assert "1 person on the waitlist" in page


def test_the_address_owner_learns_the_truth_from_their_mailbox_only(client):
    """The link goes to the address typed: whoever follows it holds that mailbox, and is
    told the address is registered already — nothing is written twice."""
    event = EventFactory(capacity=10)
    _registered_an_hour_ago(event, name="Ann Guest", email="ann@example.test")
    _guest_register(client, event, "ANN@example.test ")
    request = Outbox.objects.get(kind="events.guest_request")
    assert request.to_email == "ann@example.test"
    response = client.post(guest_confirm_path("ann@example.test"), follow=True)
    assert "This address is already registered for this event." in response.content.decode()
    assert event.registrations.count() == 1
    outbox_send_due()
    assert [m.to for m in mail.outbox] == [["ann@example.test"]]  # the link, nothing else
