"""The preferences page and the signed one-click unsubscribe link, RFC 8058
(betacowork/messaging/views.py, under the unchanged /notifications/ URLs)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from betacowork.messaging.kinds import optional_preferences
from betacowork.messaging.preferences import unsubscribe_token, wants_email

pytestmark = pytest.mark.django_db


def test_preferences_page_needs_a_login(client):
    response = client.get(reverse("notifications:preferences"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_member_turns_reminders_off_and_on(member_client, member):
    url = reverse("notifications:preferences")
    page = member_client.get(url)
    assert page.status_code == 200
    assert b"Reminders before events I registered for" in page.content
    response = member_client.post(url, {"kinds": ["chapter_announcement"]})
    assert response.status_code == 302
    member.refresh_from_db()
    assert not wants_email(member, "reminder")
    assert wants_email(member, "chapter_announcement")
    assert wants_email(member, "event-cancelled")  # essential: cannot be turned off
    member_client.post(url, {"kinds": ["reminder", "chapter_announcement"]})
    member.refresh_from_db()
    # Every other preference the registered kinds offer is turned off.
    assert {"collaboration_request", "event_followup"} <= set(member.email_opt_outs)
    assert member.email_opt_outs == sorted(
        set(optional_preferences()) - {"reminder", "chapter_announcement"}
    )


def test_preferences_refuse_unknown_kinds(member_client, member):
    response = member_client.post(
        reverse("notifications:preferences"), {"kinds": ["reminder", "bogus"]}
    )
    assert response.status_code == 400
    assert (
        "Your email preferences are not saved: Select a valid choice. bogus is not one of the "
        "available choices." in response.content.decode()
    )
    member.refresh_from_db()
    assert member.email_opt_outs == []


def test_a_put_to_the_preferences_is_refused_and_changes_nothing(member):
    # Django's form views take a PUT as a POST, and a PUT's body is never read as a form:
    # an empty form sent, every optional email turned off. With a valid CSRF token.
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    url = reverse("notifications:preferences")
    browser.get(url)
    token = browser.cookies["csrftoken"].value
    response = browser.put(url, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 405
    assert "PUT" not in response["Allow"]
    assert "POST" in response["Allow"]
    member.refresh_from_db()
    assert member.email_opt_outs == []
    assert browser.post(url, {"kinds": []}, HTTP_X_CSRFTOKEN=token).status_code == 302


def test_get_shows_a_page_and_changes_nothing(client, member):
    url = reverse("notifications:unsubscribe", args=[unsubscribe_token(member, "reminder")])
    response = client.get(url)
    assert response.status_code == 200
    assert b"Unsubscribe" in response.content
    member.refresh_from_db()
    assert wants_email(member, "reminder")


def test_one_click_post_unsubscribes_without_csrf_or_session(member):
    client = Client(enforce_csrf_checks=True)  # like a mail provider's one-click POST
    url = reverse("notifications:unsubscribe", args=[unsubscribe_token(member, "reminder")])
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.email_opt_outs == ["reminder"]
    # Twice is harmless, and the page offers to undo it.
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert b"Subscribe again" in response.content
    client.post(url, {"action": "resubscribe"})
    member.refresh_from_db()
    assert member.email_opt_outs == []


def test_tampered_link_gets_a_clear_400(member, other_member):
    token = unsubscribe_token(member, "reminder")
    forged = token.replace(":", ":x", 1)
    for bad in (forged, "nonsense", token[:-3] + "abc"):
        url = reverse("notifications:unsubscribe", args=[bad])
        response = Client(enforce_csrf_checks=True).post(url)
        assert response.status_code == 400
        assert b"not valid" in response.content
    member.refresh_from_db()
    assert member.email_opt_outs == []


def test_a_token_for_one_member_cannot_unsubscribe_another(member, other_member):
    url = reverse("notifications:unsubscribe", args=[unsubscribe_token(member, "reminder")])
    Client().post(url)
    other_member.refresh_from_db()
    assert wants_email(other_member, "reminder")


def test_other_views_keep_their_csrf_protection(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(reverse("notifications:preferences"), {"kinds": []})
    assert response.status_code == 403


def test_the_unsubscribe_page_speaks_the_members_language(client, member, settings):
    """The link comes from an email in the member's language: the page answers in it, not in
    the browser's — unless this browser picked a language with the switcher."""
    member.preferred_language = "nl"
    member.save(update_fields=["preferred_language"])
    url = reverse("notifications:unsubscribe", args=[unsubscribe_token(member, "reminder")])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert '<html lang="nl"' in page.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert '<html lang="fr"' in client.get(url).content.decode()
