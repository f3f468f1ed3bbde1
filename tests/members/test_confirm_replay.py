"""A second "Confirm" on an email confirmation link (two tabs, a double click) is told the
link no longer works, as the link itself would say — not "Page not found"."""

from __future__ import annotations

from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.urls import reverse

from tests.factories import UserFactory


def test_confirming_twice_shows_the_dead_link_page_not_a_404(client, db):
    member = UserFactory()
    address = EmailAddress.objects.create(user=member, email="second@example.test")
    url = reverse("account_confirm_email", args=[EmailConfirmationHMAC(address).key])

    first = client.post(url)
    assert first.status_code in (200, 302)
    address.refresh_from_db()
    assert address.verified

    again = client.post(url)
    assert again.status_code == 400
    page = again.content.decode()
    assert "This confirmation link no longer works" in page
    assert "Page not found" not in page


def test_an_unknown_confirmation_key_posted_is_the_dead_link_page(client, db):
    response = client.post(reverse("account_confirm_email", args=["no-such-key"]))
    assert response.status_code == 400
    assert "This confirmation link no longer works" in response.content.decode()
