"""The "API tokens" page: create (shown once, stored hashed), last use, revoke, and nobody
else's tokens."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.urls import reverse

from api.models import ApiToken
from members.panels import export_collect
from members.services import account_delete

from .conftest import ApiClient, token_for

PAGE = "/me/api-tokens/"


def create(client, name="calendar script"):
    return client.post(PAGE, {"name": name})


def secret_in(response) -> str:
    found = re.search(r"bcw_[A-Za-z0-9_-]{20,}", response.content.decode())
    assert found, "the new token is shown"
    return found.group(0)


def test_the_page_is_linked_from_the_account_settings(member_client):
    page = member_client.get(reverse("notifications:preferences")).content.decode()
    assert f'href="{PAGE}"' in page


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert client.post(PAGE, {"name": "x"}).status_code == 302
    assert not ApiToken.objects.exists()


def test_a_new_token_is_shown_once_and_stored_only_as_a_hash(
    member_client, member, recently_authenticated
):
    recently_authenticated(member_client)  # creating a token asks for the password
    response = create(member_client)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    secret = secret_in(response)
    token = ApiToken.objects.get(user=member)
    assert token.name == "calendar script"
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = " ".join(str(v) for v in ApiToken.objects.values_list().get())
    assert secret not in stored
    again = member_client.get(PAGE).content.decode()
    assert secret not in again
    assert token.prefix in again
    assert "calendar script" in again
    assert ApiClient(secret).get("/api/v1/events/").status_code == 200


def test_the_last_use_is_shown(member_client, member, recently_authenticated):
    recently_authenticated(member_client)
    secret = secret_in(create(member_client))
    assert "Never" in member_client.get(PAGE).content.decode()
    ApiClient(secret).get("/api/v1/spaces/")
    token = ApiToken.objects.get(user=member)
    assert token.last_used_at is not None
    assert "Never" not in member_client.get(PAGE).content.decode()


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_a_token_needs_a_sensible_name(member_client, name, recently_authenticated):
    recently_authenticated(member_client)
    response = create(member_client, name)
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_two_active_tokens_cannot_share_a_name(member_client, recently_authenticated):
    recently_authenticated(member_client)
    create(member_client, "laptop")
    response = create(member_client, "laptop")
    assert response.status_code == 400
    assert "already have a token with this name" in response.content.decode()
    assert ApiToken.objects.count() == 1


def test_revoking_stops_the_token_at_once(member_client, member, recently_authenticated):
    recently_authenticated(member_client)
    secret = secret_in(create(member_client))
    token = ApiToken.objects.get(user=member)
    response = member_client.post(reverse("api_tokens:revoke", kwargs={"pk": token.pk}))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiClient(secret).get("/api/v1/events/").status_code == 401
    assert "Revoked on" in member_client.get(PAGE).content.decode()


def test_another_member_cannot_revoke_or_see_my_token(client, member, other_member):
    secret = token_for(member, "Zebra crossing script")
    token = ApiToken.objects.get(user=member)
    client.force_login(other_member)
    response = client.post(reverse("api_tokens:revoke", kwargs={"pk": token.pk}))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert "Zebra crossing script" not in client.get(PAGE).content.decode()
    assert ApiClient(secret).get("/api/v1/events/").status_code == 200


def test_revoke_is_post_only(member_client, member):
    token_for(member)
    token = ApiToken.objects.get(user=member)
    response = member_client.get(reverse("api_tokens:revoke", kwargs={"pk": token.pk}))
    assert response.status_code == 405


def test_my_data_lists_my_tokens_without_their_hash(member):
    token_for(member, "export me")
    token = ApiToken.objects.get(user=member)
    data = export_collect(member)
    assert data["api_tokens"][0]["name"] == "export me"
    assert token.key_hash not in str(data)


def test_deleting_the_account_deletes_its_tokens(member):
    secret = token_for(member)
    account_delete(user=member)
    assert not ApiToken.objects.exists()
    assert ApiClient(secret).get("/api/v1/events/").status_code == 401
