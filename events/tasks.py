"""Celery tasks of the events app: thin interfaces over services."""

from celery import shared_task

from .services import series_generate_all
from .services.reminders import reminder_sweep_run


@shared_task(name="events.tasks.series_generate_all")
def series_generate_all_task() -> int:
    """Generate the occurrences of every active series some weeks ahead (idempotent)."""
    return series_generate_all()


@shared_task(name="events.tasks.reminder_sweep", acks_late=True, ignore_result=True)
def reminder_sweep() -> int:
    """Periodic (beat): write the due reminders; their send tasks are enqueued on commit."""
    return reminder_sweep_run()
