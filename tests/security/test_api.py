"""The API's limits and tokens, as an attacker would probe them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from api.services import token_create, token_revoke
from tests.api.conftest import ApiClient, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight_limits(settings):
    settings.API_RATE_LIMITS = {"anonymous": "3/minute", "token": "5/minute", "session": "5/m"}


def test_new_tokens_do_not_reset_a_members_rate_limit(member, tight_limits):
    token, secret = token_create(user=member, name="first")
    first = ApiClient(secret)
    assert [first.get("/api/v1/spaces/").status_code for _ in range(5)] == [200] * 5
    assert first.get("/api/v1/spaces/").status_code == 429
    # Another token, or the same one revoked and replaced: the same member, the same limit.
    second = ApiClient(token_for(member, "second"))
    assert second.get("/api/v1/spaces/").status_code == 429
    token_revoke(user=member, token_id=token.pk)
    third = ApiClient(token_for(member, "third"))
    assert third.get("/api/v1/spaces/").status_code == 429


def test_another_members_token_keeps_its_own_limit(member, other_member, tight_limits):
    mine = ApiClient(token_for(member))
    for _ in range(6):
        mine.get("/api/v1/spaces/")
    theirs = ApiClient(token_for(other_member))
    assert theirs.get("/api/v1/spaces/").status_code == 200


def test_a_member_cannot_revoke_another_members_token(client, member, other_member):
    token, secret = token_create(user=other_member, name="theirs")
    client.force_login(member)
    response = client.post(reverse("api_tokens:revoke", kwargs={"pk": token.pk}))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert ApiClient(secret).get("/api/v1/spaces/").status_code == 200
    client.force_login(other_member)
    response = client.post(reverse("api_tokens:revoke", kwargs={"pk": token.pk}))
    assert response.status_code == 302
    assert ApiClient(secret).get("/api/v1/spaces/").status_code == 401


def test_the_tokens_page_lists_only_ones_own(client, member, other_member):
    token_create(user=other_member, name="their-secret-script")
    token_create(user=member, name="my-script")
    client.force_login(member)
    body = client.get(reverse("api_tokens:list")).content.decode()
    assert "my-script" in body
    assert "their-secret-script" not in body
