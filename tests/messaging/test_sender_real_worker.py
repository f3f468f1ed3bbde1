"""The sender's reliability (betacowork/messaging/sender.py) against the real Redis, real
worker processes, PostgreSQL and real SMTP.

Each test starts Celery worker (and beat) subprocesses on the test database and broker and
an SMTP sink in this process, then counts what the sink accepted, per recipient. Short
leases, retry delays and sweep periods come from the environment of the subprocesses.
"""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from bench.procs import BASE_DIR, SmtpSink, process_env
from betacowork.messaging.models import Outbox
from betacowork.messaging.outbox import outbox_send_on_commit, outbox_write
from betacowork.messaging.rendering import RenderedMessage
from events.models import Event, Registration
from events.tasks import reminder_sweep

from .conftest import SMTP_PORT, WEB_PORT, event_with_registrants

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.timeout(120),
]


def _write(n: int, prefix: str = "r") -> list[int]:
    with transaction.atomic():
        return [
            outbox_write(
                dedup_key=f"test:{prefix}:{i}",
                kind="test",
                to_email=f"{prefix}{i}@example.test",
                language="en",
                message=RenderedMessage(subject=f"Hello {i}", text="Hello"),
                send_now=False,
            )[0].pk
            for i in range(n)
        ]


def _wait(predicate, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def test_a_task_runs_in_a_real_worker_against_real_redis(transactional_db, procs):
    """Issue 2: a task published here is executed by a separate worker process via Redis."""
    with SmtpSink(SMTP_PORT) as sink:
        p = procs()
        worker = p.worker("a")
        with transaction.atomic():
            row, _ = outbox_write(
                dedup_key="test:a",
                kind="test",
                to_email="katia@example.test",
                language="en",
                message=RenderedMessage(subject="Hello from a worker", text="Hi"),
            )
        assert sink.wait_for(1, timeout=20), worker.output()[-2000:]
        assert sink.counts() == Counter({"katia@example.test": 1})
        assert "messaging.tasks.outbox_send" in worker.output()
        # Recorded right after the server's reply (over the worker's asynchronous connection): a
        # moment after the sink counted it.
        sent = Outbox.objects.filter(pk=row.pk, status=Outbox.Status.SENT)
        assert _wait(sent.exists, timeout=5)
        row.refresh_from_db()
        assert row.attempts == 1


def test_b_two_workers_two_concurrent_sweeps_200_registrants(transactional_db, procs):
    """Every registrant gets exactly one reminder of each kind, whatever the concurrency."""
    event = event_with_registrants(members=150, guests=50, start_in=timedelta(hours=20))
    people = set(
        Registration.objects.filter(event=event).values_list("email", flat=True)
    )  # 200 addresses
    assert len(people) == 200
    with SmtpSink(SMTP_PORT) as sink:
        p = procs()
        p.worker("b1")
        p.worker("b2")
        # 20 h before: the 24 h reminder is due. Two sweeps at once, on the two workers.
        reminder_sweep.apply_async()
        reminder_sweep.apply_async()
        assert sink.wait_for(200, timeout=60)
        # Time passes (the start comes closer, same version): the 2 h reminder is due.
        Event.objects.filter(pk=event.pk).update(
            start=timezone.now() + timedelta(minutes=90),
            end=timezone.now() + timedelta(minutes=180),
        )
        reminder_sweep.apply_async()
        reminder_sweep.apply_async()
        assert sink.wait_for(400, timeout=60)
        time.sleep(1.5)  # room for any duplicate to show up
        per_person: dict[str, Counter] = {}
        for rcpts, msg in sink.messages:
            kind = msg["X-Betacowork-Message"].split(":")[0]
            for rcpt in rcpts:
                per_person.setdefault(rcpt, Counter())[kind] += 1
    assert set(per_person) == people
    expected = Counter({"reminder-1440m": 1, "reminder-120m": 1})
    wrong = {who: c for who, c in per_person.items() if c != expected}
    assert not wrong, f"{len(wrong)} registrants got a wrong count: {list(wrong.items())[:5]}"
    assert Outbox.objects.filter(kind="events.reminder", status=Outbox.Status.SENT).count() == 400


def test_b_reminders_written_ahead_leave_on_time_once(transactional_db, procs):
    """Beat's reminder sweep writes the 24 h reminders of 60 registrants seconds before they
    are due; none leaves before its time, and once it has come beat's outbox sweep sends each
    exactly once (nobody asked for a send task when the rows were written)."""
    lead = 6.0
    with SmtpSink(SMTP_PORT) as sink:
        p = procs(OUTBOX_SWEEP_SECONDS=1, REMINDER_SWEEP_SECONDS=1)
        p.worker("g1", concurrency=2)
        p.beat()
        # Beat sweeps every second: the event's 24 h reminders fall due `lead` seconds on.
        event = event_with_registrants(
            members=60, start_in=timedelta(hours=24, seconds=lead), offsets=[1440], prefix="ahead"
        )
        due_at = event.start - timedelta(hours=24)
        rows = Outbox.objects.filter(topic=f"event:{event.pk}")
        assert _wait(lambda: rows.count() == 60, timeout=lead)
        assert timezone.now() < due_at  # written ahead…
        assert set(rows.values_list("next_attempt_at", flat=True)) == {due_at}
        assert sink.accepted == 0  # …and held
        assert sink.wait_for(60, timeout=lead + 30)
        first_at = timezone.now() - timedelta(seconds=time.monotonic() - sink.handler.first_at)
        assert first_at >= due_at - timedelta(milliseconds=50)  # not before its time
        time.sleep(1.5)  # room for any duplicate to show up
    counts = sink.counts()
    assert len(counts) == 60
    assert set(counts.values()) == {1}
    assert rows.filter(status=Outbox.Status.SENT).count() == 60


@pytest.mark.parametrize("victim", ["pool-child", "whole-worker"])
def test_c_worker_killed_mid_batch_nothing_lost_nothing_doubled(transactional_db, procs, victim):
    """SIGKILL during a batch: "pool-child" kills the prefork child executing the batch task
    (the main process survives and requeues the task); "whole-worker" kills the main process
    and its child at once (the Redis message stays unacknowledged until the visibility
    timeout, an hour). Either way the rows come back through the lease and the sweep."""
    ids = _write(30, prefix=f"c{victim[0]}")
    # The sink answers the 6th message only after 10 s: the kill lands while the worker waits
    # for that reply, i.e. after it sent the message and before the server accepted it.
    with SmtpSink(SMTP_PORT, delay=0.02, stall_on=6, stall_seconds=10) as sink:
        p = procs(OUTBOX_LEASE_SECONDS=3, OUTBOX_SWEEP_SECONDS=1, OUTBOX_RETRY_BASE_SECONDS=1)
        first = p.worker("c1")
        outbox_send_on_commit(ids)  # outside a transaction: published now, one batch task
        assert sink.wait_for(5, timeout=30), first.output()[-2000:]
        assert _wait(lambda: sink.handler.data_commands >= 6, timeout=10)
        if victim == "pool-child":
            children = first.children()
            assert len(children) == 1
            os.kill(children[0], signal.SIGKILL)
        else:
            first.kill_all()
        accepted_at_kill = sink.accepted
        assert accepted_at_kill == 5
        claimed = Outbox.objects.filter(pk__in=ids, status=Outbox.Status.PENDING).count()
        assert claimed == 30 - accepted_at_kill  # the rest is pending under the dead lease
        if victim == "whole-worker":
            p.worker("c2")
        p.beat()
        assert sink.wait_for(30, timeout=40)
        time.sleep(2)
    counts = sink.counts()
    assert len(counts) == 30
    assert set(counts.values()) == {1}, {k: v for k, v in counts.items() if v != 1}
    assert sink.handler.dropped == 1  # the message cut by the kill was never accepted
    assert Outbox.objects.filter(pk__in=ids, status=Outbox.Status.SENT).count() == 30


def _post_guest_registration(slug: str, email: str) -> tuple[int, float]:
    token = secrets.token_hex(16)  # a 32-character CSRF secret, sent as cookie and header
    body = f"name=Guest+Visitor&email={email}&note="
    conn = http.client.HTTPConnection("127.0.0.1", WEB_PORT, timeout=15)
    started = time.monotonic()
    conn.request(
        "POST",
        f"/events/{slug}/register/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={token}",
            "X-CSRFToken": token,
        },
    )
    status = conn.getresponse().status
    elapsed = time.monotonic() - started
    conn.close()
    return status, elapsed


