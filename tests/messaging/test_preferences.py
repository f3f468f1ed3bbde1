"""Email preferences and unsubscribe links (betacowork/messaging/preferences.py)."""

from __future__ import annotations

import pytest

from betacowork.messaging.preferences import unsubscribe_headers, unsubscribe_url

pytestmark = pytest.mark.django_db


def test_unsubscribe_headers_follow_rfc_8058(member):
    headers = unsubscribe_headers(member, "reminder")
    assert headers["List-Unsubscribe"] == f"<{unsubscribe_url(member, 'reminder')}>"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe_headers(None, "reminder") == {}  # guests
    assert unsubscribe_headers(member, "event-cancelled") == {}  # essential
