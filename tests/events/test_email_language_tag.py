"""The HTML part of an email declares the language it is written in (screen readers read it
with that voice; mail clients and filters use it)."""

from __future__ import annotations

import re

import pytest

from betacowork.messaging.models import Outbox
from events import services
from tests.factories import UserFactory

from .factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def test_a_cancellation_email_is_tagged_with_each_recipients_language():
    event = EventFactory()
    for language in ("fr", "nl", "en"):
        user = UserFactory(preferred_language=language)
        RegistrationFactory(event=event, user=user, email=user.email)
    services.event_cancel(event=event, actor=None)
    rows = Outbox.objects.filter(kind="events.event_cancelled")
    tags = {row.language: re.search(r'<html lang="(\w+)"', row.body_html).group(1) for row in rows}
    assert tags == {"fr": "fr", "nl": "nl", "en": "en"}
