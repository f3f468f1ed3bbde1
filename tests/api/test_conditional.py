"""ETag / If-None-Match on lists: a 304 while nothing changed, a new ETag when it did."""

from __future__ import annotations

from tests.events.factories import EventFactory

from .conftest import ApiClient


def test_a_list_answers_304_to_its_own_etag_and_200_after_a_change(world):
    client = ApiClient()
    first = client.get("/api/v1/events/")
    etag = first["ETag"]
    assert etag.startswith('"')
    assert first.status_code == 200
    again = client.get("/api/v1/events/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    EventFactory(slug="new-one")
    changed = client.get("/api/v1/events/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_the_etag_differs_between_callers_who_see_different_things(world, member_api):
    anonymous = ApiClient().get("/api/v1/directory/")
    member = member_api.get("/api/v1/directory/")
    assert anonymous["ETag"] != member["ETag"]
    assert "Authorization" in anonymous["Vary"]
    assert "private" in anonymous["Cache-Control"]


def test_a_directory_search_and_the_dashboard_are_conditional_too(world):
    client = ApiClient()
    for path in ("/api/v1/directory/?q=translation", "/api/v1/dashboard/", "/api/v1/chapters/"):
        etag = client.get(path)["ETag"]
        assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304
        assert client.get(path, HTTP_IF_NONE_MATCH='"other"').status_code == 200
