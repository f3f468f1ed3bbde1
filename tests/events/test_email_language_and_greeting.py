"""Event emails: the HTML part declares the language it is written in (screen readers read it
with that voice; mail clients and filters use it), and they greet people by first name."""

from __future__ import annotations

import re

import pytest

from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_render
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
    outbox_render(list(Outbox.objects.all()))  # written as data: rendered when sent
    rows = Outbox.objects.filter(kind="events.event_cancelled")
    tags = {row.language: re.search(r'<html lang="(\w+)"', row.body_html).group(1) for row in rows}
    assert tags == {"fr": "fr", "nl": "nl", "en": "en"}


def test_every_event_email_greets_by_first_name_like_the_others():
    """Members' emails say "Hello Katia," (the first word of the name): so do the emails
    about a registration, to a member and to a guest alike."""
    event = EventFactory()
    member = UserFactory(name="Katia Xenophontos")
    RegistrationFactory(event=event, user=member, email=member.email, name=member.name)
    RegistrationFactory(event=event, user=None, email="guest@example.test", name="Jean Dupont")
    services.event_cancel(event=event, actor=None)
    outbox_render(list(Outbox.objects.all()))  # written as data: rendered when sent
    bodies = {r.to_email: r.body_text for r in Outbox.objects.filter(kind="events.event_cancelled")}
    assert bodies[member.email].startswith("Hello Katia,")
    assert bodies["guest@example.test"].startswith("Hello Jean,")


def test_the_event_details_keep_french_typography():
    event = EventFactory()
    user = UserFactory(preferred_language="fr")
    RegistrationFactory(event=event, user=user, email=user.email)
    services.event_cancel(event=event, actor=None)
    outbox_render(list(Outbox.objects.all()))  # written as data: rendered when sent
    row = Outbox.objects.get(kind="events.event_cancelled")
    assert "Quand\xa0:" in row.body_text  # a space before the colon, never a break
    assert "<strong>Quand\xa0:</strong>" in row.body_html
