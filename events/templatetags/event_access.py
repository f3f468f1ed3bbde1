"""`{{ event|seen_by:user }}`: whether a page may name and link an event for its reader.

A page about something else (a collaboration that began at an event) must not tell a
visitor the title, date or address of an event they may not open (members-only, a draft):
the `events.view_event` rule (`events.rules.event_visible`, which asks no query for a
published or cancelled event the reader may see by its visibility alone).
"""

from __future__ import annotations

from django import template
from django.contrib.auth.models import AnonymousUser

from ..models import Event
from ..rules import event_visible

register = template.Library()


@register.filter
def seen_by(event: Event | None, user) -> bool:
    if not hasattr(user, "is_authenticated"):  # no reader in the context: a visitor
        user = AnonymousUser()
    return event_visible(user, event)
