"""Every list costs the same number of queries whatever its page size."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from collaborations.models import Collaboration
from members.models import Visibility
from tests.events.factories import EventFactory, EventSeriesFactory, RegistrationFactory
from tests.factories import ChapterFactory, CompanyFactory, UserFactory, make_member

from .conftest import ApiClient, token_for


@pytest.fixture
def crowd(db, settings):
    settings.DIRECTORY_CACHE_SECONDS = 0  # count the queries, not the cache
    settings.COLLABORATIONS_DASHBOARD_CACHE = 0
    company = CompanyFactory(name="Crowd & Co")
    for n in range(30):
        make_member(
            f"Person {n:02d}",
            visibility=Visibility.PUBLIC if n % 2 else Visibility.MEMBERS,
            skills=["translation", f"skill-{n % 3}"],
            offers=["coaching"],
            company=company,
        )
    start = timezone.now() + timedelta(days=2)
    for n in range(30):
        series = EventSeriesFactory(title=f"Series {n:02d}")
        event = EventFactory(slug=f"crowd-{n}", start=start + timedelta(hours=n), series=series)
        RegistrationFactory(event=event)
    for n in range(30):
        chapter = ChapterFactory(name=f"Chapter {n:02d}")
        chapter.organisers.add(UserFactory(), UserFactory())


def count(client, path, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/events/", {}),
        ("/api/v1/events/", {"kind": "betacooks", "from": "2020-01-01"}),
        ("/api/v1/series/", {}),
        ("/api/v1/chapters/", {}),
        ("/api/v1/spaces/", {}),
        ("/api/v1/companies/", {}),
        ("/api/v1/directory/", {}),
        ("/api/v1/directory/", {"q": "translation"}),
        ("/api/v1/directory/", {"skill": "skill-1", "sort": "recent"}),
    ],
)
@pytest.mark.parametrize("caller", ["anonymous", "token"])
def test_queries_do_not_grow_with_the_page_size(crowd, member, path, params, caller):
    client = ApiClient(token_for(member) if caller == "token" else None)
    count(client, path, {**params, "page_size": 1})  # warm the per-process memo
    small = count(client, path, {**params, "page_size": 2})
    large = count(client, path, {**params, "page_size": 25})
    assert small == large, f"{path}: {small} queries for 2 items, {large} for 25"


def test_the_dashboard_costs_a_fixed_number_of_queries(crowd, member):
    from tests.collaborations.conftest import log

    people = [UserFactory() for _ in range(8)]
    client = ApiClient(token_for(member))
    log(people[0], people[1], confirm=True)
    client.get("/api/v1/dashboard/")  # the token's first use is written once
    before = count(client, "/api/v1/dashboard/", {})
    for a, b in itertools.pairwise(people[1:]):
        log(a, b, confirm=True, visibility=Collaboration.Visibility.MEMBERS)
    assert count(client, "/api/v1/dashboard/", {}) == before
