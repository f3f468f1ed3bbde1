"""The privacy matrix, through the API: who sees which profile, event and collaboration.

Each row is a caller, each column a thing that must or must not reach them; every cell is
checked both ways (shown where allowed, absent where not).
"""

from __future__ import annotations

import pytest

from members.models import Visibility

from .conftest import ApiClient, token_for

# caller → what the directory lists of (public, members-only, hidden) profiles
DIRECTORY = {
    "anonymous": {"Pauline Public"},
    "member": {"Pauline Public", "Manon Members"},
    "staff": {"Pauline Public", "Manon Members", "Hector Hidden"},
}
EVENTS = {
    "anonymous": {"open-lunch"},
    "member": {"open-lunch", "members-breakfast"},
    "staff": {"open-lunch", "members-breakfast", "secret-draft"},
}


@pytest.fixture
def callers(world, member, staff):
    return {
        "anonymous": ApiClient(),
        "member": ApiClient(token_for(member)),
        "staff": ApiClient(token_for(staff)),
    }


def names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {card["name"] for card in response.json()["results"]}


@pytest.mark.parametrize("caller", list(DIRECTORY))
def test_directory_lists_exactly_the_profiles_the_caller_may_see(callers, caller):
    listed = names(callers[caller].get("/api/v1/directory/", {"q": "translation"}))
    assert listed == DIRECTORY[caller]
    everyone = names(callers[caller].get("/api/v1/directory/", {"page_size": 100}))
    assert DIRECTORY[caller] <= everyone
    assert not ({"Pauline Public", "Manon Members", "Hector Hidden"} - DIRECTORY[caller]) & everyone


@pytest.mark.parametrize("caller", list(EVENTS))
def test_events_list_exactly_the_events_the_caller_may_see(callers, caller):
    response = callers[caller].get("/api/v1/events/", {"from": "2000-01-01"})
    slugs = {e["slug"] for e in response.json()["results"]} - {"event-past"}
    assert {s for s in slugs if not s.startswith("event-")} == EVENTS[caller]


@pytest.mark.parametrize(
    ("caller", "slug", "status"),
    [
        ("anonymous", "members-breakfast", 404),
        ("member", "members-breakfast", 200),
        ("member", "secret-draft", 404),
        ("staff", "secret-draft", 200),
    ],
)
def test_event_detail_follows_the_event_rule(callers, caller, slug, status):
    assert callers[caller].get(f"/api/v1/events/{slug}/").status_code == status


@pytest.mark.parametrize(
    ("caller", "who", "status"),
    [
        ("anonymous", "public", 200),
        ("anonymous", "members", 404),
        ("anonymous", "hidden", 404),
        ("member", "members", 200),
        ("member", "hidden", 404),
        ("staff", "hidden", 200),
    ],
)
def test_profile_detail_follows_the_profile_rule(world, callers, caller, who, status):
    slug = world["people"][who].slug
    response = callers[caller].get(f"/api/v1/directory/{slug}/")
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"


def test_anonymous_callers_never_get_contact_details(world):
    profile = world["people"]["public"]
    profile.email_visibility = Visibility.PUBLIC
    profile.phone, profile.phone_visibility = "+32 470 00 00 00", Visibility.PUBLIC
    profile.save()
    body = ApiClient().get(f"/api/v1/directory/{profile.slug}/").json()
    assert body["email"] is None
    assert body["phone"] is None


def test_members_see_what_was_shared_with_members(world, member):
    profile = world["people"]["members"]
    profile.email_visibility = Visibility.MEMBERS
    profile.phone, profile.phone_visibility = "+32 470 00 00 00", Visibility.HIDDEN
    profile.save()
    body = ApiClient(token_for(member)).get(f"/api/v1/directory/{profile.slug}/").json()
    assert body["email"] == profile.user.email
    assert body["phone"] is None


def test_the_owner_of_a_hidden_profile_sees_it_with_their_token(world):
    hidden = world["people"]["hidden"]
    mine = ApiClient(token_for(hidden.user))
    assert mine.get(f"/api/v1/directory/{hidden.slug}/").status_code == 200
    assert "Hector Hidden" in names(mine.get("/api/v1/directory/", {"q": "translation"}))


def test_a_revoked_token_is_refused_and_sees_nothing(world, revoked_api):
    for path in ("/api/v1/directory/", "/api/v1/events/", "/api/v1/dashboard/"):
        response = revoked_api.get(path)
        assert response.status_code == 401
        assert response.json() == {"detail": "This API token was revoked."}
        assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer bcw_not-a-real-token", "Bearer garbage", "Token "])
def test_a_garbage_token_is_a_401_not_an_anonymous_call(world, header):
    response = ApiClient().get("/api/v1/directory/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert "detail" in response.json()


@pytest.mark.parametrize("caller", ["anonymous", "member", "staff"])
def test_a_participants_only_collaboration_is_counted_never_itemised(world, callers, caller):
    body = callers[caller].get("/api/v1/dashboard/").json()
    assert body["total"] == 3  # every confirmed collaboration counts
    text = str(body)
    assert "Confidential deal" not in text
    secret = world["collaborations"]["secret"]
    party_ids = {f"u{p.user_id}" for p in secret.participants.all()}
    edges = {frozenset((e["a"], e["b"])) for e in body["graph"]["edges"]}
    assert frozenset(party_ids) not in edges
    shown = {f"u{p.user_id}" for p in world["collaborations"]["shown"].participants.all()}
    assert frozenset(shown) in edges  # the public one is itemised, to everyone


def test_the_dashboard_names_a_members_only_profile_to_members_only(world, callers):
    member_name = "Manon Members"
    anonymous = {
        n["label"] for n in callers["anonymous"].get("/api/v1/dashboard/").json()["graph"]["nodes"]
    }
    members = {
        n["label"] for n in callers["member"].get("/api/v1/dashboard/").json()["graph"]["nodes"]
    }
    assert member_name not in anonymous
    assert member_name in members


def test_a_company_whose_only_person_is_hidden_is_not_listed_but_to_staff(db, member, staff):
    """Its name would say its hidden person is a member: the company list leaves it out, as
    its page (a 404) and the autocomplete do; staff see it."""
    from tests.factories import CompanyFactory, make_member

    alone = CompanyFactory(name="Hush Studio", slug="hush-studio")
    make_member("Quiet One", visibility=Visibility.HIDDEN, company=alone)
    described = CompanyFactory(name="Open Studio", slug="open-studio", website="https://o.test")

    def slugs(client) -> set[str]:
        response = client.get("/api/v1/companies/")
        assert response.status_code == 200, response.content
        return {c["slug"] for c in response.json()["results"]}

    for client in (ApiClient(), ApiClient(token_for(member))):
        assert "hush-studio" not in slugs(client)
        assert described.slug in slugs(client)
    assert {"hush-studio", "open-studio"} <= slugs(ApiClient(token_for(staff)))
