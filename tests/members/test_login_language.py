"""The "signed in" message is in the member's language, like the page after it
(members.signals.signed_in switches before allauth makes the message)."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def log_in(client, user):
    # A fresh visitor: no language cookie, no Accept-Language header.
    return client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}, follow=True
    )


def test_a_french_member_is_greeted_in_french():
    katia = UserFactory(name="Katia Xenophontos", preferred_language="fr")
    page = log_in(Client(), katia)
    assert page.status_code == 200
    assert page["Content-Language"] == "fr"
    body = page.content.decode()
    assert "Connexion avec Katia Xenophontos réussie." in body
    assert "Successfully signed in" not in body


def test_an_english_member_is_greeted_in_english():
    stan = UserFactory(name="Stan Jagiello", preferred_language="en")
    body = log_in(Client(), stan).content.decode()
    assert "Successfully signed in as Stan Jagiello." in body


def test_the_language_picked_on_the_site_wins_over_the_stored_one():
    katia = UserFactory(name="Katia Xenophontos", preferred_language="fr")
    client = Client()
    client.cookies["betacowork_language"] = "en"
    body = log_in(client, katia).content.decode()
    assert "Successfully signed in as Katia Xenophontos." in body
