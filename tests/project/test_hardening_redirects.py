"""Issue 13, defect 6: `next=` after login and logout is a same-scheme, same-host target only;
on HTTPS, `next=http://<same host>/` must not downgrade the visitor to plain HTTP."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

REFUSED = [
    "http://testserver/directory/",  # same host, plain HTTP: a downgrade from HTTPS
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "https:evil.example",
    "javascript:alert(1)",
    "http://localhost/directory/",  # another allowed host
]


def _login(client, member, next_url, *, secure=True):
    return client.post(
        reverse("account_login"),
        {"login": member.email, "password": PASSWORD, "next": next_url},
        secure=secure,
    )


@pytest.mark.parametrize("next_url", REFUSED)
def test_login_over_https_refuses_other_schemes_and_hosts(client, member, next_url):
    response = _login(client, member, next_url)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" in client.session


@pytest.mark.parametrize(
    "next_url", ["/directory/", "/events/?kind=betacooks", "https://testserver/directory/"]
)
def test_login_over_https_follows_same_host_targets(client, member, next_url):
    response = _login(client, member, next_url)
    assert response.status_code == 302
    assert response["Location"] == next_url


@pytest.mark.parametrize("next_url", REFUSED)
def test_logout_over_https_refuses_other_schemes_and_hosts(client, member, next_url):
    client.force_login(member)
    response = client.post(reverse("account_logout"), {"next": next_url}, secure=True)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" not in client.session


def test_logout_follows_a_relative_target(client, member):
    client.force_login(member)
    response = client.post(reverse("account_logout"), {"next": "/events/"}, secure=True)
    assert response["Location"] == "/events/"
