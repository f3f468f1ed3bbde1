"""The messaging Celery tasks (betacowork/messaging/tasks.py): the sweep and self-continuing
batches; publishing to a dead broker."""

from __future__ import annotations

import time

import pytest
from celery import Celery
from django.conf import settings

from betacowork.messaging.models import Outbox

from .factories import write

pytestmark = pytest.mark.django_db


def test_sweep_starts_a_few_self_continuing_batches(settings, monkeypatch, scripted):
    from betacowork.messaging import tasks

    settings.OUTBOX_BATCH_SIZE = 5
    settings.OUTBOX_SWEEP_FANOUT = 2
    started = []
    monkeypatch.setattr(tasks.outbox_send_batch, "apply_async", lambda *a, **k: started.append(k))
    for i in range(23):
        write(f"backlog-{i}", to=f"p{i}@example.test")
    assert tasks.outbox_sweep() == 23
    assert len(started) == 2  # not 5: the queue does not balloon with the backlog
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
