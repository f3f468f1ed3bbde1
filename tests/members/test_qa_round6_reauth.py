"""Accounts, QA round 6: someone holding a member's signed-in session (a shared computer at
the space) cannot take the account over without its password. Changing the account's
addresses, deleting the account and creating an API token ask for the password again (allauth's
reauthentication, 5 minutes); the owner is told by email, at their old address, in their
language, when the primary address changes."""

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.urls import reverse

from api.models import ApiToken
from betacowork.messaging.models import Outbox
from members.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REAUTH = reverse("account_reauthenticate")
EMAIL = reverse("account_email")
DELETE = reverse("members:account_delete")
TOKENS = reverse("api_tokens:list")


def _asks_for_the_password(response, back_to: str) -> None:
    assert response.status_code == 302
    assert response["Location"] == f"{REAUTH}?next={back_to.replace('/', '%2F')}"


def _reauthenticate(client, back_to: str, password: str = PASSWORD):
    return client.post(REAUTH, {"password": password, "next": back_to})


@pytest.fixture
def second_address(member):
    return EmailAddress.objects.create(user=member, email="mine-too@example.test", verified=True)


# --- A session alone is not enough ---------------------------------------------------------


def test_making_another_address_primary_asks_for_the_password(
    member_client, member, second_address
):
    response = member_client.post(EMAIL, {"action_primary": "", "email": second_address.email})
    _asks_for_the_password(response, EMAIL)
    member.refresh_from_db()
    assert member.email != second_address.email
    assert EmailAddress.objects.get_primary(member).email == member.email


def test_adding_or_removing_an_address_asks_for_the_password(member_client, member, second_address):
    added = member_client.post(EMAIL, {"action_add": "", "email": "thief@example.test"})
    _asks_for_the_password(added, EMAIL)
    assert not EmailAddress.objects.filter(email="thief@example.test").exists()
    removed = member_client.post(EMAIL, {"action_remove": "", "email": second_address.email})
    _asks_for_the_password(removed, EMAIL)
    assert EmailAddress.objects.filter(pk=second_address.pk).exists()
    # Looking at the page needs nothing more.
    assert member_client.get(EMAIL).status_code == 200


def test_deleting_the_account_asks_for_the_password(member_client, member):
    assert member_client.get(DELETE).status_code == 200
    response = member_client.post(DELETE, {"email": member.email})
    _asks_for_the_password(response, DELETE)
    assert User.objects.filter(pk=member.pk).exists()


def test_creating_an_api_token_asks_for_the_password(member_client, member):
    response = member_client.post(TOKENS, {"name": "keep my access"})
    _asks_for_the_password(response, TOKENS)
    assert not ApiToken.objects.exists()


def test_listing_and_revoking_tokens_need_no_password(member_client, member):
    from api.services import token_create

    token, _secret = token_create(user=member, name="calendar script")
    page = member_client.get(TOKENS)
    assert page.status_code == 200
    assert "calendar script" in page.content.decode()
    revoked = member_client.post(reverse("api_tokens:revoke", args=[token.pk]))
    assert revoked.status_code == 302
    assert revoked["Location"] == TOKENS
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_wrong_password_changes_nothing(member_client, member, second_address):
    member_client.post(EMAIL, {"action_primary": "", "email": second_address.email})
    refused = _reauthenticate(member_client, EMAIL, password="not-the-password")
    assert refused.status_code == 400
    member.refresh_from_db()
    assert member.email != second_address.email
    again = member_client.post(DELETE, {"email": member.email})
    _asks_for_the_password(again, DELETE)
    assert User.objects.filter(pk=member.pk).exists()


HEADINGS = {"en": "Confirm access", "fr": "Confirmer l'accès", "nl": "Toegang bevestigen"}
HELLO = {"en": "Hello", "fr": "Bonjour", "nl": "Hallo"}


def test_the_password_page_is_in_the_members_language(client):
    for lang, heading in HEADINGS.items():
        person = UserFactory(preferred_language=lang)
        client.force_login(person)
        page = client.get(f"{REAUTH}?next={DELETE}").content.decode()
        assert heading in page, lang
        assert f'name="next" value="{DELETE}"' in page


# --- With the password, the action goes through --------------------------------------------


def test_after_the_password_the_address_is_made_primary(member_client, member, second_address):
    member_client.post(EMAIL, {"action_primary": "", "email": second_address.email})
    response = _reauthenticate(member_client, EMAIL)
    # The action the member asked for is carried out, and they are back on the page.
    assert response.status_code == 302
    assert response["Location"] == EMAIL
    member.refresh_from_db()
    assert member.email == second_address.email


def test_after_the_password_the_account_is_deleted(member_client, member):
    member_client.post(DELETE, {"email": member.email})
    response = _reauthenticate(member_client, DELETE)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert not User.objects.filter(pk=member.pk).exists()


