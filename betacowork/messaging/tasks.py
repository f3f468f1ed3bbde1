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

from .claim import outbox_claim, outbox_due_ids
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
    start only a few of them however large the backlog, and the queue never balloons (one
    waiting task per chain). The continuation is asked for as soon as the batch is claimed,
    not after it is sent: it waits in the queue while this batch goes out and a pool process
    takes it the moment one is free (asked for at the end, every hop of a chain waited for
    the broker's round trip and the worker's fetch).
    """
    rows = outbox_claim(ids=ids, limit=len(ids) if ids else None)
    if ids is None and len(rows) >= settings.OUTBOX_BATCH_SIZE:
        try:
            outbox_send_batch.apply_async(retry=False)
        except Exception as exc:  # the sweep starts it again
            logger.warning("Could not continue the outbox batch: %s", exc)
    return outbox_send_claimed(rows)


@shared_task(name="messaging.tasks.outbox_sweep", acks_late=True, ignore_result=True)
def outbox_sweep() -> int:
    """Periodic: send the due rows — reminders written ahead whose time has come, rows written
    while the broker was down, retries whose time has come, rows whose sender died holding a
    lease. Returns how many were due (at most `OUTBOX_SWEEP_ROWS`).

    The due rows' ids are read once, oldest first, and handed out in tasks of at most
    `OUTBOX_BATCH_SIZE` ids, each of which claims its rows by primary key in one statement —
    as many tasks as a multiple of `OUTBOX_SWEEP_FANOUT` (the worker's pool processes), of
    even sizes, so that the last round of batches keeps every process busy to the end (35
    batches of 200 for 7,000 rows left one of four idle for the last tenth). A task without
    ids claims from the due index instead, and rows written ahead of their time share one
    `next_attempt_at`: each such claim read and sorted every due row to find its 200 (22 ms
    a batch among 7,000 due, 30 to 50 with four claiming at once; about 10 by ids,
    bench/README.md). Beyond `OUTBOX_SWEEP_ROWS` due rows (a long outage's backlog),
    `OUTBOX_SWEEP_FANOUT` self-continuing tasks without ids take the rest. A row handed out
    twice (the next sweep runs while a task still waits in the queue) is sent once: the
    claim decides."""
    ids = outbox_due_ids(limit=settings.OUTBOX_SWEEP_ROWS)
    for batch in _balanced(ids, settings.OUTBOX_BATCH_SIZE, settings.OUTBOX_SWEEP_FANOUT):
        outbox_send_batch.apply_async(args=(batch,), retry=False)
    if len(ids) >= settings.OUTBOX_SWEEP_ROWS:
        for _ in range(settings.OUTBOX_SWEEP_FANOUT):
            outbox_send_batch.apply_async(retry=False)
    return len(ids)


def _balanced(ids: list[int], size: int, processes: int) -> list[list[int]]:
    """`ids` in batches of at most `size`, their number a multiple of `processes` (for more
    than one batch) and their sizes within one of each other, in order."""
    count = -(-len(ids) // size)
    if count > 1:
        count = -(-count // processes) * processes
    quotient, remainder = divmod(len(ids), count) if count else (0, 0)
    batches, start = [], 0
    for index in range(count):
        end = start + quotient + (index < remainder)
        if end > start:
            batches.append(ids[start:end])
        start = end
    return batches
