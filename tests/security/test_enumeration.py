"""What an anonymous visitor can learn about who attends, from the guest registration form."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from members.models import Visibility
from tests.events.factories import EventFactory, RegistrationFactory
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


@pytest.mark.xfail(
    strict=True,
    reason="events/services + events/views/registration.py (not this helper's files): an "
    "anonymous guest registration with an address already registered answers 'You are already "
    "registered for this event.', so anyone can test whether a (hidden) member attends",
)
def test_a_visitor_cannot_tell_whether_an_address_attends(client):
    event = EventFactory(capacity=10)
    hidden = UserFactory(email="hidden@example.test", name="Hid Den")
    hidden.profile.visibility = Visibility.HIDDEN
    hidden.profile.save()
    RegistrationFactory(event=event, user=hidden)
    fresh = _guest_register(client, event, "nobody@example.test")
    assert fresh[0] == 302
    assert any("registered" in text for text in fresh[1])
    # The hidden member's address: the same answer as any address (the mail says the rest).
    assert _guest_register(client, event, "hidden@example.test") == fresh
