"""`{{ event|seen_by:user }}`: whether a page may name and link an event for its reader.

A page about something else (a collaboration that began at an event) must not tell a
visitor the title, date or address of an event they may not open (members-only, a draft):
the `events.view_event` rule (events/rules.py), asked without a query for the common case —
a published or cancelled event the reader may see by its visibility alone.
"""

from __future__ import annotations

from django import template

from ..models import Event, EventVisibility

register = template.Library()


@register.filter
def seen_by(event: Event | None, user) -> bool:
    if event is None:
        return False
    signed_in = getattr(user, "is_authenticated", False)  # no reader given: a visitor
    if event.status in (Event.Status.PUBLISHED, Event.Status.CANCELLED) and (
        signed_in or event.visibility == EventVisibility.PUBLIC
    ):
        return True
    # A draft: its organisers and staff.
    return bool(signed_in) and user.has_perm("events.view_event", event)
