"""Celery tasks of the events app: thin interfaces over services."""

from celery import shared_task

from .services import series_generate_all


@shared_task(name="events.tasks.series_generate_all")
def series_generate_all_task() -> int:
    """Generate the occurrences of every active series some weeks ahead (idempotent)."""
    return series_generate_all()