def test_after_the_password_the_token_is_created_and_shown_once(member_client, member):
    member_client.post(TOKENS, {"name": "calendar script"})
    response = _reauthenticate(member_client, TOKENS)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "bcw_" in response.content.decode()
    assert ApiToken.objects.get(user=member).name == "calendar script"


def test_for_five_minutes_after_the_password_nothing_more_is_asked(member_client, member):
    assert _reauthenticate(member_client, TOKENS)["Location"] == TOKENS
    assert member_client.post(TOKENS, {"name": "one"}).status_code == 200
    assert member_client.post(TOKENS, {"name": "two"}).status_code == 200
    assert ApiToken.objects.filter(user=member).count() == 2


def test_the_recently_authenticated_fixture_stands_for_the_password(
    member_client, member, recently_authenticated
):
    recently_authenticated(member_client)
    response = member_client.post(DELETE, {"email": member.email})
    assert response["Location"] == reverse("home")
    assert not User.objects.filter(pk=member.pk).exists()


# --- An account without a password (imported) is not locked out ---------------------------


def test_a_member_without_a_password_can_still_delete_their_account(client):
    imported = UserFactory()
    imported.set_unusable_password()
    imported.save()
    client.force_login(imported)
    # allauth has no password to ask for (and no other method here): it does not ask.
    response = client.post(DELETE, {"email": imported.email})
    assert response["Location"] == reverse("home")
    assert not User.objects.filter(pk=imported.pk).exists()


# --- The owner is told, at the old address, in their language ------------------------------


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "Your email has been changed from"),
        ("fr", "Votre adresse e-mail a été modifiée de"),
        ("nl", "Je email adres is gewijzigd van"),
    ],
)
def test_a_new_primary_address_is_told_to_the_old_one(client, lang, said):
    owner = UserFactory(preferred_language=lang, name="Katia Xenophontos")
    old = owner.email
    EmailAddress.objects.create(user=owner, email="new-primary@example.test", verified=True)
    client.force_login(owner)
    client.post(EMAIL, {"action_primary": "", "email": "new-primary@example.test"})
    _reauthenticate(client, EMAIL)
    [mail] = Outbox.objects.filter(kind="account.email_changed")
    assert mail.to_email == old
    assert mail.language == lang
    assert said in mail.body_text
    assert f"{old} " in mail.body_text
    assert "new-primary@example.test" in mail.body_text
    # The site's greeting (templates/account/email/base_message.txt), by first name.
    assert mail.body_text.startswith(f"{HELLO[lang]} Katia,")
    assert mail.subject.startswith("[Betacowork] ")


def test_a_removed_address_and_a_new_password_are_told_to_the_owner(
    member_client, member, second_address
):
    member_client.post(EMAIL, {"action_remove": "", "email": second_address.email})
    _reauthenticate(member_client, EMAIL)
    [removed] = Outbox.objects.filter(kind="account.email_deleted")
    assert removed.to_email == member.email
    assert second_address.email in removed.body_text
    member_client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "an0ther-Secret!", "password2": "an0ther-Secret!"},
    )
    [changed] = Outbox.objects.filter(kind="account.password_changed")
    assert changed.to_email == member.email
    assert "Your password has been changed." in changed.body_text


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "Email address new-one@example.test has been added to your account."),
        ("fr", "L'adresse e-mail new-one@example.test a été ajoutée à votre compte."),
        ("nl", "Het e-mailadres new-one@example.test is aan je account toegevoegd."),
    ],
)
def test_an_added_address_is_told_to_the_owner(client, recently_authenticated, lang, said):
    """Someone at the owner's open session adds their own address: the owner hears of it at
    the address they have, in their language, before the new one can be made primary."""
    owner = UserFactory(preferred_language=lang, name="Katia Xenophontos")
    client.force_login(owner)
    recently_authenticated(client)
    client.post(EMAIL, {"action_add": "", "email": "new-one@example.test"})
    [mail] = Outbox.objects.filter(kind="account.email_added")
    assert mail.to_email == owner.email
    assert mail.language == lang
    assert said in mail.body_text
    assert mail.body_text.startswith(f"{HELLO[lang]} Katia,")
    assert f"{settings.SITE_URL}{EMAIL}" in mail.body_text  # where to remove it


def test_the_notices_belong_to_the_account(member_client, member, second_address):
    """A security notice is one of the account's emails: its outbox row names the account
    (the delivery log, "my data", and what goes when the account is deleted)."""
    member_client.post(EMAIL, {"action_remove": "", "email": second_address.email})
    _reauthenticate(member_client, EMAIL)
    [removed] = Outbox.objects.filter(kind="account.email_deleted")
    assert removed.recipient_id == member.pk
