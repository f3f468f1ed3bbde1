"""Celery tasks of the members app: thin interfaces over the outbox service."""

from celery import shared_task

from .outbox import outbox_send_due


@shared_task(name="members.tasks.outbox_send", acks_late=True)
def outbox_send(outbox_id: int) -> int:
    """Send one outbox row if it is still due (safe to run twice)."""
    return outbox_send_due(ids=[outbox_id], limit=1)


@shared_task(name="members.tasks.outbox_send_batch", acks_late=True)
def outbox_send_batch() -> int:
    """Send one batch of due rows."""
    return outbox_send_due()


@shared_task(name="members.tasks.outbox_sweep", acks_late=True)
def outbox_sweep() -> int:
    """Periodic: fan out one batch task per batch of due rows, so several workers share it."""
    from django.conf import settings
    from django.utils import timezone

    from .models import Outbox

    due = (
        Outbox.objects.filter(status=Outbox.Status.PENDING, next_attempt_at__lte=timezone.now())
        .exclude(claimed_until__gte=timezone.now())
        .count()
    )
    batches = -(-due // settings.OUTBOX_BATCH_SIZE)
    for _ in range(batches):
        outbox_send_batch.apply_async(retry=False)
    return due
