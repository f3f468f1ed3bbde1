"""Benchmark: 7,000 reminders (the BetaGroup network) through ONE real Celery worker to a
local SMTP sink (aiosmtpd), against a plain smtplib sender to the same sink, alternated.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/<n> \\
    .venv/bin/python bench/reminders.py [--reminders 7000] [--rounds 2] [--concurrency 2]
                                        [--reference-connections K] [--warmup 600]
                                        [--send-only]

Each round runs, in alternating order (ABBA: reminders, reference, reference, reminders…):
- **reminders**: an event 20 hours ahead with N confirmed registrants (verified members) is
  created (not timed); the reminder sweep is triggered once (as beat would) on the worker,
  and the clock runs until the sink has accepted N messages: the sweep renders and writes N
  outbox rows (with the .ics) and fans out batch tasks; the worker sends each batch over one
  SMTP connection. Every registrant must get exactly one reminder. With --send-only the
  sweep runs first, untimed (in the bench's process, its send tasks not asked for), and the
  clock starts at the outbox sweep's trigger (`messaging.tasks.outbox_sweep`, as beat runs
  it): the sending alone, to tell the two parts' cost apart (the goal is the whole run).
- **reference** (bench/smtp_reference.py): plain smtplib senders, each in its own process
  over one connection, send N copies of one of those reminders (same bytes, .ics included)
  to the same sink — the ceiling on this machine. As many senders as the worker has pool
  processes (each sends over its own connection), unless --reference-connections says
  otherwise: the sink answers one connection's commands one at a time, so two connections
  get ~1.8x the messages of one through it and only like compares with like.

It prints msg/s of each run, the ratio reminders/reference of each pair and their median,
the worker's CPU per reminder and the load average. Goal (issue 14): ratio >= 0.9 and N =
7,000 under 60 s. The worker runs as in production: two pool processes (docker-compose's
WORKER_CONCURRENCY default; --concurrency 1 for one), DEBUG off, a random SECRET_KEY,
CONN_MAX_AGE=60 (the settings' default; the test suite's workers use 0), warmed up by an
untimed first sweep of --warmup reminders (a long-lived worker has its templates compiled).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from unittest import mock

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "betacowork.settings")

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

logging.getLogger("mail.log").setLevel(logging.WARNING)  # the SMTP sink's per-command log

from allauth.account.models import EmailAddress  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.procs import Processes, SmtpSink, purge_queues  # noqa: E402
from betacowork.messaging.mime import MessageBuilder  # noqa: E402
from betacowork.messaging.models import Outbox  # noqa: E402
from betacowork.messaging.tasks import outbox_sweep  # noqa: E402
from events.models import Event, EventKind, Registration  # noqa: E402
from events.services.reminders import reminder_sweep_run  # noqa: E402
from events.tasks import reminder_sweep  # noqa: E402
from members.models import Space, User  # noqa: E402

SMTP_PORT = 8152
PREFIX = "bench-reminder"


def setup(n: int, round_no: int) -> Event:
    kind = EventKind.objects.get_or_create(slug="betacooks", defaults={"name_en": "Betacooks"})[0]
    space = Space.objects.get_or_create(
        slug="betacowork", defaults={"name": "Betacowork", "city": "Brussels"}
    )[0]
    start = timezone.now() + timedelta(hours=20)
    event = Event.objects.create(
        title="BetaGroup network drinks",
        slug=f"{PREFIX}-{round_no}-{start:%Y%m%d%H%M%S}",
        kind=kind,
        start=start,
        end=start + timedelta(hours=2),
        space=space,
        status=Event.Status.PUBLISHED,
        reminder_offsets_minutes=[1440, 120],
    )
    users = User.objects.bulk_create(
        [
            User(email=f"{PREFIX}-{round_no}-{i}@bench.test", name=f"Bench Member {i}")
            for i in range(n)
        ],
        batch_size=1000,
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users],
        batch_size=1000,
    )
    Registration.objects.bulk_create(
        [
            Registration(event=event, user=u, name=u.name, email=u.email, status="confirmed")
            for u in users
        ],
        batch_size=1000,
    )
    return event


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these live processes (and their reaped children)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return total / os.sysconf("SC_CLK_TCK")


def service_pids() -> list[int]:
    """PostgreSQL's and Redis's processes on this machine (the run's other CPU)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() in ("postgres", "redis-server"):
                    pids.append(int(entry.name))
    return pids


class CpuAccount:
    """CPU seconds each party used during a run, per message: the sender (worker or smtplib
    processes), the SMTP sink (this process: the sink's thread, and the run's few polls), and
    PostgreSQL + Redis. A run that keeps both cores busy is bounded by the sum: a sender
    that needs more CPU a message than smtplib leaves the sink less of the machine."""

    def __init__(self, sender_pids=()):
        self.sender_pids = list(sender_pids)
        self.before = self._read()

    def _read(self) -> tuple[float, float, float, float]:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (
            cpu_seconds(self.sender_pids) + children.ru_utime + children.ru_stime,
            time.process_time(),
            cpu_seconds(service_pids()),
            time.monotonic(),
        )

    def report(self, n: int) -> str:
        """The line to print; `self.sender` keeps the sender's CPU seconds."""
        after = self._read()
        sender, sink, services, wall = (b - a for a, b in zip(self.before, after, strict=True))
        self.sender = sender
        total = sender + sink + services
        return (
            f"CPU ms/msg: sender {sender / n * 1000:.2f}, sink {sink / n * 1000:.2f}, "
            f"postgres+redis {services / n * 1000:.2f}, total {total / n * 1000:.2f} "
            f"({total / wall:.2f} of {os.cpu_count()} cores busy)"
        )


def cleanup(event: Event | None) -> None:
    from django.db import connection

    if event is not None:
        Outbox.objects.filter(topic=f"event:{event.pk}").delete()
        event.delete()
    User.objects.filter(email__startswith=f"{PREFIX}-").delete()
    # What a run deletes (7,000 rows in four tables) is left to VACUUM; where autovacuum is
    # off (it is on this machine's PostgreSQL) every run would find the last ones' dead rows.
    with connection.cursor() as cursor:
        for model in (Outbox, Registration, EmailAddress, User):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def run_reminders(n: int, round_no: int, worker, sample: Path, send_only: bool = False) -> float:
    """One reminders run; returns msg/s (sweep trigger → last message accepted). With
    `send_only`, the sweep runs first, untimed, in this process (its send tasks not asked
    for), and the clock runs from the outbox sweep's trigger: the sending alone."""
    event = setup(n, round_no)
    try:
        if send_only:
            with mock.patch("betacowork.messaging.outbox.outbox_send_on_commit"):
                reminder_sweep_run()
        with SmtpSink(SMTP_PORT) as sink:
            account = CpuAccount([worker.pid, *worker.children()])
            started = time.monotonic()
            sweep_at = timezone.now()
            (outbox_sweep if send_only else reminder_sweep).apply_async()
            # Blocks until the sink has them all: no poll of the sink or of the database
            # while the worker runs (the reference's run has none either).
            if not sink.wait_for(n, timeout=600):
                print("  gave up after 600 s")
            total = time.monotonic() - started
            budget = account.report(n)
            first_at = sink.handler.first_at
            last_written = Outbox.objects.filter(topic=f"event:{event.pk}").aggregate(
                last=Max("created_at")
            )["last"]
            written_at = (last_written - sweep_at).total_seconds() if last_written else total
            time.sleep(1)  # any duplicate would show up now
            counts = sink.counts()
            if not sample.exists():
                row = Outbox.objects.filter(topic=f"event:{event.pk}").first()
                message = MessageBuilder().email(row).message()
                del message["To"]
                message["To"] = "@@to@@"
                sample.write_bytes(message.as_bytes(linesep="\r\n"))
        sent = Outbox.objects.filter(topic=f"event:{event.pk}", status="sent").count()
        duplicates = sum(1 for c in counts.values() if c > 1)
        rate = sink.accepted / total
        written = (
            "written before the clock"
            if send_only
            else f"the sweep's last rows at {written_at:.1f}s"
        )
        print(
            f"  reminders{' (sending only)' if send_only else ''}: {rate:6.1f} msg/s, "
            f"{total:.1f}s for {n} ({written}, first accepted at "
            f"{(first_at or started) - started:.1f}s); worker CPU "
            f"{account.sender / n * 1000:.2f} ms/msg; distinct {len(counts)}, duplicates "
            f"{duplicates}, rows sent {sent}; load {load()}"
        )
        print(f"    {budget}")
        if len(counts) != n or duplicates:
            raise SystemExit("NOT OK: a registrant got no reminder, or two")
        return rate
    finally:
        cleanup(event)


def run_reference(n: int, sample: Path, connections: int) -> float:
    """`connections` plain smtplib senders at once (n between them), each over one
    connection: as many as the worker's pool processes, each of which sends over its own."""
    with SmtpSink(SMTP_PORT) as sink:
        account = CpuAccount()
        senders = [
            subprocess.Popen(
                [
                    sys.executable,
                    str(BASE_DIR / "bench" / "smtp_reference.py"),
                    str(SMTP_PORT),
                    str(n // connections + (i < n % connections)),
                    str(sample),
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            for i in range(connections)
        ]
        elapsed = max(float(sender.communicate()[0].strip()) for sender in senders)
        accepted = sink.accepted
        budget = account.report(n)
    rate = accepted / elapsed
    print(
        f"  reference (smtplib, {connections} connection{'s' if connections > 1 else ''}): "
        f"{rate:6.1f} msg/s, {elapsed:.1f}s for {n}; load {load()}"
    )
    print(f"    {budget}")
    return rate


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reminders", type=int, default=7000)
    parser.add_argument("--rounds", type=int, default=2, help="pairs of runs (ABBA order)")
    parser.add_argument(
        "--warmup", type=int, default=600, help="reminders sent once, untimed, before the rounds"
    )
    parser.add_argument(
        "--concurrency", type=int, default=2, help="pool processes of the worker (compose: 2)"
    )
    parser.add_argument(
        "--send-only",
        action="store_true",
        help="time the sending alone: the reminders are written first, untimed, and the "
        "clock starts at the outbox sweep's trigger",
    )
    parser.add_argument(
        "--reference-connections",
        type=int,
        help="smtplib senders at once in the reference (default: --concurrency, like for like)",
    )
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        sys.exit("Set DATABASE_URL=postgres://... (the worker process shares the database).")
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        sys.exit("Set CELERY_BROKER_URL=redis://...")
    n = args.reminders
    connections = args.reference_connections or args.concurrency
    print(
        f"{n} reminders, {args.rounds} rounds, one worker (concurrency {args.concurrency}) "
        f"against {connections} smtplib connection(s), "
        f"{os.cpu_count()} cores, load {load()}"
    )
    cleanup(None)
    purge_queues()
    sample = Path(tempfile.mkdtemp(prefix="bench-reminders-")) / "reminder.eml"
    procs = Processes(
        smtp_port=SMTP_PORT, DEBUG="0", SECRET_KEY=secrets.token_urlsafe(60), CONN_MAX_AGE="60"
    )
    pairs = []
    try:
        worker = procs.worker("bench", concurrency=args.concurrency)
        if args.warmup:
            # A long-lived worker has its templates compiled and its connections open: a
            # first, untimed sweep puts this fresh one (each of its pool processes) there.
            print(f"warm-up ({args.warmup} reminders, not counted)")
            run_reminders(args.warmup, -1, worker, sample, args.send_only)
        for round_no in range(args.rounds):
            print(f"round {round_no + 1}")
            if round_no % 2 == 0 or not sample.exists():
                mine = run_reminders(n, round_no, worker, sample, args.send_only)
                ref = run_reference(n, sample, connections)
            else:
                ref = run_reference(n, sample, connections)
                mine = run_reminders(n, round_no, worker, sample, args.send_only)
            pairs.append((mine, ref))
            print(f"  ratio reminders/reference: {mine / ref:.2f}")
    finally:
        procs.stop_all()
        purge_queues()
        cleanup(None)
    ratio = statistics.median(m / r for m, r in pairs)
    slowest = n / min(m for m, _r in pairs)
    print(
        f"median ratio {ratio:.2f} (goal >= 0.9); slowest run {slowest:.1f}s for {n} "
        f"(goal < 60 s); load {load()}"
    )
    return 0 if ratio >= 0.9 and slowest < 60 else 1


if __name__ == "__main__":
    sys.exit(main())
