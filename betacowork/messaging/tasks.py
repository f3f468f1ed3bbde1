"""Celery tasks of the messaging floor: thin interfaces over the sender.

Every task is safe to run twice, late, or never: the database (status, lease, next attempt)
decides what is sent, so a duplicate delivery from Redis is a no-op and a lost task is made
up by `outbox_sweep`. No task is scheduled with a long ETA/countdown (Redis would redeliver it
after its visibility timeout): retries are dates in the outbox rows.

This module imports the claim and the sender only; the writer (outbox.py) imports this
module when it publishes, never the other way round.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from .claim import outbox_claim, outbox_due_count
from .sender import outbox_send_claimed, outbox_send_due

logger = logging.getLogger(__name__)


@shared_task(name="messaging.tasks.outbox_send", acks_late=True, ignore_result=True)
def outbox_send(outbox_id: int) -> int:
    """Send one outbox row if it is still due and unclaimed."""
    return outbox_send_due(ids=[outbox_id], limit=1)


@shared_task(name="messaging.tasks.outbox_send_batch", acks_late=True, ignore_result=True)
def outbox_send_batch(ids: list[int] | None = None) -> int:
    """Send these rows (or, without ids, the next batch of due rows) over one connection.

    Without ids the task continues itself while it finds full batches, so the sweep needs to
    start only a few of them however large the backlog, and the queue never balloons.
    """
    rows = outbox_claim(ids=ids, limit=len(ids) if ids else None)
    sent = outbox_send_claimed(rows)
    if ids is None and len(rows) >= settings.OUTBOX_BATCH_SIZE:
        try:
            outbox_send_batch.apply_async(retry=False)
        except Exception as exc:  # the sweep starts it again
            logger.warning("Could not continue the outbox batch: %s", exc)
    return sent


@shared_task(name="messaging.tasks.outbox_sweep", acks_late=True, ignore_result=True)
def outbox_sweep() -> int:
    """Periodic: start batch tasks for due rows (written while the broker was down, retries
    whose time has come, rows whose sender died holding a lease). Returns the due count."""
    due = outbox_due_count()
    batches = min(-(-due // settings.OUTBOX_BATCH_SIZE), settings.OUTBOX_SWEEP_FANOUT)
    for _ in range(batches):
        outbox_send_batch.apply_async(retry=False)
    return due
