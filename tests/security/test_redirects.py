"""Open redirects: the language switcher and the login/logout `next`."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

HOSTILE = [
    "https://evil.test/",
    "//evil.test/",
    "/\\evil.test/",
    "\\\\evil.test",
    "https:evil.test",
    "///evil.test",
    " //evil.test",
    "javascript:alert(1)",
    "/%09/evil.test",
]


def _stays_here(location: str) -> bool:
    return location.startswith("/") and not location.startswith(("//", "/\\"))


@pytest.mark.parametrize("target", HOSTILE)
def test_the_language_switcher_never_leaves_the_site(client, target):
    response = client.post(reverse("language_switch"), {"language": "fr", "next": target})
    assert response.status_code == 302
    assert _stays_here(response["Location"]), response["Location"]


def test_the_language_switcher_returns_to_a_page_of_the_site(client):
    response = client.post(reverse("language_switch"), {"language": "nl", "next": "/events/?a=1"})
    assert response["Location"] == "/events/?a=1"


@pytest.mark.parametrize("target", HOSTILE)
def test_login_never_sends_to_another_site(client, member, target):
    response = client.post(
        reverse("account_login"), {"login": member.email, "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert _stays_here(response["Location"]), response["Location"]


@pytest.mark.parametrize("target", HOSTILE)
def test_logout_never_sends_to_another_site(client, member, target):
    client.force_login(member)
    response = client.post(reverse("account_logout"), {"next": target})
    assert response.status_code == 302
    assert _stays_here(response["Location"]), response["Location"]
