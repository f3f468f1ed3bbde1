"""Links in the answers are for the host and scheme the caller used, cached answers too."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.members.test_profile_edit import jpeg_bytes

from .conftest import ApiClient

URL = "/api/v1/directory/"


@pytest.fixture
def pictured(world):
    """Pauline Public, with a picture: her card has an avatar link."""
    profile = world["people"]["public"]
    profile.avatar.save("a.jpg", ContentFile(jpeg_bytes()), save=False)
    profile.avatar_thumb.save("t.jpg", ContentFile(jpeg_bytes()), save=True)
    return profile


def card(response) -> dict:
    assert response.status_code == 200, response.content
    (only,) = response.json()["results"]
    return only


def test_each_host_gets_its_own_links_from_the_cached_page(pictured, settings):
    settings.DIRECTORY_CACHE_SECONDS = 120
    params = {"q": "Pauline", "page_size": 1}
    first = card(ApiClient().get(URL, params, HTTP_HOST="localhost:8303"))
    assert first["url"] == f"http://localhost:8303/members/{pictured.slug}/"
    assert first["avatar"].startswith(f"http://localhost:8303/members/{pictured.slug}/")
    with CaptureQueriesContext(connection) as ctx:
        second = card(ApiClient().get(URL, params))
    assert second["url"] == f"http://testserver/members/{pictured.slug}/"
    assert second["avatar"] == first["avatar"].replace("localhost:8303", "testserver")
    searched = [q["sql"] for q in ctx.captured_queries if "members_profile" in q["sql"]]
    assert searched == [], "the second host's page was searched again, not read from the cache"


def test_an_https_caller_does_not_give_https_links_to_the_others(pictured, settings):
    settings.DIRECTORY_CACHE_SECONDS = 120
    params = {"q": "Pauline", "page_size": 1}
    proxied = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_HOST": "testserver"}
    secure = card(ApiClient().get(URL, params, **proxied))
    assert secure["url"] == f"https://testserver/members/{pictured.slug}/"
    plain = card(ApiClient().get(URL, params))
    assert plain["url"] == f"http://testserver/members/{pictured.slug}/"
    assert plain["avatar"].startswith("http://testserver/")
