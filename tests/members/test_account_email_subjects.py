"""Account emails' subjects in the site's sentence case (QA: allauth's English ones are Title
Case, "Please Confirm Your Email Address"); templates/account/email/*_subject.txt."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from betacowork.messaging.models import Outbox
from members.messages import ACCOUNT_EMAILS

pytestmark = pytest.mark.django_db


def _capitalised_after_the_first(subject: str) -> list[str]:
    words = re.findall(r"[A-Za-z][\w'-]*", subject)
    return [w for w in words[1:] if w[0].isupper() and w != "Betacowork"]


@pytest.mark.parametrize("name", ACCOUNT_EMAILS)
def test_every_account_email_subject_is_in_sentence_case(name):
    with translation.override("en"):
        subject = render_to_string(f"account/email/{name}_subject.txt", {}).strip()

    assert subject
    assert _capitalised_after_the_first(subject) == []


def test_the_emails_people_ask_for_say_so_in_sentence_case(client, member):
    client.post(reverse("account_reset_password"), {"email": member.email})
    client.post(reverse("account_reset_password"), {"email": "nobody@example.test"})
    client.post(
        reverse("account_signup"),
        {
            "email": "new@example.test",
            "name": "Nina New",
            "password1": "a-long-Secret-42",
            "password2": "a-long-Secret-42",
        },
    )

    subjects = dict(Outbox.objects.values_list("kind", "subject"))
    assert subjects["account.password_reset_key"] == "[Betacowork] Password reset email"
    assert subjects["account.unknown_account"] == "[Betacowork] Unknown account"
    assert (
        subjects["account.email_confirmation_signup"]
        == "[Betacowork] Please confirm your email address"
    )
