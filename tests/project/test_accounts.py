"""Accounts: sign-up with mandatory verification through the outbox, login, logout, password
reset and change, email management. Every account email is an outbox row first."""

import re
import time
from datetime import timedelta
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_send_due
from members.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-long-passphrase-42"
LINK = re.compile(re.escape(settings.SITE_URL) + r"(/accounts/\S+/)")  # never the Host


def sign_up(client, email="ines.dubois@example.test", name="Inès Dubois", **extra):
    return client.post(
        reverse("account_signup"),
        {"email": email, "name": name, "password1": PASSWORD, "password2": PASSWORD},
        **extra,
    )


def deliver_and_get_link(mailoutbox, kind: str) -> str:
    """Send what the outbox holds (as the worker would) and return the link of `kind`."""
    row = Outbox.objects.filter(kind=kind).latest("created_at")
    assert outbox_send_due() >= 1
    row.refresh_from_db()
    assert row.status == Outbox.Status.SENT
    email = next(m for m in mailoutbox if m.subject == row.subject)
    return LINK.search(email.body).group(1)


def test_signup_verify_login_logout(client, mailoutbox):
    response = sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")

    user = User.objects.get(email="ines.dubois@example.test")
    assert user.name == "Inès Dubois"
    assert user.preferred_language == "en"
    assert not EmailAddress.objects.get(user=user).verified
    # Not logged in before verification; nothing sent yet: the email waits in the outbox.
    assert "_auth_user_id" not in client.session
    assert mailoutbox == []
    row = Outbox.objects.get(kind="account.email_confirmation_signup")
    assert (row.to_email, row.recipient, row.language) == (user.email, user, "en")
    assert row.status == Outbox.Status.PENDING

    link = deliver_and_get_link(mailoutbox, "account.email_confirmation_signup")
    assert mailoutbox[0].to == ["ines.dubois@example.test"]
    assert mailoutbox[0].subject.startswith("[Betacowork]")
    assert "Hello from Betacowork!" in mailoutbox[0].body

    # GET shows the confirmation page and changes nothing; POST confirms.
    page = client.get(link)
    assert page.status_code == 200
    assert b"ines.dubois@example.test" in page.content
    assert not EmailAddress.objects.get(user=user).verified
    response = client.post(link)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert client.session["_auth_user_id"] == str(user.pk)

    home = client.get(reverse("home"))
    assert "Inès Dubois" in home.content.decode()

    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert "Inès Dubois" not in client.get(reverse("home")).content.decode()


def test_signup_page_asks_for_email_name_and_passwords(client):
    html = client.get(reverse("account_signup")).content.decode()
    for name in ("email", "name", "password1", "password2"):
        assert f'name="{name}"' in html
    assert '<label for="id_name">' in html


def test_signup_stores_the_active_language(client):
    client.cookies["betacowork_language"] = "fr"
    sign_up(client, email="marc@example.test", name="Marc Lenoir")
    user = User.objects.get(email="marc@example.test")
    assert user.preferred_language == "fr"
    assert Outbox.objects.get(recipient=user).language == "fr"


def test_signup_with_a_taken_email_reveals_nothing_and_warns_the_owner(client, member):
    # allauth prevents account enumeration: the visitor sees the usual "check your inbox"
    # page, and the owner of the address gets an email saying someone tried to sign up.
    response = sign_up(client, email=member.email.upper())
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.filter(email__iexact=member.email).count() == 1
    row = Outbox.objects.get(to_email__iexact=member.email)
    assert row.kind == "account.account_already_exists"


def test_signup_without_a_name_is_refused(client):
    response = sign_up(client, name="  ")
    assert response.status_code == 400
    assert not User.objects.filter(email="ines.dubois@example.test").exists()


def test_wrong_password_gets_a_clear_message(client, member):
    response = client.post(reverse("account_login"), {"login": member.email, "password": "nope"})
    assert response.status_code == 400
    assert "The email address and/or password you specified are not correct." in (
        response.content.decode()
    )
    assert "_auth_user_id" not in client.session


def test_login_with_the_right_password(client, member):
    response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)


def test_unverified_email_cannot_log_in(client):
    user = UserFactory(verified=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}, follow=True
    )
    assert "_auth_user_id" not in client.session
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("account_email_verification_sent")
    assert "not verified yet" in html
    # A fresh verification email is on its way, through the outbox.
    assert Outbox.objects.filter(kind="account.email_confirmation", to_email=user.email).exists()


