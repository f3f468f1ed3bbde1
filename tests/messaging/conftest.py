"""Fixtures for the messaging tests: a scripted mail backend (every test here), real Celery
processes and an SMTP sink (bench/procs.py, shared with the benchmarks), event data, and a
backlog planned for in a quiet hour (PostgreSQL)."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.utils import timezone

from bench.procs import Processes, purge_queues
from betacowork.messaging import outbox as outbox_module
from betacowork.messaging.models import Outbox
from events.models import Event, EventKind, Registration
from members.models import Space, User

from .backends import ScriptedBackend
from .factories import write

# This suite's ports: 8150-8159 for a serial run; each pytest-xdist worker (gw0, gw1, …)
# moves up by ten, so real-worker tests on two workers never share a port.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_OFFSET = 10 * (int(_WORKER[2:]) + 1) if _WORKER.startswith("gw") else 0
SMTP_PORT = 8151 + _OFFSET
WEB_PORT = 8153 + _OFFSET
BACKEND = "tests.messaging.backends.ScriptedBackend"


@pytest.fixture(autouse=True)
def scripted(settings):
    """Mail sent in this process goes to a scripted backend (each send takes the next action
    of its script: accept, or raise)."""
    settings.EMAIL_BACKEND = BACKEND
    settings.OUTBOX_RETRY_BASE_SECONDS = 60
    settings.OUTBOX_MAX_ATTEMPTS = 3
    ScriptedBackend.reset()
    return ScriptedBackend


@pytest.fixture
def procs():
    """Start workers/beat with `procs.worker(...)`; all are killed when the test ends."""
    started: list[Processes] = []

    def make(**env) -> Processes:
        p = Processes(smtp_port=SMTP_PORT, **env)
        started.append(p)
        return p

    purge_queues()
    # A broker failure seen by an earlier test must not make this one skip its publishes.
    outbox_module._broker_down_until = 0.0
    # Nor a broker connection pool an earlier test in this process left closed (CI saw
    # "Acquire on closed pool" here, twice in five runs, cause not found): publish through
    # fresh ones, as Celery does after a fork.
    from betacowork.celery import app

    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield make
    finally:
        for p in started:
            p.stop_all()
        purge_queues()


@pytest.fixture
def quiet_hour_backlog(db) -> list[Outbox]:
    """A sweep's 300 pending rows written after PostgreSQL's statistics saw one sent row and
    none pending (a quiet hour, or a new site). Each has a reminder's few KB of text (hex: it
    compresses only to half), so that the table spans pages as a real backlog does."""
    quiet, _ = write("quiet-hour")
    Outbox.objects.filter(pk=quiet.pk).update(status=Outbox.Status.SENT)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Outbox._meta.db_table}")  # one row, none pending
    backlog = [write(f"reminder-{i}")[0] for i in range(300)]
    for row in backlog:
        Outbox.objects.filter(pk=row.pk).update(body_text=secrets.token_hex(1500))
    return backlog


def event_with_registrants(
    *,
    members: int,
    guests: int = 0,
    start_in: timedelta = timedelta(hours=20),
    offsets: list[int] | None = None,
    prefix: str = "p",
) -> Event:
    """A published event with `members` verified members and `guests` guests confirmed."""
    kind = EventKind.objects.get_or_create(slug="betacooks", defaults={"name_en": "Betacooks"})[0]
    space = Space.objects.get_or_create(slug="betacowork", defaults={"name": "Betacowork"})[0]
    start = timezone.now() + start_in
    event = Event.objects.create(
        title="Betacooks lunch",
        slug=f"betacooks-{prefix}-{start:%Y%m%d%H%M%S%f}",
        kind=kind,
        start=start,
        end=start + timedelta(minutes=90),
        space=space,
        status=Event.Status.PUBLISHED,
        reminder_offsets_minutes=offsets if offsets is not None else [1440, 120],
    )
    users = User.objects.bulk_create(
        [
            User(email=f"{prefix}{i}@members.test", name=f"Member {i}", preferred_language="en")
            for i in range(members)
        ]
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users]
    )
    regs = [
        Registration(
            event=event, user=u, name=u.name, email=u.email, status=Registration.Status.CONFIRMED
        )
        for u in users
    ]
    regs += [
        Registration(
            event=event,
            name=f"Guest {i}",
            email=f"{prefix}guest{i}@guests.test",
            status=Registration.Status.CONFIRMED,
        )
        for i in range(guests)
    ]
    Registration.objects.bulk_create(regs)
    return event
