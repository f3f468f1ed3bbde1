"""The admin's doors to an account's rights besides the account itself (members/admin_accounts.py).

A staff account that may edit email addresses could add a confirmed address of its own to a
superuser and reset the superuser's password from it; one that may edit groups could give its
own group any permission. Only a superuser touches either; staff still help members with their
addresses, and the owner hears of an address added for them.
"""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from betacowork.messaging.models import Outbox
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADDRESSES = ("add_emailaddress", "change_emailaddress", "view_emailaddress", "delete_emailaddress")


def _staff(*codenames: str, **fields):
    user = UserFactory(name="Helpdesk Hanne", is_staff=True, **fields)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def superuser():
    return UserFactory(name="Sofie Peeters", is_staff=True, is_superuser=True)


def _add(client, account, email="helpdesk@attacker.test"):
    return client.post(
        reverse("admin:account_emailaddress_add"),
        {"user": account.pk, "email": email, "verified": "on", "_save": "Save"},
    )


def test_staff_who_may_edit_addresses_cannot_add_one_to_a_superuser(client, superuser):
    client.force_login(_staff(*ADDRESSES, "view_user"))

    response = _add(client, superuser)

    assert response.status_code == 200  # the form again, with why
    assert "Only a superuser may change the addresses of an account that holds rights" in (
        response.content.decode()
    )
    assert not EmailAddress.objects.filter(email="helpdesk@attacker.test").exists()
    # And so the reset the attack was for finds no account at that address.
    client.logout()
    client.post(reverse("account_reset_password"), {"email": "helpdesk@attacker.test"})
    [mail] = Outbox.objects.filter(to_email="helpdesk@attacker.test")
    assert mail.kind == "account.unknown_account"  # no reset link


def test_staff_who_may_edit_addresses_cannot_change_or_delete_a_superusers(client, superuser):
    address = EmailAddress.objects.get(user=superuser)
    client.force_login(_staff(*ADDRESSES, "view_user"))
    change = reverse("admin:account_emailaddress_change", args=[address.pk])

    assert client.get(change).status_code == 200  # read-only: viewing is allowed
    response = client.post(
        change,
        {"user": superuser.pk, "email": "helpdesk@attacker.test", "verified": "on"},
    )
    assert response.status_code == 403
    delete = reverse("admin:account_emailaddress_delete", args=[address.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    address.refresh_from_db()
    assert address.email == superuser.email


def test_nor_hand_another_staff_account_a_confirmed_address(client):
    colleague = _staff("view_event", email="colleague@betacowork.test")
    unconfirmed = EmailAddress.objects.create(user=colleague, email="old@colleague.test")
    client.force_login(_staff(*ADDRESSES, "view_user"))

    assert _add(client, colleague).status_code == 200
    client.post(
        reverse("admin:account_emailaddress_changelist"),
        {"action": "make_verified", "_selected_action": [unconfirmed.pk], "post": "yes"},
    )

    assert not EmailAddress.objects.filter(email="helpdesk@attacker.test").exists()
    unconfirmed.refresh_from_db()
    assert not unconfirmed.verified


def test_staff_still_help_a_member_with_their_address_and_the_member_is_told(client):
    member = UserFactory(name="Katia Xenophontos", email="katia@betacowork.test")
    unconfirmed = EmailAddress.objects.create(user=member, email="katia@old-mail.test")
    client.force_login(_staff(*ADDRESSES, "view_user"))

    response = _add(client, member, email="katia@new-mail.test")
    client.post(
        reverse("admin:account_emailaddress_changelist"),
        {"action": "make_verified", "_selected_action": [unconfirmed.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert EmailAddress.objects.get(email="katia@new-mail.test").user == member
    unconfirmed.refresh_from_db()
    assert unconfirmed.verified
    [notice] = Outbox.objects.filter(kind="account.email_added")
    assert notice.to_email == "katia@betacowork.test"  # the address the member had
    assert "katia@new-mail.test" in notice.body_text


def test_a_superuser_may_change_a_staff_accounts_addresses(client, superuser):
    colleague = _staff("view_event", email="colleague@betacowork.test")
    client.force_login(superuser)

    assert _add(client, colleague, email="colleague@new-mail.test").status_code == 302
    assert EmailAddress.objects.filter(user=colleague, email="colleague@new-mail.test").exists()


@pytest.fixture
def support_group():
    group = Group.objects.create(name="Support")
    group.permissions.add(*Permission.objects.filter(codename__in=["view_group", "change_group"]))
    return group


def test_staff_who_may_edit_groups_cannot_give_their_group_more_rights(client, support_group):
    helper = _staff()
    helper.groups.add(support_group)
    client.force_login(helper)
    change = reverse("admin:auth_group_change", args=[support_group.pk])
    outbox = Permission.objects.get(codename="view_outbox")
    wanted = [*support_group.permissions.values_list("pk", flat=True), outbox.pk]

    assert client.get(change).status_code == 200  # they may still see what it holds
    response = client.post(change, {"name": "Support", "permissions": wanted})

    assert response.status_code == 403
    assert not support_group.permissions.filter(pk=outbox.pk).exists()
    assert client.get(reverse("admin:messaging_outbox_changelist")).status_code == 403
    assert client.post(reverse("admin:auth_group_add"), {"name": "Mine"}).status_code == 403
    assert not Group.objects.filter(name="Mine").exists()


def test_a_superuser_changes_groups(client, superuser, support_group):
    client.force_login(superuser)
    change = reverse("admin:auth_group_change", args=[support_group.pk])
    outbox = Permission.objects.get(codename="view_outbox")

    response = client.post(change, {"name": "Support", "permissions": [outbox.pk]})

    assert response.status_code == 302
    assert list(support_group.permissions.all()) == [outbox]


def test_an_address_does_not_move_to_another_account(client):
    """Review: staff moved their own confirmed address to a member's account (only the
    `user` changed, so nobody was told), then reset the member's password from it."""
    helper = _staff(*ADDRESSES, "view_user")
    mine = EmailAddress.objects.create(user=helper, email="helper@attacker.test", verified=True)
    member = UserFactory(name="Katia Xenophontos")
    client.force_login(helper)

    client.post(
        reverse("admin:account_emailaddress_change", args=[mine.pk]),
        {"user": member.pk, "email": "helper@attacker.test", "verified": "on"},
    )

    mine.refresh_from_db()
    assert mine.user == helper


def test_a_members_address_changed_in_the_admin_is_told_at_the_old_one(client):
    member = UserFactory(name="Katia Xenophontos", email="katia@betacowork.test")
    client.force_login(_staff("change_user", "view_user"))
    change = reverse("admin:members_user_change", args=[member.pk])
    data = {
        "email": "katia@new-mail.test",
        "name": member.name,
        "preferred_language": member.preferred_language,
        "email_opt_outs": "[]",
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
        "membership_set-TOTAL_FORMS": "0",
        "membership_set-INITIAL_FORMS": "0",
    }

    response = client.post(change, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    member.refresh_from_db()
    assert member.email == "katia@new-mail.test"
    [notice] = Outbox.objects.filter(kind="account.email_changed")
    assert notice.to_email == "katia@betacowork.test"
    assert "katia@new-mail.test" in notice.body_text
