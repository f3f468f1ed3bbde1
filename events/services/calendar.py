"""The secret address of a member's personal calendar feed.

Written only on a POST: a member asks for their address ("Create my calendar link") or for a
new one. Reading the "My events" page never creates it (`selectors.calendar_token_of`).
"""

from __future__ import annotations

from django.db import transaction

from ..models import CalendarToken

# Calendar feed -----------------------------------------------------------------------------


@transaction.atomic
def calendar_token_create(*, user) -> CalendarToken:
    """The member's address, created if they have none yet (asking twice changes nothing)."""
    token, _created = CalendarToken.objects.get_or_create(user=user)
    return token


@transaction.atomic
def calendar_token_regenerate(*, user) -> CalendarToken:
    """A new address; the old one stops working at once."""
    token, created = CalendarToken.objects.get_or_create(user=user)
    if not created:
        token.regenerate()
    return token
