"""The secret address of a member's personal calendar feed."""

from __future__ import annotations

from ..models import CalendarToken

# Calendar feed -----------------------------------------------------------------------------


def calendar_token_get(*, user) -> CalendarToken:
    token, _created = CalendarToken.objects.get_or_create(user=user)
    return token


def calendar_token_regenerate(*, user) -> CalendarToken:
    token = calendar_token_get(user=user)
    token.regenerate()
    return token
