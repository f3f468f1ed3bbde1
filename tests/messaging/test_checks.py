"""Delivery checks (betacowork/messaging/checks.py): the recipient's choices and the kind's
own check, asked just before sending."""

from __future__ import annotations

import pytest

from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_send_due
from tests.factories import UserFactory

from .factories import write

pytestmark = pytest.mark.django_db


def test_optional_message_is_cancelled_if_the_member_opted_out_meanwhile(scripted):
    user = UserFactory()
    optional, _ = write("optional", kind="events.reminder", recipient=user, to=user.email)
    essential, _ = write("essential", kind="events.event_cancelled", recipient=user, to=user.email)
    user.email_opt_outs = ["reminder"]
    user.save()
    assert outbox_send_due() == 1
    optional.refresh_from_db()
    essential.refresh_from_db()
    assert optional.status == Outbox.Status.CANCELLED
    assert "unsubscribed" in optional.last_error
    assert essential.status == Outbox.Status.SENT
