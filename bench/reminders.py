"""Benchmark: 7,000 reminders (the BetaGroup network) through ONE real Celery worker to a
local SMTP sink (aiosmtpd), on PostgreSQL and Redis.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/<n> \\
    .venv/bin/python bench/reminders.py [--reminders 7000] [--concurrency 1]

It creates an event 20 hours ahead with N confirmed registrants (verified members), starts one
worker process, triggers the reminder sweep once (as beat would), and times until the sink
has accepted every message: the sweep renders and writes N outbox rows (with the .ics) and
fans out batch tasks; the worker sends each batch over one SMTP connection. It then checks
that every registrant got exactly one reminder and removes its data.
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "betacowork.settings")

import django  # noqa: E402

django.setup()

from datetime import timedelta  # noqa: E402

from allauth.account.models import EmailAddress  # noqa: E402
from django.conf import settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from events.models import Event, EventKind, Registration  # noqa: E402
from events.reminders import reminder_sweep  # noqa: E402
from members.models import Outbox, Space, User  # noqa: E402
from tests.delivery.procs import Processes, SmtpSink, purge_queues  # noqa: E402

SMTP_PORT = 8152
PREFIX = "bench-reminder"


def setup(n: int) -> Event:
    kind = EventKind.objects.get_or_create(slug="betacooks", defaults={"name_en": "Betacooks"})[0]
    space = Space.objects.get_or_create(
        slug="betacowork", defaults={"name": "Betacowork", "city": "Brussels"}
    )[0]
    start = timezone.now() + timedelta(hours=20)
    event = Event.objects.create(
        title="BetaGroup network drinks",
        slug=f"{PREFIX}-{start:%Y%m%d%H%M%S}",
        kind=kind,
        start=start,
        end=start + timedelta(hours=2),
        space=space,
        status=Event.Status.PUBLISHED,
        reminder_offsets_minutes=[1440, 120],
    )
    users = User.objects.bulk_create(
        [User(email=f"{PREFIX}-{i}@bench.test", name=f"Bench Member {i}") for i in range(n)],
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


def cleanup(event: Event | None) -> None:
    if event is not None:
        Outbox.objects.filter(topic=f"event:{event.pk}").delete()
        event.delete()
    User.objects.filter(email__startswith=f"{PREFIX}-").delete()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reminders", type=int, default=7000)
    parser.add_argument("--concurrency", type=int, default=1, help="pool processes of the worker")
    args = parser.parse_args()
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        sys.exit("Set DATABASE_URL=postgres://... (the worker process shares the database).")
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        sys.exit("Set CELERY_BROKER_URL=redis://...")

    cleanup(None)
    event = None
    # The worker runs as in production: DEBUG off (cached templates, no query log).
    procs = Processes(smtp_port=SMTP_PORT, DEBUG="0", SECRET_KEY=secrets.token_urlsafe(60))
    try:
        t = time.monotonic()
        event = setup(args.reminders)
        print(f"setup: {args.reminders} registrants in {time.monotonic() - t:.1f}s")
        purge_queues()
        with SmtpSink(SMTP_PORT) as sink:
            worker = procs.worker("bench", concurrency=args.concurrency)
            cpu_before = cpu_seconds([worker.pid, *worker.children()])
            own_before = resource.getrusage(resource.RUSAGE_SELF)
            started = time.monotonic()
            reminder_sweep.apply_async()
            written_at = None
            last_report = started
            while sink.accepted < args.reminders:
                now = time.monotonic()
                if written_at is None and (
                    Outbox.objects.filter(topic=f"event:{event.pk}").count() >= args.reminders
                ):
                    written_at = now
                if now - last_report > 5:
                    print(f"  {now - started:5.1f}s: {sink.accepted} accepted")
                    last_report = now
                if now - started > 600:
                    print("gave up after 600 s")
                    break
                time.sleep(0.05)
            total = time.monotonic() - started
            worker_cpu = cpu_seconds([worker.pid, *worker.children()]) - cpu_before
            own = resource.getrusage(resource.RUSAGE_SELF)
            sink_cpu = own.ru_utime + own.ru_stime - own_before.ru_utime - own_before.ru_stime
            time.sleep(1)  # any duplicate would show up now
            counts = sink.counts()
        sent = Outbox.objects.filter(topic=f"event:{event.pk}", status="sent").count()
        duplicates = sum(1 for c in counts.values() if c > 1)
        print(f"reminders: {args.reminders}, one worker, concurrency {args.concurrency}")
        if written_at:
            print(f"sweep (render + write {args.reminders} rows): {written_at - started:.1f}s")
        print(f"total (sweep + delivery to the SMTP sink): {total:.1f}s")
        print(f"throughput: {sink.accepted / total:.0f} messages/s")
        print(
            f"CPU: worker {worker_cpu:.1f}s ({worker_cpu / args.reminders * 1000:.2f} ms per "
            f"reminder), SMTP sink + this script {sink_cpu:.1f}s; load average "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        print(
            f"accepted by the sink: {sink.accepted}, distinct recipients: {len(counts)}, "
            f"duplicates: {duplicates}, rows sent: {sent}"
        )
        ok = len(counts) == args.reminders and duplicates == 0 and total < 60
        print("OK: under 60 s, each registrant once" if ok else "NOT OK")
        return 0 if ok else 1
    finally:
        procs.stop_all()
        purge_queues()
        cleanup(event)


if __name__ == "__main__":
    sys.exit(main())
