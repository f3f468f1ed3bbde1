"""Audit, round 4: the API's answers to input it does not serve.

Every error under /api/ is JSON, whatever the method; a date is `YYYY-MM-DD` and nothing else.
"""

from __future__ import annotations

import pytest
from django.test import Client

from .conftest import ApiClient


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", ["/api/v1/nothing/", "/api/v1/events", "/api/"])
def test_writing_to_an_unknown_api_path_is_a_json_404_not_the_csrf_page(db, method, path):
    # A script without a CSRF cookie (every script): the API's own views are exempt, so the
    # JSON 404 behind them must be too, else it answers the site's HTML "403 Forbidden".
    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)(path, data="{}", content_type="application/json")
    assert response.status_code == 404, response.content[:200]
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


def test_reading_an_unknown_api_path_is_still_a_json_404(db):
    response = Client(enforce_csrf_checks=True).get("/api/v1/nothing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("value", ["2026-W01-1", "2026-W53-7"])
@pytest.mark.parametrize("name", ["from", "to"])
def test_an_iso_week_date_is_not_a_date_as_yyyy_mm_dd(db, name, value):
    # Ten characters that date.fromisoformat() reads as the Monday of a week: the API says
    # it takes YYYY-MM-DD, so anything else is a 400 naming the parameter.
    response = ApiClient().get("/api/v1/events/", {name: value})
    assert response.status_code == 400, response.content[:200]
    assert response.json()["errors"][name] == ["A date as YYYY-MM-DD, e.g. 2026-03-31."]


def test_a_plain_date_is_still_read(db):
    response = ApiClient().get("/api/v1/events/", {"from": "2026-03-01", "to": "2026-03-31"})
    assert response.status_code == 200


def test_too_many_parameters_for_the_api_is_a_json_400(db):
    # Django refuses more than DATA_UPLOAD_MAX_NUMBER_FIELDS parameters when the query string
    # is first read, which a middleware does before the API's views: still JSON under /api/.
    query = "&".join(f"p{i}=1" for i in range(1100))
    response = ApiClient().get(f"/api/v1/events/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"] == "The request has too many parameters or is too large."
    fields = {f"p{i}": "1" for i in range(1100)}
    response = Client().post("/api/v1/nothing/", fields)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    # A site page keeps the site's own 400 page.
    response = Client().get(f"/events/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_a_nul_in_a_form_posted_to_the_api_is_a_json_400(db):
    response = Client().post("/api/v1/nothing/", {"name": "a\x00b"})
    assert response.status_code == 400
    assert response.json()["detail"] == "NUL characters are not allowed."
    response = Client().post("/accounts/login/", {"login": "a\x00b"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_a_get_whose_if_match_names_another_version_is_a_json_412(db):
    client = ApiClient()
    current = client.get("/api/v1/events/")
    assert current.status_code == 200
    response = client.get("/api/v1/events/", HTTP_IF_MATCH='"not-this-one"')
    assert response.status_code == 412
    assert response["Content-Type"] == "application/json"
    assert "If-Match" in response.json()["detail"]
    assert response["ETag"] == current["ETag"]
    assert "private" in response["Cache-Control"]
    # The version the caller has still gets the page.
    assert client.get("/api/v1/events/", HTTP_IF_MATCH=current["ETag"]).status_code == 200