def test_d_broker_down_during_registration(transactional_db, procs):
    """The web process's broker is a dead port: registering still succeeds at once, and the
    confirmation goes out once a worker and beat run on the live broker."""
    event = event_with_registrants(members=0, start_in=timedelta(days=3), prefix="d")
    env = process_env(CELERY_BROKER_URL="redis://127.0.0.1:1/0")
    web = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{WEB_PORT}", "--noreload"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert _wait(lambda: _port_open(WEB_PORT), timeout=30)
        timings = []
        for i in range(3):
            status, elapsed = _post_guest_registration(event.slug, f"visitor{i}@guests.test")
            assert status == 302
            timings.append(elapsed)
    finally:
        os.killpg(web.pid, signal.SIGKILL)
        web.wait(timeout=10)
    assert max(timings) < 2.0, timings
    rows = Outbox.objects.filter(topic=f"event:{event.pk}")
    assert rows.count() == 3
    assert set(rows.values_list("status", flat=True)) == {Outbox.Status.PENDING}
    with SmtpSink(SMTP_PORT) as sink:
        p = procs(OUTBOX_SWEEP_SECONDS=1)
        p.worker("d1")
        p.beat()  # the broker is back: the sweep finds the rows nobody was told about
        assert sink.wait_for(3, timeout=30)
        time.sleep(1)
    assert sink.counts() == Counter({f"visitor{i}@guests.test": 1 for i in range(3)})


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_e_smtp_refuses_twice_then_accepts_once(transactional_db, procs):
    """451 twice (DATA stage): retried from the database with backoff, delivered once."""
    (pk,) = _write(1, prefix="e")
    refusals = ["451 4.3.0 Try again later", "451 4.3.0 Try again later"]
    with SmtpSink(SMTP_PORT, refuse=refusals) as sink:
        p = procs(OUTBOX_RETRY_BASE_SECONDS=1, OUTBOX_SWEEP_SECONDS=1)
        p.worker("e1")
        p.beat()
        outbox_send_on_commit([pk])
        assert sink.wait_for(1, timeout=30)
        time.sleep(1.5)
        assert sink.handler.data_commands == 3
        assert sink.counts() == Counter({"e0@example.test": 1})
    row = Outbox.objects.get(pk=pk)
    assert row.status == Outbox.Status.SENT
    assert row.attempts == 3


