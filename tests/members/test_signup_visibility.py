"""A self-service sign-up is nobody the community sees until it logs in: its address is not
confirmed (and an unconfirmed address cannot log in), so it is kept out of the directory, the
people picker and the member counts, as people imported by staff are until their first login."""

import re

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.test import Client
from django.urls import reverse

from members.home import community_figures_cached
from tests.factories import PASSWORD, make_member

pytestmark = pytest.mark.django_db

NEWCOMER = "zed.newbie@example.test"


def sign_up(client: Client) -> None:
    response = client.post(
        reverse("account_signup"),
        {"email": NEWCOMER, "name": "Zed Newbie", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")


def confirm(client: Client) -> None:
    """What the link in the sign-up email does."""
    key = EmailConfirmationHMAC(EmailAddress.objects.get(email=NEWCOMER)).key
    response = client.post(reverse("account_confirm_email", args=[key]))
    assert response.status_code == 302
    assert EmailAddress.objects.get(email=NEWCOMER).verified


def seen_by(viewer: Client) -> dict:
    """Where another member would notice the newcomer: the directory (search and total),
    the people picker and the member count of the home page's community panel (read from
    the figures the panel shows: the rest of the home page belongs to other apps)."""
    directory = viewer.get(reverse("members:directory"), {"q": "Newbie"}).content.decode()
    total = viewer.get(reverse("members:directory")).content.decode()
    picker = viewer.get(reverse("members:people_json"), {"q": "Zed"}).json()["results"]
    return {
        "in directory": "Zed Newbie" in directory,
        "directory total": int(re.search(r"data-directory-count>\s*(\d+) members?", total)[1]),
        "in picker": [r["name"] for r in picker] == ["Zed Newbie"],
        "home count": community_figures_cached(user=viewer.user)["members"],
    }


@pytest.fixture
def viewer(member) -> Client:
    make_member("Ann Other")
    client = Client()
    client.force_login(member)
    client.user = member
    return client


def test_an_unconfirmed_signup_is_not_shown_until_it_confirms_and_logs_in(viewer):
    before = seen_by(viewer)
    assert before == {
        "in directory": False,
        "directory total": 2,
        "in picker": False,
        "home count": 2,
    }
    sign_up(Client())
    assert seen_by(viewer) == before  # not listed, not offered, not counted

    # An unconfirmed address cannot log in.
    elsewhere = Client()
    response = elsewhere.post(reverse("account_login"), {"login": NEWCOMER, "password": PASSWORD})
    assert response["Location"] == reverse("account_email_verification_sent")
    assert seen_by(viewer) == before

    # Confirmed from another device (no login there): still nobody has logged in.
    confirm(Client())
    assert seen_by(viewer) == before

    response = elsewhere.post(reverse("account_login"), {"login": NEWCOMER, "password": PASSWORD})
    assert response.status_code == 302
    # Logged in: "my profile" is theirs.
    assert elsewhere.get(reverse("members:my_profile_edit"))["Location"] == reverse(
        "members:profile_edit", args=["zed-newbie"]
    )
    assert seen_by(viewer) == {
        "in directory": True,
        "directory total": 3,
        "in picker": True,
        "home count": 3,
    }


def test_confirming_in_the_browser_that_signed_up_logs_in_and_shows_the_member(viewer):
    newcomer = Client()
    sign_up(newcomer)
    assert not seen_by(viewer)["in directory"]
    confirm(newcomer)  # allauth logs them in (ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION)
    assert seen_by(viewer)["in directory"]
    assert seen_by(viewer)["in picker"]
    assert seen_by(viewer)["directory total"] == 3


def test_accounts_made_otherwise_are_shown_at_once(viewer):
    """Only allauth's sign-up hides: staff-made accounts, the demo seeder and tests use the
    same profile creation and keep the default visibility."""
    make_member("Zed Newbie")
    assert seen_by(viewer)["in directory"]
    assert seen_by(viewer)["home count"] == 3
