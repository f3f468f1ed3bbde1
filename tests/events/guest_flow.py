"""A guest's registration as a visitor makes it: the event page's form, then the link the
email brings (events/services/guests.py)."""

from __future__ import annotations

import re

from django.urls import reverse

from betacowork.messaging.models import Outbox

_LINK = re.compile(r"/events/guest-confirm/[^/\s]+/")


def guest_confirm_path(email: str) -> str:
    """The confirmation link last emailed to `email`."""
    row = Outbox.objects.filter(kind="events.guest_request", to_email=email.lower()).latest("pk")
    return _LINK.search(row.body_text)[0]


def guest_register(client, event, *, name="Guest", email="guest@example.org", note="", **extra):
    """Send the guest form, then press the button behind the emailed link: the response of
    the link's POST (a redirect to the event's page), or the form's when it was refused."""
    response = client.post(
        reverse("events:register", kwargs={"slug": event.slug}),
        {"name": name, "email": email, "note": note},
        **extra,
    )
    if response.status_code != 302:
        return response
    return client.post(guest_confirm_path(email), **extra)
