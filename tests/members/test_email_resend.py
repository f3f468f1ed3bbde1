"""'Re-send verification' on the addresses page within allauth's cooldown (one confirmation
email per address every three minutes): allauth sends nothing and said nothing (QA); the page
now says why no email comes (members.middleware.AccountRefusalStatusMiddleware)."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.test import override_settings
from django.urls import reverse

from betacowork.messaging.models import Outbox

pytestmark = pytest.mark.django_db

WAIT = "A confirmation email was sent to second@example.test a moment ago"


@pytest.fixture
def page(client, member, recently_authenticated):
    EmailAddress.objects.create(user=member, email="second@example.test")
    client.force_login(member)
    recently_authenticated(client)
    return client


def _resend(client, email="second@example.test"):
    return client.post(reverse("account_email"), {"action_send": "", "email": email}, follow=True)


@override_settings(ACCOUNT_RATE_LIMITS={})  # allauth's defaults, confirm_email's among them
def test_a_second_resend_within_the_cooldown_says_why_no_email_comes(page):
    first = _resend(page).content.decode()
    second = _resend(page)

    assert "Confirmation email sent to second@example.test." in first
    assert WAIT not in first
    assert second.status_code == 200  # the addresses page again, with why
    assert WAIT in second.content.decode()
    assert "you can ask for another one in a few minutes" in second.content.decode()
    assert Outbox.objects.filter(kind="account.email_confirmation").count() == 1


@override_settings(ACCOUNT_RATE_LIMITS={})
def test_nothing_is_said_of_an_address_that_is_not_the_members(page, other_member):
    EmailAddress.objects.create(user=other_member, email="theirs@example.test")
    _resend(page, "theirs@example.test")

    assert "theirs@example.test" not in _resend(page, "theirs@example.test").content.decode()
