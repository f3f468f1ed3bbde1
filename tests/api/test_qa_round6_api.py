"""QA round 6: the API as a client developer, a member, an organiser and staff meet it.

Errors from the schema and docs are JSON too; a refused token is still a limited caller;
every answer says how much of the limit is left; a 404 or a refused filter says what was
asked and where to find what exists; drafts stay with their own chapter's organisers.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.events.factories import EventFactory
from tests.factories import ChapterFactory

from .conftest import ApiClient, token_for


@pytest.fixture
def tight_limits(settings):
    settings.API_RATE_LIMITS = {"anonymous": "3/minute", "token": "5/minute", "session": "5/m"}


def json_error(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert body["detail"]
    return body


# The schema and the docs ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/schema/", "/api/v1/docs/"])
def test_writing_to_the_schema_or_the_docs_is_a_json_405_with_allow(db, path):
    response = Client().post(path, data="{}", content_type="application/json")
    json_error(response, 405)
    assert "GET" in response["Allow"]


def test_the_schema_refuses_an_unservable_accept_in_json(db):
    json_error(Client().get("/api/v1/schema/", HTTP_ACCEPT="text/html"), 406)


@pytest.mark.parametrize("path", ["/api/v1/schema/", "/api/v1/docs/"])
def test_the_schema_and_docs_are_served_whatever_token_the_caller_sends(db, member, path):
    # The schema is the same for everyone: a stale token in a client's settings must not
    # lock its developer out of the documentation (it was a YAML or plain-text 401).
    for header in ("Bearer bcw_revoked-or-mistyped", f"Bearer {token_for(member)}"):
        assert Client().get(path, HTTP_AUTHORIZATION=header).status_code == 200


# Limits ---------------------------------------------------------------------------------


def test_a_refused_token_is_counted_like_any_anonymous_call(db, member, tight_limits):
    """Guessing tokens from one address meets the address's limit: 401s, then a 429."""
    guesser = ApiClient("bcw_guess")
    assert [guesser.get("/api/v1/spaces/").status_code for _ in range(3)] == [401] * 3
    response = guesser.get("/api/v1/spaces/")
    json_error(response, 429)
    assert 1 <= int(response["Retry-After"]) <= 60
    # A member with a real token, from the same address, is counted apart.
    assert ApiClient(token_for(member)).get("/api/v1/spaces/").status_code == 200


def test_every_answer_says_how_much_of_the_limit_is_left(db, member, tight_limits):
    client = ApiClient()
    seen = []
    for _ in range(4):
        response = client.get("/api/v1/spaces/")
        seen.append((response.status_code, response["RateLimit-Remaining"]))
        assert response["RateLimit-Limit"] == "3"
        assert 1 <= int(response["RateLimit-Reset"]) <= 60
    assert seen == [(200, "2"), (200, "1"), (200, "0"), (429, "0")]
    by_token = ApiClient(token_for(member)).get("/api/v1/spaces/")
    assert (by_token["RateLimit-Limit"], by_token["RateLimit-Remaining"]) == ("5", "4")


def test_the_schema_documents_the_limit_headers(client, db):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    for path, operations in schema["paths"].items():
        responses = operations["get"]["responses"]
        assert "Retry-After" in responses["429"].get("headers", {}), path
        for code in ("200", "429"):
            assert "RateLimit-Remaining" in responses[code].get("headers", {}), (path, code)


def test_an_authorization_header_with_a_tab_is_still_read(db, member):
    response = ApiClient().get("/api/v1/spaces/", HTTP_AUTHORIZATION=f"Bearer\t{token_for(member)}")
    assert response.status_code == 200
    assert response["RateLimit-Limit"] == "600"  # counted as the member, not anonymous
    json_error(ApiClient().get("/api/v1/spaces/", HTTP_AUTHORIZATION="Bearer\tbcw_nope"), 401)


# What a 404 and a refused filter say ------------------------------------------------------


def test_an_event_not_found_or_not_shown_says_which_one(world, member):
    as_member = ApiClient(token_for(member))
    for client, slug in [
        (ApiClient(), "no-such-event"),
        (ApiClient(), "members-breakfast"),  # members-only: not to anonymous callers
        (as_member, "secret-draft"),
    ]:
        body = json_error(client.get(f"/api/v1/events/{slug}/"), 404)
        assert body == {"detail": f"There is no event “{slug}” that you may see."}
    assert as_member.get("/api/v1/events/members-breakfast/").status_code == 200


def test_a_profile_not_found_or_not_shown_says_which_one(world):
    hidden = world["people"]["hidden"].slug
    body = json_error(ApiClient().get(f"/api/v1/directory/{hidden}/"), 404)
    assert body == {"detail": f"There is no member profile “{hidden}” that you may see."}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"kind": "yoga"},
            "There is no event kind “yoga”: use a kind's slug, as in the events' “kind”.",
        ),
        (
            {"chapter": "atlantis"},
            "There is no chapter “atlantis”: use a slug from /api/v1/chapters/.",
        ),
        ({"space": "mars"}, "There is no space “mars”: use a slug from /api/v1/spaces/."),
    ],
)
def test_a_refused_event_filter_says_what_is_wrong_and_where_the_slugs_are(db, params, message):
    # Not the event page's "choose one from the list": an API caller has no list.
    body = json_error(ApiClient().get("/api/v1/events/", params), 400)
    assert body == {"detail": message, "errors": {next(iter(params)): [message]}}


# Drafts and organisers --------------------------------------------------------------------


def test_a_draft_is_seen_by_its_chapter_s_organisers_and_staff_only(db, member, organiser, staff):
    mine, theirs = ChapterFactory(slug="mine"), ChapterFactory(slug="theirs")
    mine.organisers.add(organiser)
    soon = timezone.now() + timedelta(days=2)
    EventFactory(slug="draft-mine", status="draft", chapter=mine, start=soon)
    EventFactory(slug="draft-theirs", status="draft", chapter=theirs, start=soon)
    expected = {
        member: set(),
        organiser: {"draft-mine"},
        staff: {"draft-mine", "draft-theirs"},
    }
    for user, drafts in expected.items():
        client = ApiClient(token_for(user))
        listed = {e["slug"] for e in client.get("/api/v1/events/").json()["results"]}
        assert listed & {"draft-mine", "draft-theirs"} == drafts, user
        for slug in ("draft-mine", "draft-theirs"):
            status = client.get(f"/api/v1/events/{slug}/").status_code
            assert status == (200 if slug in drafts else 404), (user, slug)
