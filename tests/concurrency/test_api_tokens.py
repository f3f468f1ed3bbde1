"""API tokens: two requests creating a token at once never pass the per-member limit, and the
same name sent twice (a double click) makes one token and a clear refusal."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from api.models import ApiToken
from api.services import MAX_ACTIVE_TOKENS, token_create
from tests.factories import UserFactory

from .conftest import PG_RACE, logged_in, post, together

pytestmark = PG_RACE

PAGE = "/me/api-tokens/"


def test_two_tabs_creating_the_last_allowed_token_make_only_one():
    user = UserFactory()
    for i in range(MAX_ACTIVE_TOKENS - 1):
        token_create(user=user, name=f"script {i}")

    _results, errors = together(
        lambda: token_create(user=user, name="laptop"),
        lambda: token_create(user=user, name="phone"),
    )

    assert ApiToken.objects.active().filter(user=user).count() == MAX_ACTIVE_TOKENS
    assert len(errors) == 1
    assert isinstance(errors[0], ValidationError)
    assert "revoke one first" in str(errors[0])


def test_the_last_allowed_token_from_two_pages_at_once_answers_200_and_400(
    recently_authenticated,
):
    user = UserFactory()
    for i in range(MAX_ACTIVE_TOKENS - 1):
        token_create(user=user, name=f"script {i}")
    # Creating a token asks for the password: both tabs typed it a moment ago.
    tabs = [recently_authenticated(logged_in(user)) for _ in range(2)]

    codes, errors = together(
        lambda: post(tabs[0], PAGE, {"name": "laptop"}),
        lambda: post(tabs[1], PAGE, {"name": "phone"}),
    )

    assert errors == []
    assert sorted(codes) == [200, 400]
    assert ApiToken.objects.active().filter(user=user).count() == MAX_ACTIVE_TOKENS


def test_the_same_name_sent_twice_at_once_makes_one_token(recently_authenticated):
    user = UserFactory()
    tabs = [recently_authenticated(logged_in(user)) for _ in range(2)]

    codes, errors = together(*(lambda c=c: post(c, PAGE, {"name": "laptop"}) for c in tabs))

    assert errors == []
    assert sorted(codes) == [200, 400]
    assert ApiToken.objects.filter(user=user).count() == 1