def test_password_reset_end_to_end_and_the_link_cannot_be_reused(client, member, mailoutbox):
    response = client.post(reverse("account_reset_password"), {"email": member.email})
    assert response.status_code == 302
    link = deliver_and_get_link(mailoutbox, "account.password_reset_key")

    response = client.get(link)  # allauth moves the key into the session and redirects
    assert response.status_code == 302
    form_url = response["Location"]
    assert b'name="password1"' in client.get(form_url).content
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_from_key_done")
    done = client.get(response["Location"]).content.decode()
    assert "Password changed" in done
    assert reverse("account_login") in done
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)

    client.get(reverse("account_logout"))
    reused = client.get(link, follow=True)
    assert reused.status_code == 400
    assert "invalid or has expired" in reused.content.decode()
    assert reverse("account_reset_password") in reused.content.decode()


def test_password_reset_tampered_link_gives_a_clear_page(client, member, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": member.email})
    link = deliver_and_get_link(mailoutbox, "account.password_reset_key")
    tampered = link[:-3] + ("aa/" if not link.endswith("aa/") else "bb/")
    for url in (tampered, "/accounts/password/reset/key/zz-not-a-key/"):
        response = client.get(url, follow=True)
        assert response.status_code == 400
        assert "invalid or has expired" in response.content.decode()


def test_password_reset_expired_link_gives_a_clear_page(client, member, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": member.email})
    link = deliver_and_get_link(mailoutbox, "account.password_reset_key")
    later = timezone.now().replace(tzinfo=None) + timedelta(days=30)
    with mock.patch(
        "django.contrib.auth.tokens.PasswordResetTokenGenerator._now", return_value=later
    ):
        response = client.get(link, follow=True)
    assert response.status_code == 400
    assert "invalid or has expired" in response.content.decode()
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def test_password_reset_for_an_unknown_email_reveals_nothing(client, mailoutbox):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.test"})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")


def test_password_change(member_client, member):
    url = reverse("account_change_password")
    assert member_client.get(url).status_code == 200
    wrong = member_client.post(
        url, {"oldpassword": "wrong", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert wrong.status_code == 400
    assert "Please type your current password." in wrong.content.decode()
    response = member_client.post(
        url, {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)


def test_password_change_needs_login(client):
    response = client.get(reverse("account_change_password"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_email_management_lists_and_adds_addresses(member_client, member, recently_authenticated):
    recently_authenticated(member_client)  # adding an address asks for the password
    url = reverse("account_email")
    page = member_client.get(url)
    assert page.status_code == 200
    assert member.email in page.content.decode()
    response = member_client.post(url, {"action_add": "", "email": "second@example.test"})
    assert response.status_code == 302
    assert EmailAddress.objects.filter(user=member, email="second@example.test").exists()
    assert Outbox.objects.filter(kind="account.email_confirmation", to_email="second@example.test")


@pytest.mark.parametrize(
    "name",
    [
        "account_login",
        "account_signup",
        "account_reset_password",
        "account_reset_password_done",
        "account_email_verification_sent",
    ],
)
def test_entrance_pages_render_in_the_site_layout(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="site-header"' in html
    assert "page-account" in html
    assert "<h1" in html


@pytest.mark.parametrize("name", ["account_email", "account_change_password", "account_logout"])
def test_manage_pages_render_in_the_site_layout(member_client, name):
    response = member_client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="site-header site-header-member"' in html  # the member's two-row header
    assert "<h1" in html


def test_signup_works_while_the_broker_is_dead(
    client, celery_broker_url, django_capture_on_commit_callbacks, caplog, monkeypatch
):
    """Nothing a web request does depends on the broker: the email waits in the outbox."""
    # No back-off left over from an earlier test.
    monkeypatch.setattr("betacowork.messaging.outbox._broker_down_until", 0.0)
    # The dead broker gets the transport options production uses with Redis.
    celery_broker_url("redis://127.0.0.1:1/0", **settings.REDIS_BROKER_TRANSPORT_OPTIONS)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client)
    elapsed = time.monotonic() - started
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert elapsed < 2, f"sign-up took {elapsed:.2f}s with a dead broker"
    row = Outbox.objects.get(kind="account.email_confirmation_signup")
    assert row.status == Outbox.Status.PENDING  # the sweep will send it
    assert "Broker unavailable" in caplog.text  # the publish really was tried


# An address someone else added and never confirmed (QA, 2026-12-07) --------------------------


def test_an_address_another_member_added_but_never_confirmed_does_not_keep_its_owner_out(
    client, member, mailoutbox
):
    """Hugo added shared@example.test to his account and never confirmed it. Its owner's
    sign-up used to create nothing ("account already exists"), and the password reset that
    email points to refuses an unconfirmed address: they could never join. Now the account is
    made; Hugo's claim stays until the owner confirms the address, then goes."""
    hugo = EmailAddress.objects.create(user=member, email="shared@example.test", primary=False)
    response = sign_up(client, email="Shared@Example.test", name="Sam Owner")
    assert response.status_code == 302
    owner = User.objects.get(email="shared@example.test")
    assert owner.name == "Sam Owner"
    assert EmailAddress.objects.filter(pk=hugo.pk).exists()  # a sign-up proves nothing
    link = deliver_and_get_link(mailoutbox, "account.email_confirmation_signup")
    assert client.post(link).status_code == 302
    assert EmailAddress.objects.get(user=owner).verified
    assert not EmailAddress.objects.filter(pk=hugo.pk).exists()


def test_a_sign_up_with_a_members_pending_address_takes_nothing_from_them(
    client, member, mailoutbox
):
    """Mallory signs up with the address Hugo is about to confirm: Hugo's pending address
    and its link stay; whoever confirms first keeps the address, and Mallory cannot."""
    from allauth.account.models import EmailConfirmationHMAC

    pending = EmailAddress.objects.create(user=member, email="new-me@example.test")
    assert sign_up(client, email="new-me@example.test", name="Mallory").status_code == 302
    mallory = User.objects.get(name="Mallory")
    key = EmailConfirmationHMAC(pending).key
    assert client.post(reverse("account_confirm_email", args=[key])).status_code == 302
    pending.refresh_from_db()
    assert pending.verified
    # Mallory's own confirmation can no longer take it (a confirmed address is unique).
    link = deliver_and_get_link(mailoutbox, "account.email_confirmation_signup")
    client.post(link)
    assert not EmailAddress.objects.filter(user=mallory, verified=True).exists()
    assert EmailAddress.objects.get(email="new-me@example.test", verified=True).user == member


@pytest.mark.parametrize("held_as", ["confirmed extra address", "main address"])
def test_an_address_an_account_holds_still_gets_the_account_exists_email(client, member, held_as):
    if held_as == "main address":
        address = member.email
    else:
        address = "second@example.test"
        EmailAddress.objects.create(user=member, email=address, primary=False, verified=True)
    users = User.objects.count()
    assert sign_up(client, email=address, name="Someone Else").status_code == 302
    assert User.objects.count() == users
    assert Outbox.objects.filter(kind="account.account_already_exists").exists()


def test_the_account_exists_email_is_the_accounts_own_in_its_language(client, member):
    """It was linked to no account (missing from "my data", sent again after a deletion)
    and written in the visitor's language rather than the owner's."""
    member.preferred_language = "fr"
    member.save(update_fields=["preferred_language"])
    assert sign_up(client, email=member.email.upper(), name="Someone Else").status_code == 302
    row = Outbox.objects.get(kind="account.account_already_exists")
    assert (row.recipient, row.language, row.to_email) == (member, "fr", member.email.lower())
    assert "un compte utilisant cette adresse existe déjà" in row.body_text


def test_no_account_exists_email_for_a_deactivated_account(client, member):
    """Its password reset refuses a deactivated account, as for `unknown_account`."""
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert sign_up(client, email=member.email, name="Someone Else").status_code == 302
    assert not Outbox.objects.filter(kind="account.account_already_exists").exists()


def test_the_owner_signing_up_right_after_someone_added_their_address_gets_a_confirmation(
    client, member, recently_authenticated
):
    """allauth sends one confirmation to an address per 3 minutes: the one Hugo's "add an
    address" sent used it, so the owner's sign-up a minute later got none (the page said it
    had). Their own confirmation goes."""
    from django.test import Client, override_settings

    with override_settings(ACCOUNT_RATE_LIMITS={}):  # allauth's defaults, confirm_email's too
        hugo = Client()
        hugo.force_login(member)
        recently_authenticated(hugo)
        hugo.post(reverse("account_email"), {"action_add": "", "email": "sam@example.test"})
        assert Outbox.objects.filter(kind="account.email_confirmation").count() == 1
        assert sign_up(client, email="sam@example.test", name="Sam Owner").status_code == 302
    owner = User.objects.get(name="Sam Owner")
    row = Outbox.objects.get(kind="account.email_confirmation_signup")
    assert (row.recipient, row.to_email) == (owner, "sam@example.test")
