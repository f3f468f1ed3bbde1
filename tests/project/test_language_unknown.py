"""An unknown language in the switcher answers the site's own 400 page, in the reader's
language and layout, saying what was wrong (testers, round 3: a bare English body)."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_an_unknown_language_gets_the_sites_400_page(client):
    response = client.post(reverse("language_switch"), {"language": "xx", "next": "/"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="site-header"' in page  # the layout, with its language switcher
    assert "We could not understand that request" in page
    assert "This site is not available in that language." in page
    assert "betacowork_language" not in response.cookies


def test_the_400_page_is_in_the_readers_language(client, member):
    member.preferred_language = "fr"
    member.save(update_fields=["preferred_language"])
    client.force_login(member)
    response = client.post(reverse("language_switch"), {"language": "xx"})
    assert response.status_code == 400
    page = response.content.decode()
    assert '<html lang="fr">' in page
    assert "Nous n'avons pas compris cette requête" in page.replace("&#x27;", "'")
    member.refresh_from_db()
    assert member.preferred_language == "fr"