def _sessions_opened() -> int:
    """Sessions ever opened on the test database (PostgreSQL's statistics)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


@pytest.mark.parametrize("reuse", ["500", "0"], ids=["kept", "negative-control"])
def test_f_a_worker_keeps_its_database_connection_from_task_to_task(transactional_db, procs, reuse):
    """A worker keeps its database connections between tasks as a web process does between
    requests (CONN_MAX_AGE, 60 s as in production): 20 send tasks open a couple of
    sessions, not one each. With
    Celery's default (CELERY_DB_REUSE_MAX=0: its Django fixup closes every connection after
    every task, the negative control) each task opens its own."""
    with SmtpSink(SMTP_PORT) as sink:
        worker = procs(CONN_MAX_AGE="60", CELERY_DB_REUSE_MAX=reuse).worker("f")
        _write(1, prefix="warm")
        outbox_send_on_commit(Outbox.objects.values_list("pk", flat=True))
        assert sink.wait_for(1, timeout=20), worker.output()[-2000:]
        time.sleep(1.5)  # the worker's backends report their statistics within a second
        before = _sessions_opened()
        for pk in _write(20):
            outbox_send_on_commit([pk])  # one task each
        assert sink.wait_for(21, timeout=30), worker.output()[-2000:]
        assert _wait(lambda: Outbox.objects.filter(status="sent").count() == 21, timeout=5)
        time.sleep(1.5)
        opened = _sessions_opened() - before
    if reuse == "0":
        assert opened >= 20
    else:
        assert opened <= 3
