"""The language switcher: cookie for everyone, stored preference for people logged in."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def page_language(response) -> str:
    html = response.content.decode()
    start = html.index("<html lang=") + len('<html lang="')
    return html[start : html.index('"', start)]


def test_switch_changes_the_page_language_and_stores_it(member_client, member):
    assert page_language(member_client.get("/")) == "en"
    response = member_client.post(reverse("language_switch"), {"language": "fr", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies["betacowork_language"].value == "fr"
    member.refresh_from_db()
    assert member.preferred_language == "fr"

    page = member_client.get("/")
    assert page_language(page) == "fr"
    assert page["Content-Language"] == "fr"


def test_switch_works_for_visitors(client):
    response = client.post(reverse("language_switch"), {"language": "nl", "next": "/"})
    assert response.status_code == 302
    page = client.get("/")
    assert page_language(page) == "nl"
    assert page["Content-Language"] == "nl"


def test_logged_in_people_see_their_stored_language_on_a_new_device(client, member):
    member.preferred_language = "nl"
    member.save()
    client.force_login(member)
    page = client.get("/")
    assert page_language(page) == "nl"
    assert page["Content-Language"] == "nl"


def test_the_switcher_offers_the_three_languages(client):
    html = client.get("/").content.decode()
    assert 'action="/language/"' in html
    for code in ("en", "fr", "nl"):
        assert f'<option value="{code}"' in html


@pytest.mark.parametrize("language", ["de", "", "xx-yy", "../../etc"])
def test_unknown_language_is_a_400(member_client, member, language):
    response = member_client.post(reverse("language_switch"), {"language": language})
    assert response.status_code == 400
    member.refresh_from_db()
    assert member.preferred_language == "en"
    assert "betacowork_language" not in response.cookies


def test_switch_never_redirects_off_site(client):
    response = client.post(
        reverse("language_switch"), {"language": "fr", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_switch_is_post_only(client):
    assert client.get(reverse("language_switch")).status_code == 405
