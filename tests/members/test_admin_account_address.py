"""An account's address changed by staff in the admin (members/admin_accounts.py, QA).

Staff changed a member's address on the account's page, and allauth's addresses stayed as they
were: the old one still signed in and received working reset links (whoever holds the old
mailbox took the account over), the new one was asked for a confirmation, and the member's
announcements and reminders (confirmed addresses only) stopped.
"""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Permission
from django.urls import reverse

from betacowork.messaging.models import Outbox
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def helper(client):
    user = UserFactory(name="Helpdesk Hanne", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["change_user", "view_user"]))
    client.force_login(user)
    return user


@pytest.fixture
def katia():
    return UserFactory(name="Katia Xenophontos", email="katia@betacowork.test")


def _change_email(client, account, email):
    return client.post(
        reverse("admin:members_user_change", args=[account.pk]),
        {
            "email": email,
            "name": account.name,
            "preferred_language": account.preferred_language,
            "email_opt_outs": "[]",
            "is_active": "on",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
            "membership_set-TOTAL_FORMS": "0",
            "membership_set-INITIAL_FORMS": "0",
        },
    )


def _reset_kinds(client, email):
    """What a "forgot my password" for `email` sends there."""
    before = set(Outbox.objects.values_list("pk", flat=True))
    client.post(reverse("account_reset_password"), {"email": email})
    sent = Outbox.objects.filter(to_email=email).exclude(pk__in=before)
    return list(sent.values_list("kind", flat=True))


def test_the_new_address_is_the_accounts_and_the_old_one_no_way_in(client, helper, katia):
    EmailAddress.objects.create(user=katia, email="katia@second.test", verified=True)

    response = _change_email(client, katia, "Katia@New-Mail.test")

    assert response.status_code == 302, response.content.decode()[:2000]
    katia.refresh_from_db()
    assert katia.email == "katia@new-mail.test"
    rows = {(a.email, a.verified, a.primary) for a in EmailAddress.objects.filter(user=katia)}
    # Staff vouch for the new address; the old one's row is gone; another one stays.
    assert rows == {("katia@new-mail.test", True, True), ("katia@second.test", True, False)}
    # The old mailbox still hears of the change, and gets no reset link.
    notice = Outbox.objects.get(kind="account.email_changed")
    assert notice.to_email == "katia@betacowork.test"
    assert notice.body_text.startswith("Hello Katia,")  # as before the change
    client.logout()
    assert _reset_kinds(client, "katia@betacowork.test") == ["account.unknown_account"]
    login = {"login": "katia@betacowork.test", "password": PASSWORD}
    assert client.post(reverse("account_login"), login).status_code == 400  # refused
    assert "_auth_user_id" not in client.session
    # The new address signs in at once, without "Confirmation email sent".
    login["login"] = "katia@new-mail.test"
    response = client.post(reverse("account_login"), login)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert not Outbox.objects.filter(kind__startswith="account.email_confirmation").exists()


def test_an_address_the_member_had_added_becomes_the_confirmed_primary_one(client, helper, katia):
    EmailAddress.objects.create(user=katia, email="katia@new-mail.test", verified=False)

    assert _change_email(client, katia, "katia@new-mail.test").status_code == 302

    [address] = EmailAddress.objects.filter(user=katia)
    assert (address.email, address.verified, address.primary) == ("katia@new-mail.test", 1, 1)


def test_another_accounts_unconfirmed_claim_to_the_address_goes(client, helper, katia):
    # As when Katia confirms it by link (members.hooks, email_confirmed): a confirmed
    # address is one account's, and the other account's confirmation link dies with it.
    stranger = UserFactory(email="stranger@betacowork.test")
    EmailAddress.objects.create(user=stranger, email="katia@new-mail.test", verified=False)

    assert _change_email(client, katia, "katia@new-mail.test").status_code == 302

    assert not EmailAddress.objects.filter(user=stranger, email="katia@new-mail.test").exists()


@pytest.mark.parametrize("confirmed_elsewhere", [False, True])
def test_an_address_another_account_holds_is_refused(client, helper, katia, confirmed_elsewhere):
    if confirmed_elsewhere:
        other = UserFactory(email="other@betacowork.test")
        EmailAddress.objects.create(user=other, email="taken@betacowork.test", verified=True)
    else:
        UserFactory(email="taken@betacowork.test")

    response = _change_email(client, katia, "Taken@Betacowork.test")

    assert response.status_code == 200  # the form again, with why
    assert "A user with this email address already exists." in response.content.decode()
    katia.refresh_from_db()
    assert katia.email == "katia@betacowork.test"
    address = EmailAddress.objects.get(user=katia)
    assert (address.email, address.verified, address.primary) == (katia.email, True, True)
    assert not Outbox.objects.filter(kind="account.email_changed").exists()


ADDRESSES = ("add_emailaddress", "change_emailaddress", "view_emailaddress", "delete_emailaddress")


def test_an_address_is_not_rewritten_in_the_addresses_admin(client, katia):
    """QA: edited there, the address stayed confirmed without a confirmation, and the
    account's own address kept the old one. The account's page changes both (above)."""
    helper = UserFactory(is_staff=True)
    helper.user_permissions.add(*Permission.objects.filter(codename__in=ADDRESSES))
    client.force_login(helper)
    address = EmailAddress.objects.get(user=katia)
    change = reverse("admin:account_emailaddress_change", args=[address.pk])

    page = client.get(change).content.decode()
    response = client.post(change, {"email": "typo@new-mail.test", "verified": "on"})

    assert response.status_code == 302
    address.refresh_from_db()
    katia.refresh_from_db()
    assert (address.email, address.verified, address.primary) == (katia.email, True, True)
    assert katia.email == "katia@betacowork.test"
    assert not EmailAddress.objects.filter(email="typo@new-mail.test").exists()
    assert "change it on the account's page" in page  # where it is changed


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "Your password has been changed."), ("fr", "Votre mot de passe a été modifié.")],
)
def test_a_member_hears_of_a_password_staff_set_in_their_language(
    client, helper, katia, language, words
):
    katia.preferred_language = language
    katia.save(update_fields=["preferred_language"])
    page = reverse("admin:auth_user_password_change", args=[katia.pk])

    response = client.post(
        page,
        {"password1": "a-new-Secret-42", "password2": "a-new-Secret-42", "usable_password": "true"},
    )

    assert response.status_code == 302
    [notice] = Outbox.objects.filter(kind="account.password_changed")
    assert (notice.to_email, notice.language) == ("katia@betacowork.test", language)
    assert words in notice.body_text
    # A form sent back with an error changes nothing, and says nothing.
    client.post(page, {"password1": "a-new-Secret-42", "password2": "another"})
    assert Outbox.objects.filter(kind__startswith="account.password").count() == 1


def test_a_first_password_staff_set_is_told_as_set(client, helper, katia):
    katia.set_unusable_password()  # imported by staff, never set one
    katia.save(update_fields=["password"])

    client.post(
        reverse("admin:auth_user_password_change", args=[katia.pk]),
        {"password1": "a-new-Secret-42", "password2": "a-new-Secret-42", "usable_password": "true"},
    )

    [notice] = Outbox.objects.filter(kind__startswith="account.password")
    assert (notice.kind, notice.to_email) == ("account.password_set", "katia@betacowork.test")
