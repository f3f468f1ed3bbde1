"""Bad input anywhere under /api/ is a JSON 4xx, never a 500 or an HTML page."""

from __future__ import annotations

import pytest

from .conftest import ApiClient


def assert_json_error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["detail"]
    return body


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/events/", {"colour": "red"}, "colour"),
        ("/api/v1/events/", {"from": "31/12/2026"}, "from"),
        ("/api/v1/events/", {"from": "2026-02-30"}, "from"),
        ("/api/v1/events/", {"to": "9999-12-31"}, "to"),
        ("/api/v1/events/", {"from": "2026-05-01", "to": "2026-04-01"}, "to"),
        ("/api/v1/events/", {"kind": "no-such-kind"}, "kind"),
        ("/api/v1/events/", {"chapter": "atlantis"}, "chapter"),
        ("/api/v1/directory/", {"skill": "no-such-skill"}, "skill"),
        ("/api/v1/directory/", {"joined": "7"}, "joined"),
        ("/api/v1/directory/", {"sort": "shoe-size"}, "sort"),
        ("/api/v1/directory/", {"page": "2"}, "page"),
        ("/api/v1/companies/", {"q": "x"}, "q"),
        ("/api/v1/dashboard/", {"year": "2026"}, "year"),
    ],
)
def test_bad_query_parameters_are_a_400_naming_the_parameter(db, path, params, field):
    body = assert_json_error(ApiClient().get(path, params), 400)
    assert field in body["errors"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"sort": "foo"}, "Unknown sort order “foo”: use one of name, recent, relevance."),
        ({"q": "x" * 201}, "The search is too long: at most 200 characters."),
        (
            {"q": " ".join(f"word{n}" for n in range(9))},
            "The search has too many words: at most 8.",
        ),
        ({"joined": "7"}, "Unknown period “7”: use one of 30, 90, 365 (days)."),
        ({"plan": "gold"}, "Unknown plan “gold”: use one of resident, flex, community, office."),
        ({"space": "mars"}, "There is no space “mars”: use a slug from /api/v1/spaces/."),
        ({"place": "p" * 81}, "The city or region is too long: at most 80 characters."),
        (
            {"offers": "juggling"},
            "There is no term “juggling”: use a term's slug, as in the cards' skills.",
        ),
    ],
)
def test_a_refused_directory_query_says_what_is_wrong_and_what_is_accepted(db, params, message):
    """Not the directory page's notices ("sorted by name", "cut to its first 200
    characters"): nothing was served, so nothing fell back."""
    body = assert_json_error(ApiClient().get("/api/v1/directory/", params), 400)
    assert body == {"detail": message, "errors": {next(iter(params)): [message]}}


def test_each_refused_directory_parameter_is_named(db):
    body = assert_json_error(
        ApiClient().get("/api/v1/directory/", {"q": "translation", "sort": "foo", "joined": "7"}),
        400,
    )
    assert set(body["errors"]) == {"sort", "joined"}


def test_a_repeated_parameter_is_a_400(db):
    body = assert_json_error(ApiClient().get("/api/v1/events/?kind=a&kind=b"), 400)
    assert "kind" in body["errors"]


def test_nul_in_the_query_string_is_a_json_400(db):
    assert_json_error(ApiClient().get("/api/v1/events/?kind=%00"), 400)


@pytest.mark.parametrize(
    "path", ["/api/", "/api/v2/events/", "/api/v1/nothing/", "/api/v1/events/no-such-event/"]
)
def test_unknown_paths_under_api_are_a_json_404(db, path):
    assert_json_error(ApiClient().get(path), 404)


def test_a_missing_final_slash_says_so(db):
    body = assert_json_error(ApiClient().get("/api/v1/events"), 404)
    assert "/api/v1/events/" in body["detail"]


def test_writing_is_refused_in_json(db):
    response = ApiClient().post("/api/v1/events/", {}, content_type="application/json")
    assert_json_error(response, 405)
