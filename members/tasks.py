"""Celery tasks of the members app: thin interfaces over services."""

from celery import shared_task

from .search_counts import search_changes_prune


@shared_task(name="members.tasks.search_changes_prune", ignore_result=True)
def search_changes_prune_task() -> bool:
    """Periodic (beat): delete the search rows' changes no count needs any more."""
    return search_changes_prune()
