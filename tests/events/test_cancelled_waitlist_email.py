"""The cancellation email tells each registrant what is true for them: a confirmed person's
calendar entry is marked cancelled by the attached file; someone on the waitlist never got
one, so their email says the waitlist is gone too and carries no calendar file."""

from __future__ import annotations

import pytest

from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_render
from events import services
from events.models import Registration
from tests.factories import UserFactory

from .factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def test_the_cancellation_says_what_is_true_for_confirmed_and_waitlisted_people():
    event = EventFactory(capacity=1)
    seated = RegistrationFactory(event=event, user=UserFactory())
    waiting = RegistrationFactory(
        event=event, user=UserFactory(), status=Registration.Status.WAITLISTED
    )
    services.event_cancel(event=event, actor=None)
    outbox_render(list(Outbox.objects.all()))  # written as data: rendered when sent

    rows = {row.to_email: row for row in Outbox.objects.filter(kind="events.event_cancelled")}
    confirmed, waitlisted = rows[seated.user.email], rows[waiting.user.email]
    assert "the attached calendar file marks it cancelled" in confirmed.body_text
    assert confirmed.attachments
    assert confirmed.attachments[0]["filename"].endswith(".ics")

    assert "attached calendar file" not in waitlisted.body_text
    assert "waitlist" in waitlisted.body_text
    assert "attached calendar file" not in waitlisted.body_html
    assert not waitlisted.attachments
