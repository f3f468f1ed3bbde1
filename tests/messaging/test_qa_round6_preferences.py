"""The one-click unsubscribe link, QA round 6: the link of a deleted account, and signed
payloads of the wrong shape (betacowork/messaging/views.py, preferences.py)."""

from __future__ import annotations

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from betacowork.messaging.preferences import UNSUBSCRIBE_SALT, unsubscribe_token
from members.services import account_delete

pytestmark = pytest.mark.django_db


def _url(token: str) -> str:
    return reverse("notifications:unsubscribe", args=[token])


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_link_of_a_deleted_account_says_no_more_email_goes_there(member, method):
    # Someone who deleted their account clicks "unsubscribe" in an older email (or their mail
    # provider posts the one-click request): the link is not broken, the account is gone.
    url = _url(unsubscribe_token(member, "reminder"))
    account_delete(user=member)
    response = getattr(Client(enforce_csrf_checks=True), method)(url)
    # A 2xx: what the one-click request asks for is true (RFC 8058 wants no error for it).
    assert response.status_code == 200
    page = response.content.decode()
    assert "This account was deleted: we send it no more emails." in page
    assert "not valid" not in page
    assert "Subscribe again" not in page


@pytest.mark.parametrize(
    "payload",
    [
        lambda pk: {"u": True, "k": "reminder"},  # int(True) is 1: someone else's account
        lambda pk: {"u": pk + 0.5, "k": "reminder"},
        lambda pk: {"u": float("inf"), "k": "reminder"},  # int() raised OverflowError: a 500
        lambda pk: {"u": str(pk), "k": "reminder"},
        lambda pk: {"u": pk, "k": ["reminder"]},
    ],
)
def test_a_signed_link_of_the_wrong_shape_is_not_valid(member, payload):
    payload = payload(member.pk)
    token = signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object(payload)
    response = Client(enforce_csrf_checks=True).post(_url(token))
    assert response.status_code == 400
    assert b"This unsubscribe link is not valid" in response.content
    member.refresh_from_db()
    assert member.email_opt_outs == []


def test_a_well_formed_link_still_works(member):
    token = signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object({"u": member.pk, "k": "reminder"})
    assert Client(enforce_csrf_checks=True).post(_url(token)).status_code == 200
    member.refresh_from_db()
    assert member.email_opt_outs == ["reminder"]
