"""What an anonymous visitor can learn about who attends, from the guest registration form."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_send_due
from events.messages import RegistrationConfirmed, RegistrationWaitlisted
from events.models import Registration
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


def _registered_an_hour_ago(event, **kwargs):
    """A guest's registration (no account: its messages go to the address it holds)."""
    registration = RegistrationFactory(event=event, user=None, **kwargs)
    Registration.objects.filter(pk=registration.pk).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    return registration


def test_on_a_full_event_a_taken_address_is_told_the_next_waitlist_place(client):
    """What a new address would be told: the event is full, so the next place on the
    waitlist — whether the address typed holds a seat or not."""
    event = EventFactory(capacity=1)
    _registered_an_hour_ago(event, name="Seat Holder", email="holder@example.test")
    RegistrationFactory(
        event=event, status=Registration.Status.WAITLISTED, waitlisted_at=timezone.now()
    )
    known = _guest_register(client, event, "holder@example.test")
    assert known[0] == 302
    assert "The event is full: you are number 2 on the waitlist." in known[1]
    # Nothing was written for the taken address: still one seat, one waiting.
    assert event.registrations.active().count() == 2
    fresh = _guest_register(client, event, "nobody@example.test")
    assert fresh == known


def test_the_address_owner_is_sent_their_registration_again_once_an_hour(client):
    event = EventFactory(capacity=10)
    registration = _registered_an_hour_ago(event, name="Ann Guest", email="ann@example.test")
    for _ in range(3):
        _guest_register(client, event, "ANN@example.test ")
    rows = Outbox.objects.filter(
        kind=RegistrationConfirmed.key, dedup_key__startswith="registration-again:"
    )
    assert [(r.to_email, r.payload["registration"]) for r in rows] == [
        ("ann@example.test", registration.pk)
    ]
    outbox_send_due()
    sent = [m for m in mail.outbox if m.to == ["ann@example.test"]]
    assert len(sent) == 1
    assert event.title in sent[0].subject or event.title in sent[0].body


def test_a_double_click_sends_no_second_email(client):
    """The confirmation went out a minute ago: a second submission sends nothing more."""
    event = EventFactory(capacity=10)
    _guest_register(client, event, "bob@example.test")
    _guest_register(client, event, "bob@example.test")
    assert not Outbox.objects.filter(dedup_key__startswith="registration-again:").exists()
    assert (
        Outbox.objects.filter(kind=RegistrationConfirmed.key, to_email="bob@example.test").count()
        == 1
    )


def test_a_waitlisted_owner_is_told_their_own_place(client):
    event = EventFactory(capacity=1)
    _registered_an_hour_ago(event, email="first@example.test")
    waiting = _registered_an_hour_ago(
        event, email="wait@example.test", status=Registration.Status.WAITLISTED,
        waitlisted_at=timezone.now() - timedelta(hours=1),
    )  # fmt: skip
    _guest_register(client, event, "wait@example.test")
    row = Outbox.objects.get(dedup_key__startswith="registration-again:")
    assert (row.kind, row.payload) == (
        RegistrationWaitlisted.key, {"registration": waiting.pk, "position": 1}
    )  # fmt: skip
