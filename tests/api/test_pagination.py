"""Cursor pagination: stable pages, cursors bound to their query, page sizes within limits."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from members.models import Visibility
from tests.events.factories import EventFactory, EventSeriesFactory
from tests.factories import ChapterFactory, CompanyFactory, SpaceFactory, make_member

from .conftest import ApiClient


@pytest.fixture
def many_events(db):
    start = timezone.now() + timedelta(days=1)
    # Pairs at the same start: the primary key must break the tie, or a page boundary
    # between them would skip or repeat one.
    return [
        EventFactory(slug=f"e{n:02d}", start=start + timedelta(hours=n // 2)) for n in range(25)
    ]


def walk(client, path, params) -> list[dict]:
    seen, url = [], path
    for _ in range(50):
        response = client.get(url, params) if url == path else client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        seen.extend(body["results"])
        if not body["next"]:
            return seen
        url = body["next"]
    raise AssertionError("pagination did not end")


def test_walking_the_cursor_pages_gives_every_event_once_in_order(many_events):
    items = walk(ApiClient(), "/api/v1/events/", {"page_size": 4})
    assert [e["slug"] for e in items] == [e.slug for e in many_events]


def test_an_event_added_meanwhile_does_not_shift_the_next_page(many_events):
    client = ApiClient()
    first = client.get("/api/v1/events/", {"page_size": 5}).json()
    EventFactory(slug="early-bird", start=timezone.now() + timedelta(hours=1))
    second = client.get(first["next"]).json()
    assert [e["slug"] for e in second["results"]] == [e.slug for e in many_events[5:10]]


def test_companies_pages_are_stable_by_name(db):
    for n in range(7):
        # Described by staff: listed for anyone (a company without anyone seen is not).
        CompanyFactory(name=f"Same name {n % 2}", slug=f"same-{n}", description="A studio.")
    items = walk(ApiClient(), "/api/v1/companies/", {"page_size": 2})
    assert sorted(c["slug"] for c in items) == sorted(f"same-{n}" for n in range(7))
    assert len(items) == 7


def test_a_cursor_from_another_query_is_a_400(many_events):
    client = ApiClient()
    nxt = client.get("/api/v1/events/", {"page_size": 3}).json()["next"]
    cursor = parse_qs(urlsplit(nxt).query)["cursor"][0]
    response = client.get(
        "/api/v1/events/", {"page_size": 3, "kind": "betacooks", "cursor": cursor}
    )
    assert response.status_code == 400
    assert "another query" in response.json()["errors"]["cursor"][0]
    other_endpoint = client.get("/api/v1/companies/", {"page_size": 3, "cursor": cursor})
    assert other_endpoint.status_code == 400


def test_a_directory_cursor_from_another_search_is_a_400(world):
    client = ApiClient()
    nxt = client.get("/api/v1/directory/", {"page_size": 1}).json()["next"]
    cursor = parse_qs(urlsplit(nxt).query)["cursor"][0]
    response = client.get("/api/v1/directory/", {"page_size": 1, "q": "x", "cursor": cursor})
    assert response.status_code == 400
    assert client.get(nxt).status_code == 200


@pytest.mark.parametrize("cursor", ["garbage", "eyJxIjoiIn0:abc:def", "a" * 5000])
def test_a_forged_or_garbage_cursor_is_a_400(many_events, cursor):
    response = ApiClient().get("/api/v1/events/", {"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["errors"]["cursor"]


LISTS = [
    "/api/v1/events/",
    "/api/v1/series/",
    "/api/v1/chapters/",
    "/api/v1/spaces/",
    "/api/v1/companies/",
    "/api/v1/directory/",
]


@pytest.fixture
def two_of_each(world):
    """Two items in every list, so that each has a second page."""
    soon = timezone.now() + timedelta(days=5)
    for n in range(2):
        series = EventSeriesFactory(title=f"Series {n}")
        EventFactory(slug=f"series-{n}", start=soon + timedelta(hours=n), series=series)
        ChapterFactory(name=f"Chapter {n}", slug=f"chapter-{n}")
        SpaceFactory(name=f"Space {n}", slug=f"space-{n}")
        company = CompanyFactory(name=f"Company {n}", slug=f"company-{n}")
        make_member(f"Paula Company{n}", visibility=Visibility.PUBLIC, company=company)
    return world


@pytest.mark.parametrize("path", LISTS)
def test_an_empty_cursor_is_the_first_page_like_any_other_empty_parameter(two_of_each, path):
    """A client filling a URL template (`?cursor={cursor}`) before it has a cursor gets the
    first page, as it does with `page_size=` empty, not a 400; and its next page."""
    client = ApiClient()
    without = client.get(path, {"page_size": 1}).json()
    response = client.get(path, {"page_size": 1, "cursor": ""})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["results"] == without["results"]
    assert body["results"], "the first page is not empty"
    assert body["next"], "nor the last"
    assert (
        client.get(body["next"]).json()["results"] == client.get(without["next"]).json()["results"]
    )


def test_an_empty_cursor_alongside_empty_filters_lists_the_directory(world):
    response = ApiClient().get("/api/v1/directory/", {"q": "", "skill": "", "cursor": ""})
    assert response.status_code == 200, response.content
    assert [c["name"] for c in response.json()["results"]] == ["Paul Partner", "Pauline Public"]


@pytest.mark.parametrize("size", ["0", "101", "1000000000000", "-1", "ten", "1e3", "٣"])
@pytest.mark.parametrize("path", ["/api/v1/events/", "/api/v1/directory/"])
def test_a_page_size_out_of_bounds_or_not_a_number_is_a_400(many_events, path, size):
    response = ApiClient().get(path, {"page_size": size})
    assert response.status_code == 400
    assert response.json()["errors"]["page_size"] == [
        "The page size must be a whole number between 1 and 100."
    ]


def test_the_largest_page_size_is_served(many_events):
    body = ApiClient().get("/api/v1/events/", {"page_size": 100}).json()
    assert len(body["results"]) == 25
    assert body["next"] is None
