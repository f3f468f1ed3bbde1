"""Celery application: tasks are autodiscovered in each app's `tasks.py`.

The periodic schedule lives here, in one place, each entry commented. Tasks are thin: they
take ids, call a service, and are safe to run twice (the database decides what is done).
"""

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import task_postrun, task_prerun, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "betacowork.settings")

app = Celery("betacowork")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()  # each installed app's tasks.py (betacowork.messaging's included)


def _period(name: str, default: float) -> float:
    """A beat period from the settings (tests and benchmarks shorten them)."""
    from django.conf import settings

    return float(getattr(settings, name, default))


app.conf.beat_schedule = {
    # The day after an event, invite its attendees by email to log a collaboration that came
    # out of it (one message per event and member, ever: the outbox de-duplication key).
    "collaborations-event-followups": {
        "task": "collaborations.tasks.event_followups_send",
        "schedule": crontab(hour=10, minute=0),
    },
    # Send whatever the outbox holds that is due: new rows normally go out at once through
    # an on-commit task; this sweep catches rows written while the broker was down, retries
    # scheduled in the database, and rows whose sender died holding a lease.
    "outbox-sweep": {
        "task": "messaging.tasks.outbox_sweep",
        "schedule": _period("OUTBOX_SWEEP_SECONDS", 60.0),
    },
    # Reminders (events/services/reminders.py): write the outbox rows of reminders that are due and
    # fan out their send tasks. Every few minutes, so a reminder leaves within minutes of its
    # time; the database, not a Celery ETA, decides what is due.
    "reminder-sweep": {
        "task": "events.tasks.reminder_sweep",
        "schedule": _period("REMINDER_SWEEP_SECONDS", 180.0),
    },
    # The directory's counts are brought up to date from the search rows' changes
    # (members.models.SearchChange); the triggers prune them every 512th write, this every
    # few minutes too, so that the old image of an edited profile does not stay for long.
    "members-search-changes-prune": {
        "task": "members.tasks.search_changes_prune",
        "schedule": _period("SEARCH_CHANGES_PRUNE_SECONDS", 600.0),
    },
    # Recurring events (events/tasks.py): create the occurrences of every active series some
    # weeks ahead. Idempotent (keyed on each occurrence's date, edited or cancelled ones are
    # never recreated), so hourly is cheap and a missed run is caught up by the next one.
    "events-series-generate": {
        "task": "events.tasks.series_generate_all",
        "schedule": crontab(minute=17),
    },
}


@worker_init.connect
def _warm_up(**kwargs):
    """Import the URLconf (every view module with it) in the worker's main process before it
    forks its pool: otherwise the first task that builds a link pays for it, in every pool
    process (1.4 s of a reminder sweep's first run, measured with py-spy on a 2-core machine)."""
    from django.urls import get_resolver

    get_resolver().reverse_dict  # noqa: B018 - builds the reverse lookup table


@task_prerun.connect
@task_postrun.connect
def _database_connections(**kwargs):
    """Around each task, as Django does around each request: close the connections that are
    unusable or older than CONN_MAX_AGE, keep the others. (Celery's own Django fixup closes
    every connection after every task unless told otherwise, CELERY_DB_REUSE_MAX in the
    settings: a new PostgreSQL connection per task of a 140-batch reminder sweep.)"""
    from django.db import close_old_connections

    task = kwargs.get("task")
    if task is None or not getattr(task.request, "is_eager", False):
        close_old_connections()
