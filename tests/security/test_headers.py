"""Every answer tells the browser what the page may not use, and what it is."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["home", "members:directory", "events:list", "healthz"])
def test_pages_refuse_the_browser_features_the_site_never_uses(client, name):
    response = client.get(reverse(name))
    policy = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_an_error_page_carries_the_policy_too(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "camera=()" in response["Permissions-Policy"]
