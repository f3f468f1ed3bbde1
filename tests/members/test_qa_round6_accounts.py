"""Accounts, QA round 6: who gets a password-reset link, what a deactivated member is told,
and what the dead-link and deletion pages say."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from betacowork.messaging.models import Outbox
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

RESET_KEY = "account.password_reset_key"
UNKNOWN = "account.unknown_account"


def _request_reset(client, email):
    response = client.post(reverse("account_reset_password"), {"email": email})
    # Whatever the address, the same answer: nothing tells whether it has an account.
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    return list(Outbox.objects.filter(to_email=email).values_list("kind", flat=True))


def test_no_reset_link_goes_to_an_address_the_member_added_but_never_confirmed(client, member):
    # A member adds an address with a typo: it belongs to someone else. That person's
    # "forgot my password" must not hand them a link into the member's account.
    EmailAddress.objects.create(user=member, email="typo@example.test", verified=False)
    assert _request_reset(client, "typo@example.test") == []


def test_a_reset_link_goes_to_the_members_confirmed_addresses(client, member):
    EmailAddress.objects.create(user=member, email="second@example.test", verified=True)
    assert _request_reset(client, member.email) == [RESET_KEY]
    assert _request_reset(client, "second@example.test") == [RESET_KEY]


def test_a_reset_link_goes_to_the_address_of_a_sign_up_not_confirmed_yet(client):
    # Their own sign-up address: they may have forgotten the password before confirming.
    user = UserFactory(verified=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    assert _request_reset(client, user.email) == [RESET_KEY]


def test_a_deactivated_member_asking_for_a_reset_is_not_told_there_is_no_account(client):
    # allauth's "unknown account" email says there is no record of the address and invites
    # a sign-up, which answers "an account already exists, reset your password": a loop.
    user = UserFactory(is_active=False)
    assert _request_reset(client, user.email) == []
    assert _request_reset(client, user.email.upper()) == []


def test_an_unknown_address_asking_for_a_reset_still_hears_so(client, member):
    assert _request_reset(client, "nobody@example.test") == [UNKNOWN]


def test_the_inactive_account_page_says_what_to_do(client):
    user = UserFactory(is_active=False)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response["Location"] == reverse("account_inactive")
    page = client.get(response["Location"]).content.decode()
    assert "This account is deactivated." in page
    assert "ask the Betacowork team at the front desk" in page


def test_a_used_or_expired_confirmation_link_says_so_and_offers_the_login(client):
    response = client.get(reverse("account_confirm_email", args=["no-such-key"]))
    assert response.status_code == 400
    page = response.content.decode()
    assert "This confirmation link no longer works" in page
    assert "already confirmed" in page
    assert f'href="{reverse("account_login")}"' in page


def test_the_deletion_pages_say_what_stays_of_event_registrations(member_client):
    # QA: they said registrations kept the name and the address; they keep neither
    # (events.signals.registrations_cancel_for_deleted_user): lists show "A former member".
    page = member_client.get(reverse("members:account_delete")).content.decode()
    assert "your email address on your registrations" not in page
    assert "stay in their attendance as “A former member”, without your name, email" in page
    assert "a record of the emails we already sent you" in page
    page = member_client.get(reverse("members:my_data")).content.decode()
    assert "keep your name and email address" not in page
    assert "as “A former member”, without your name or email address" in page


@pytest.mark.parametrize(
    ("saved", "browser", "expected", "not_expected"),
    [
        ("fr", "en", "réinitialisation", "Password Reset"),
        ("en", "fr", "Password Reset", "réinitialisation"),
        ("", "nl", "wachtwoord", "Password Reset"),  # no saved language: the request's
    ],
)
def test_a_reset_link_speaks_the_accounts_language_not_the_browsers(
    client, saved, browser, expected, not_expected
):
    """QA: a reset asked from an English browser reached a French member in English, and
    one asked from a French browser reached an English member in French."""
    user = UserFactory(preferred_language=saved)
    client.cookies["betacowork_language"] = browser

    assert _request_reset(client, user.email) == [RESET_KEY]

    sent = Outbox.objects.get(kind=RESET_KEY, to_email=user.email)
    assert expected.casefold() in (sent.subject + sent.body_text).casefold()
    assert not_expected.casefold() not in (sent.subject + sent.body_text).casefold()
    assert sent.language == (saved or browser)
