"""A refused request (NUL in the input) is answered in the member's own language, like
every other page they see."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_400_page_is_in_the_members_language(client):
    client.force_login(UserFactory(preferred_language="fr"))
    response = client.get(reverse("members:directory"), {"q": "a\x00"})
    assert response.status_code == 400
    body = response.content.decode()
    assert '<html lang="fr">' in body
    anonymous = client.__class__().get(reverse("members:directory"), {"q": "a\x00"})
    assert anonymous.status_code == 400
    assert '<html lang="en">' in anonymous.content.decode()
