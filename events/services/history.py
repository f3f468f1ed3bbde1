"""The event history (events.models.EventChange): every service that changes an event says
who did it, and the history keeps it — the actor is never accepted and ignored."""

from __future__ import annotations

from collections.abc import Iterable

from ..models import Event, EventChange


def event_history_add(
    *, event: Event, actor, action: str, fields: Iterable[str] = (), note: str = ""
) -> EventChange | None:
    """One line of the event's history, in the caller's transaction.

    Nothing is written for changes nobody made (actor None: the series generator, a
    deleted account's seats); an edit that changed no field is not worth a line either."""
    if getattr(actor, "pk", None) is None:
        return None
    fields = sorted(set(fields))
    if action == EventChange.Action.EDITED and not fields:
        return None
    return EventChange.objects.create(
        event=event,
        actor=actor,
        actor_name=(getattr(actor, "name", "") or getattr(actor, "email", ""))[:150],
        action=action,
        fields=fields,
        note=note[:255],
    )
