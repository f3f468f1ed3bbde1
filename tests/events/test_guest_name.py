"""A guest's name is cleaned as a member's is: it is shown to organisers (lists, check-in,
CSV) and greets the address in the confirmation email, which nobody has proved is theirs."""

from __future__ import annotations

import pytest
from django.urls import reverse

from betacowork.messaging import kind_for
from betacowork.messaging.models import Outbox
from events.models import Registration
from tests.events.factories import EventFactory
from tests.events.guest_flow import guest_register

pytestmark = pytest.mark.django_db


def _register(client, event, name: str):
    return client.post(
        reverse("events:register", kwargs={"slug": event.slug}),
        {"name": name, "email": "guest@example.org"},
    )


@pytest.mark.parametrize(
    "name",
    [
        "WIN\u00a0€500:\u00a0http://spam.example/claim\u202e",  # a direction override
        "Vera\nVictim",  # a line break
        "\u200b\u200b",  # nothing visible
    ],
)
def test_a_guest_name_the_sign_up_would_refuse_is_refused(client, name):
    event = EventFactory(title="Betacooks lunch")
    response = _register(client, event, name)
    assert response.status_code == 400
    assert not Registration.objects.exists()
    assert not Outbox.objects.exists()


def test_a_guest_is_greeted_by_their_first_name_whatever_the_space(client):
    event = EventFactory(title="Betacooks lunch")
    response = guest_register(client, event, name="Zoé\u00a0Martin")
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.greeting_name == "Zoé"
    row = Outbox.objects.get(kind="events.registration_confirmed")
    message, _attachments = kind_for(row.kind).render(row)
    assert "Zoé," in message.text
    assert "Martin" not in message.text.split("\n")[0]
