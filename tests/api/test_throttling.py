"""Rate limits: per address for anonymous callers, per member otherwise (all their tokens and
their session together), in the shared cache."""

from __future__ import annotations

import pytest

from .conftest import ApiClient, token_for


@pytest.fixture
def tight_limits(settings):
    settings.API_RATE_LIMITS = {"anonymous": "3/minute", "token": "5/minute", "session": "5/m"}


def test_anonymous_callers_get_a_429_with_retry_after_past_the_limit(db, tight_limits):
    client = ApiClient()
    assert [client.get("/api/v1/spaces/").status_code for _ in range(3)] == [200] * 3
    response = client.get("/api/v1/spaces/")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "detail" in response.json()


def test_addresses_are_counted_apart(db, tight_limits):
    for _ in range(3):
        ApiClient().get("/api/v1/spaces/", REMOTE_ADDR="10.0.0.1")
    assert ApiClient().get("/api/v1/spaces/", REMOTE_ADDR="10.0.0.1").status_code == 429
    assert ApiClient().get("/api/v1/spaces/", REMOTE_ADDR="10.0.0.2").status_code == 200


def test_a_token_has_its_own_larger_allowance(member, other_member, tight_limits):
    mine, theirs = ApiClient(token_for(member)), ApiClient(token_for(other_member))
    for _ in range(3):
        ApiClient().get("/api/v1/spaces/")  # the address's anonymous allowance is spent
    assert [mine.get("/api/v1/spaces/").status_code for _ in range(5)] == [200] * 5
    assert mine.get("/api/v1/spaces/").status_code == 429
    assert theirs.get("/api/v1/spaces/").status_code == 200


def test_the_count_lives_in_the_shared_cache(db, tight_limits):
    from django.core.cache import cache

    ApiClient().get("/api/v1/spaces/")
    keys = [k for k in cache._cache if ":api:rl:anonymous:" in k]  # locmem's own store
    assert len(keys) == 1


@pytest.mark.parametrize(
    ("rate", "expected"),
    [("60/minute", (60, 60)), ("1000/day", (1000, 86400)), ("5/d", (5, 86400))],
)
def test_a_rate_per_day_is_read_like_the_others(rate, expected):
    from api.throttling import parse_rate

    assert parse_rate(rate) == expected


def test_a_member_has_one_allowance_by_token_and_by_session(client, member, tight_limits):
    """Calls made with a token and from the signed-in browser are one member's: five in
    all, not five each."""
    by_token = ApiClient(token_for(member))
    assert [by_token.get("/api/v1/spaces/").status_code for _ in range(5)] == [200] * 5
    client.force_login(member)
    assert client.get("/api/v1/spaces/").status_code == 429
