"""A member's event emails go to their account's address as it is now: QA changed theirs after
registering (and removed the old one from the account), and the waitlist promotion and the
event's changes still went to the address they had registered with."""

from __future__ import annotations

from datetime import timedelta

import pytest

from betacowork.messaging.models import Outbox
from events.services import event_register, event_update, registration_cancel
from tests.factories import UserFactory

from .factories import EventFactory

pytestmark = pytest.mark.django_db


def _moved_address(user, address: str) -> None:
    user.email = address  # as allauth sets it when another address becomes primary
    user.save(update_fields=["email"])


def test_the_promotion_and_the_event_s_changes_go_to_the_member_s_address_now():
    event = EventFactory(title="Full lunch", capacity=1)
    seated = UserFactory(name="Ada Seated")
    waiting = UserFactory(name="Zoé Quartermain", email="zoe.qa@example.test")
    seat = event_register(event=event, user=seated)
    registration = event_register(event=event, user=waiting)
    assert registration.email == "zoe.qa@example.test"
    _moved_address(waiting, "zoe.new@example.test")

    registration_cancel(registration=seat)
    event_update(event=event, data={"start": event.start + timedelta(hours=1)})

    to_zoe = Outbox.objects.filter(recipient=waiting).exclude(kind="events.registration_waitlisted")
    assert {row.kind for row in to_zoe} >= {"events.registration_promoted", "events.event_changed"}
    assert set(to_zoe.values_list("to_email", flat=True)) == {"zoe.new@example.test"}


def test_a_guest_s_emails_go_to_the_address_they_registered_with():
    event = EventFactory(title="Open talk", capacity=5)
    guest = event_register(event=event, name="Gert Gast", email="gert@example.test")
    event_update(event=event, data={"start": event.start + timedelta(hours=1)})
    rows = Outbox.objects.filter(kind="events.event_changed")
    assert list(rows.values_list("to_email", flat=True)) == [guest.email]
