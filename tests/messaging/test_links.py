"""The per-person links of a message (cancel, unsubscribe): `token_path` writes the path
`reverse()` would, without resolving it for each of a sweep's thousands of messages."""

from __future__ import annotations

import pytest
from django.urls import reverse, set_script_prefix
from django.utils import translation

from betacowork.messaging.preferences import unsubscribe_token, unsubscribe_url
from betacowork.messaging.rendering import token_path
from events.services.common import guest_cancel_token, guest_cancel_url
from tests.events.factories import EventFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NAMES = ("notifications:unsubscribe", "events:guest_cancel")


def _tokens():
    from events import services

    user = UserFactory(email="Zoé.Brussels@example.test")
    registration = services.event_register(event=EventFactory(capacity=3), user=user)
    return [
        unsubscribe_token(user, "reminder"),
        guest_cancel_token(registration),
        "plain-token_1.2:3",
        "needs quoting é?#&",  # not URL-safe: reverse() itself writes it
    ]


@pytest.mark.parametrize("language", ["en", "fr", "nl"])
@pytest.mark.parametrize("prefix", ["/", "/community/"])
def test_the_path_is_the_one_reverse_writes(language, prefix):
    tokens = _tokens()
    set_script_prefix(prefix)
    try:
        with translation.override(language):
            for name in NAMES:
                for token in tokens:
                    assert token_path(name, token) == reverse(name, kwargs={"token": token})
    finally:
        set_script_prefix("/")


def test_the_links_in_messages_resolve_to_their_views(client):
    from events import services

    user = UserFactory()
    registration = services.event_register(event=EventFactory(capacity=3), user=user)
    for url in (unsubscribe_url(user, "reminder"), guest_cancel_url(registration)):
        path = url.split("://", 1)[1].split("/", 1)[1]
        assert client.get(f"/{path}").status_code == 200
