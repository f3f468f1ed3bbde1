"""The messaging Celery tasks (betacowork/messaging/tasks.py): the sweep and self-continuing
batches; publishing to a dead broker."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from celery import Celery
from django.conf import settings
from django.utils import timezone

from betacowork.messaging.models import Outbox

from .factories import write

pytestmark = pytest.mark.django_db


def test_the_sweep_hands_out_the_due_rows_by_id_in_batches(settings, monkeypatch, scripted):
    from betacowork.messaging import tasks

    settings.OUTBOX_BATCH_SIZE = 5
    settings.OUTBOX_SWEEP_ROWS = 100
    settings.OUTBOX_SWEEP_FANOUT = 4
    started = []
    monkeypatch.setattr(
        tasks.outbox_send_batch, "apply_async", lambda *a, **k: started.append(k.get("args"))
    )
    rows = [write(f"due-{i}", to=f"p{i}@example.test")[0] for i in range(12)]
    not_yet = write("tomorrow", to="later@example.test")[0]
    Outbox.objects.filter(pk=not_yet.pk).update(next_attempt_at=timezone.now() + timedelta(days=1))
    assert tasks.outbox_sweep() == 12
    ids = [row.pk for row in rows]  # oldest first
    # Three batches of five would leave one of four worker processes idle: four of three.
    assert started == [(ids[0:3],), (ids[3:6],), (ids[6:9],), (ids[9:12],)]
    assert tasks.outbox_send_batch(ids[0:3]) == 3
    assert Outbox.objects.filter(pk__in=ids[0:3], status=Outbox.Status.SENT).count() == 3
    assert tasks.outbox_send_batch(ids[0:3]) == 0  # handed out twice, sent once
    assert Outbox.objects.get(pk=not_yet.pk).status == Outbox.Status.PENDING


def test_a_backlog_beyond_the_sweeps_rows_gets_a_few_self_continuing_batches(
    settings, monkeypatch, scripted
):
    from betacowork.messaging import tasks

    settings.OUTBOX_BATCH_SIZE = 5
    settings.OUTBOX_SWEEP_ROWS = 10
    settings.OUTBOX_SWEEP_FANOUT = 2
    started = []
    monkeypatch.setattr(
        tasks.outbox_send_batch, "apply_async", lambda *a, **k: started.append(k.get("args"))
    )
    for i in range(23):
        write(f"backlog-{i}", to=f"p{i}@example.test")
    assert tasks.outbox_sweep() == 10
    # Two batches of ids (a multiple of two processes), then two chains for the rest: not
    # five tasks for 23 rows.
    assert [len(args[0]) if args else None for args in started] == [5, 5, None, None]
    started.clear()
    assert tasks.outbox_send_batch() == 5  # a full batch continues itself
    assert len(started) == 1
    started.clear()
    Outbox.objects.filter(status=Outbox.Status.PENDING).exclude(
        pk__in=Outbox.objects.filter(status=Outbox.Status.PENDING).order_by("pk")[:3]
    ).update(status=Outbox.Status.CANCELLED)
    assert tasks.outbox_send_batch() == 3  # the last, partial batch stops
    assert started == []


@pytest.mark.redis
def test_publishing_to_a_dead_broker_gives_up_within_a_second(monkeypatch):
    """With our transport options a refused broker port costs ~0.05 s, not kombu's 2 s retry."""
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")  # Celery: env wins
    # Not set as current: shared tasks must keep publishing through the project's app.
    app = Celery("dead-broker-probe", set_as_current=False)
    app.conf.broker_transport_options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    app.conf.broker_connection_timeout = settings.CELERY_BROKER_CONNECTION_TIMEOUT
    started = time.monotonic()
    with pytest.raises(Exception):  # noqa: B017, PT011 - kombu's OperationalError
        app.send_task("messaging.tasks.outbox_send", args=(1,), retry=False)
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize(
    ("count", "size", "processes", "sizes"),
    [
        (7000, 200, 4, [195] * 16 + [194] * 20),  # 35 batches of 200 → 36
        (800, 200, 4, [200] * 4),
        (201, 200, 4, [51, 50, 50, 50]),
        (150, 200, 4, [150]),  # one batch: nothing to balance
        (0, 200, 4, []),
        (10, 5, 3, [4, 3, 3]),
    ],
)
def test_batches_are_balanced_over_the_workers_processes(count, size, processes, sizes):
    from betacowork.messaging.tasks import _balanced

    batches = _balanced(list(range(count)), size, processes)
    assert [len(b) for b in batches] == sizes
    assert [i for b in batches for i in b] == list(range(count))  # every id once, in order
