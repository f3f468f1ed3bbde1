"""Addresses longer than their column (254 characters) are refused where a person types one,
never cut: a cut address is one no email can reach (members.adapters.AccountAdapter)."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from betacowork.messaging.models import Outbox
from members.models import User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

TOO_LONG = "a" * 300 + "@example.com"  # a valid address for Django (<= 320 characters)
LONGEST = "a" * (254 - len("@example.com")) + "@example.com"


def sign_up(client, email):
    return client.post(
        reverse("account_signup"),
        {"email": email, "name": "Inès Dubois", "password1": PASSWORD, "password2": PASSWORD},
    )


def test_a_signup_email_longer_than_254_characters_is_refused(client):
    response = sign_up(client, TOO_LONG)
    # A refused sign-up is shown again with 400 (members.middleware), like our own forms.
    assert response.status_code == 400
    assert "Ensure this value has at most 254 characters (it has 312)." in (
        response.content.decode()
    )
    assert not User.objects.exists()
    assert not EmailAddress.objects.exists()
    assert not Outbox.objects.exists()


def test_a_signup_email_of_254_characters_is_kept_whole(client):
    response = sign_up(client, LONGEST)
    assert response.status_code == 302
    user = User.objects.get()
    assert user.email == LONGEST
    assert EmailAddress.objects.get(user=user).email == LONGEST
    assert Outbox.objects.get(recipient=user).to_email == LONGEST


def test_adding_an_email_longer_than_254_characters_is_refused(member_client, member):
    response = member_client.post(reverse("account_email"), {"email": TOO_LONG, "action_add": ""})
    assert "Ensure this value has at most 254 characters (it has 312)." in (
        response.content.decode()
    )
    assert list(EmailAddress.objects.values_list("email", flat=True)) == [member.email]
    assert not Outbox.objects.exists()
