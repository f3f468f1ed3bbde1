"""Celery tasks of the collaborations app: thin, idempotent interfaces over services."""

from celery import shared_task

from .services import event_followups_write


@shared_task(name="collaborations.tasks.event_followups_send")
def event_followups_send() -> int:
    """Write the day-after follow-up emails (the outbox sends them; safe to run twice)."""
    return event_followups_write()
