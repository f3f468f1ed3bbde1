"""Benchmark: 7,000 reminders (the BetaGroup network) through ONE real Celery worker to a
local SMTP sink (aiosmtpd), against a plain smtplib sender to the same sink, alternated.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/<n> \\
    .venv/bin/python bench/reminders.py [--reminders 7000] [--rounds 2] [--concurrency 2]
                                        [--reference-connections K] [--warmup 600]
                                        [--late] [--in-process] [--timeline]

Each round runs, in alternating order (ABBA: reminders, reference, reference, reminders…):
- **reminders**: an event with N confirmed registrants (verified members) is created (not
  timed). On time (the default, what beat does for every reminder): the event starts in 24 h
  and a few seconds, the worker's reminder sweep is triggered once (as beat would) and writes
  the N reminders ahead of their time (REMINDER_WRITE_AHEAD_SECONDS), rendered, each with its
  .ics — not timed, printed —; when their time comes the outbox sweep is triggered (as beat
  would at its next tick) and the clock runs until the sink has accepted N messages: the
  worker sends the due rows in batches, each over one SMTP connection. With --late the event
  starts in 20 h, its 24 h reminders already due when the sweep runs (an event published or
  registrations made inside the window, a sweep that was down): the clock runs from the
  reminder sweep's trigger, which renders and writes the N rows and fans out batch tasks as
  it goes. Every registrant must get exactly one reminder.
- **reference** (bench/smtp_reference.py): plain smtplib senders, each in its own process
  over one connection, send N copies of one of those reminders (same bytes, .ics included)
  to the same sink — the ceiling on this machine. As many senders as the worker has pool
  processes (each sends over its own connection), unless --reference-connections says
  otherwise: the sink answers one connection's commands one at a time, so two connections
  get ~1.8x the messages of one through it and only like compares with like.

With --in-process, no worker and no reference run: the CPU time (`time.process_time`, robust
to what else the machine runs) of N reminders' two halves in ONE process configured as the
worker is (DEBUG off, CONN_MAX_AGE=60), after a warm-up of 100: the sweep (writing the rows,
its send tasks not asked for), the sending (`outbox_claim` / `outbox_send_claimed` in batches
of OUTBOX_BATCH_SIZE to an aiosmtpd sink in another process), and smtplib sending the same
bytes over one connection to the same sink; --rounds times, alternate them with another tree.

It prints msg/s of each run, the ratio reminders/reference of each pair and their median,
the worker's CPU per reminder and the load average. Goal (issue 14): ratio >= 0.9 and N =
7,000 under 60 s. The worker runs as in production: four pool processes (docker-compose's
WORKER_CONCURRENCY default; --concurrency 2 for the default before the twelfth pass), DEBUG
off, a random SECRET_KEY,
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
import threading
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
from django.db.models import Count, Max, Min  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.procs import Processes, SmtpSink, process_env, purge_queues  # noqa: E402
from betacowork.messaging.mime import MessageBuilder  # noqa: E402
from betacowork.messaging.models import Outbox  # noqa: E402
from betacowork.messaging.tasks import outbox_sweep  # noqa: E402
from events.models import Event, EventKind, Registration  # noqa: E402
from events.services.reminders import reminder_sweep_run  # noqa: E402
from events.tasks import reminder_sweep  # noqa: E402
from members.models import Space, User  # noqa: E402

SMTP_PORT = 8152
PREFIX = "bench-reminder"


def setup(n: int, round_no: int, start_in: timedelta = timedelta(hours=20)) -> Event:
    kind = EventKind.objects.get_or_create(slug="betacooks", defaults={"name_en": "Betacooks"})[0]
    space = Space.objects.get_or_create(
        slug="betacowork", defaults={"name": "Betacowork", "city": "Brussels"}
    )[0]
    start = timezone.now() + start_in
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


def cpu_seconds(pids: list[int], *, children: bool = True) -> float:
    """User + system CPU time of these live processes (and of their reaped children, unless
    `children` is false: PostgreSQL's postmaster reaps every backend of every database)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime stime, then cutime cstime
        total += sum(int(f) for f in fields[11 : 15 if children else 13])
    return total / os.sysconf("SC_CLK_TCK")


def service_pids() -> list[int]:
    """Redis's process and the PostgreSQL backends serving this database (the run's other
    CPU; a backend's command line names its database). Not the backends of other databases,
    nor PostgreSQL's shared processes (checkpointer, WAL writer…), which a test suite run
    beside the bench keeps busy: its load still slows the run, but its CPU is not the run's."""
    backend = f" {settings.DATABASES['default']['NAME']} ".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                comm = (entry / "comm").read_text().strip()
                if comm == "redis-server" or (
                    comm == "postgres" and backend in (entry / "cmdline").read_bytes()
                ):
                    pids.append(int(entry.name))
    return pids


class _ServiceCpu(threading.Thread):
    """The CPU seconds of `service_pids()` over a run, read every 0.2 s: the worker's
    database connections come and go (closed at the end of a task once older than
    CONN_MAX_AGE), so reading the live ones at the start and at the end would miss those
    that ended meanwhile. A process first seen during the run counts all its CPU."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.first = {pid: cpu_seconds([pid], children=False) for pid in service_pids()}
        self.last = dict(self.first)
        self.done = threading.Event()
        self.own = 0.0
        self.start()

    def run(self) -> None:
        while not self.done.wait(0.2):
            self._sample()
        self.own = time.thread_time()  # this thread's CPU: not the sink's, in this process

    def _sample(self) -> None:
        for pid in service_pids():
            seconds = cpu_seconds([pid], children=False)
            if seconds or pid not in self.last:
                self.last[pid] = seconds
                self.first.setdefault(pid, 0.0)

    def stop(self) -> float:
        self.done.set()
        self.join()
        self._sample()
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


class CpuAccount:
    """CPU seconds each party used during a run, per message: the sender (worker or smtplib
    processes), the SMTP sink (this process: the sink's thread, and the run's few polls), and
    PostgreSQL + Redis. A run that keeps both cores busy is bounded by the sum: a sender
    that needs more CPU a message than smtplib leaves the sink less of the machine."""

    def __init__(self, sender_pids=()):
        self.sender_pids = list(sender_pids)
        self.services = _ServiceCpu()
        self.before = self._read()

    def _read(self) -> tuple[float, float, float]:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (
            cpu_seconds(self.sender_pids) + children.ru_utime + children.ru_stime,
            time.process_time(),
            time.monotonic(),
        )

    def report(self, n: int) -> str:
        """The line to print; `self.sender` keeps the sender's CPU seconds."""
        after = self._read()
        services = self.services.stop()
        sender, sink, wall = (b - a for a, b in zip(self.before, after, strict=True))
        sink -= self.services.own
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


def print_timeline(event: Event, sweep_at) -> None:
    """Each batch task's rows (one claim token each): when its first and last row were
    recorded sent, from the sweep's trigger — where a run's time went."""
    spans = (
        Outbox.objects.filter(topic=f"event:{event.pk}")
        .values("claim_token")
        .annotate(
            rows=Count("pk"), first=Min("sent_at"), last=Max("sent_at"), made=Max("created_at")
        )
        .order_by("first")
    )
    for span in spans:
        first, last, made = (
            (span[k] - sweep_at).total_seconds() for k in ("first", "last", "made")
        )
        print(
            f"    task {span['claim_token'][:8]}: {span['rows']:4d} rows written by "
            f"{made:5.2f}s, sent {first:5.2f}s → {last:5.2f}s"
        )
    # The sending's pace while the sweep still writes, and after (the two phases of a run).
    rows = Outbox.objects.filter(topic=f"event:{event.pk}")
    written = (rows.aggregate(last=Max("created_at"))["last"] - sweep_at).total_seconds()
    sent = sorted((at - sweep_at).total_seconds() for at in rows.values_list("sent_at", flat=True))
    if written <= 0:
        print(
            f"    all written {-written:.2f}s before the clock; sent 0 → {sent[-1]:.2f}s: "
            f"{len(sent) / sent[-1]:.0f} msg/s"
        )
        return
    during = sum(1 for at in sent if at <= written)
    after = sent[-1] - written
    print(
        f"    while the sweep writes (0 → {written:.2f}s): {during} sent, "
        f"{during / written:.0f} msg/s; after ({written:.2f} → {sent[-1]:.2f}s): "
        f"{len(sent) - during} sent, {(len(sent) - during) / after:.0f} msg/s"
    )


# How far ahead of a reminder's time the sweep writes it in an on-time run (REMINDER_WRITE_AHEAD_
# SECONDS is 600): long enough for the worker to write them all before the clock starts.
def lead_seconds(n: int) -> float:
    return 5.0 + n / 1000


def write_ahead(event: Event, n: int, lead: float) -> None:
    """The on-time run's first half, not timed: the worker's reminder sweep (as beat runs it,
    every REMINDER_SWEEP_SECONDS) writes the reminders that fall due within the write-ahead
    window, and nothing is sent before their time; then wait for it."""
    rows = Outbox.objects.filter(topic=f"event:{event.pk}")
    started, triggered = time.monotonic(), timezone.now()
    reminder_sweep.apply_async()
    while rows.count() < n and time.monotonic() - started < lead:
        time.sleep(0.2)
    written = rows.aggregate(count=Count("pk"), last=Max("created_at"), due=Max("next_attempt_at"))
    if written["count"] != n or rows.filter(status="sent").exists():
        raise SystemExit(f"NOT OK: {written['count']} of {n} written ahead, or some sent early")
    wait = (written["due"] - timezone.now()).total_seconds()
    if wait <= 0:
        raise SystemExit(f"NOT OK: the reminders were written {-wait:.1f}s after their time")
    print(
        f"  written ahead by the worker's reminder sweep in "
        f"{(written['last'] - triggered).total_seconds():.1f}s (bench's poll: "
        f"{time.monotonic() - started:.1f}s), {wait:.1f}s before their time; load {load()}"
    )
    time.sleep(wait)


def run_reminders(
    n: int,
    round_no: int,
    worker,
    sample: Path,
    mode: str = "on-time",
    timeline: bool = False,
    **sink_options,
) -> float:
    """One reminders run; returns msg/s. On time (the default: reminders written ahead by
    the sweep, as it does every reminder due within REMINDER_WRITE_AHEAD_SECONDS), the clock
    runs from the outbox sweep's trigger at the reminders' time (as beat runs it) to the last
    message accepted. Late (`mode="late"`: the reminders due when the sweep runs — an event
    published or registrations made inside the window, a sweep that was down), from the
    reminder sweep's trigger: it writes and sends at once."""
    late = mode == "late"
    lead = lead_seconds(n)
    event = setup(n, round_no, timedelta(hours=20) if late else timedelta(hours=24, seconds=lead))
    try:
        if not late:
            write_ahead(event, n, lead)
        with SmtpSink(SMTP_PORT, **sink_options) as sink:
            account = CpuAccount([worker.pid, *worker.children()])
            started = time.monotonic()
            sweep_at = timezone.now()
            (reminder_sweep if late else outbox_sweep).apply_async()
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
            f"the sweep's last rows at {written_at:.1f}s"
            if late
            else "written before their time, the clock from the outbox sweep's trigger"
        )
        print(
            f"  reminders ({mode}): {rate:6.1f} msg/s, "
            f"{total:.1f}s for {n} ({written}, first accepted at "
            f"{(first_at or started) - started:.1f}s); worker CPU "
            f"{account.sender / n * 1000:.2f} ms/msg; distinct {len(counts)}, duplicates "
            f"{duplicates}, rows sent {sent}; load {load()}"
        )
        print(f"    {budget}")
        if timeline:
            print_timeline(event, sweep_at)
        if len(counts) != n or duplicates:
            raise SystemExit("NOT OK: a registrant got no reminder, or two")
        return rate
    finally:
        cleanup(event)


def run_reference(n: int, sample: Path, connections: int, **sink_options) -> float:
    """`connections` plain smtplib senders at once (n between them), each over one
    connection: as many as the worker's pool processes, each of which sends over its own.
    smtplib never pipelines: the sink offering PIPELINING or not changes nothing here."""
    with SmtpSink(SMTP_PORT, **sink_options) as sink:
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


IN_PROCESS_SMTP_PORT = 8154


def in_process(n: int, rounds: int, pipelining: bool = True) -> int:
    """--in-process: an aiosmtpd sink in a process of its own (bench/procs.py's, offering
    PIPELINING unless told not to), and this bench again in a process configured as the
    worker is (the settings are read at start-up)."""
    env = process_env(
        smtp_port=IN_PROCESS_SMTP_PORT,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(60),
        CONN_MAX_AGE="60",
        LOG_LEVEL="WARNING",
    )
    serve = (
        f"import sys; sys.path.insert(0, {str(BASE_DIR)!r})\n"
        "import logging; logging.getLogger('mail.log').setLevel(logging.WARNING)\n"
        "from bench.procs import SmtpSink\n"
        f"with SmtpSink({IN_PROCESS_SMTP_PORT}, pipelining={pipelining!r}):\n"
        "    print('ready', flush=True); sys.stdin.read()\n"
    )
    sink = subprocess.Popen(
        [sys.executable, "-c", serve], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        sink.stdout.readline()  # "ready"
        print(f"{n} reminders in one process, {rounds} rounds, load {load()}", flush=True)
        child = [sys.executable, __file__, "--in-process-child"]
        return subprocess.call([*child, "--reminders", str(n), "--rounds", str(rounds)], env=env)
    finally:
        sink.stdin.close()  # the sink stops at the end of its input
        sink.wait(30)


def in_process_child(n: int, rounds: int) -> int:
    import smtplib

    from betacowork.messaging.claim import outbox_claim
    from betacowork.messaging.sender import outbox_send_claimed

    def cycle(count: int, round_no: int) -> tuple[dict[str, float], dict[str, float]]:
        """CPU seconds of each phase: this process's, and PostgreSQL's + Redis's."""
        event = setup(count, round_no)
        topic = f"event:{event.pk}"
        cpu, services = {}, {}

        @contextlib.contextmanager
        def phase(name):
            pids = service_pids()
            started, services_started = time.process_time(), cpu_seconds(pids, children=False)
            yield
            cpu[name] = time.process_time() - started
            services[name] = cpu_seconds(pids, children=False) - services_started

        try:
            with mock.patch("betacowork.messaging.outbox.outbox_send_on_commit"), phase("sweep"):
                reminder_sweep_run()
            ids = list(
                Outbox.objects.filter(topic=topic).order_by("pk").values_list("pk", flat=True)
            )
            size = settings.OUTBOX_BATCH_SIZE
            with phase("sending"):
                sent = sum(
                    outbox_send_claimed(outbox_claim(ids=ids[i : i + size]))
                    for i in range(0, len(ids), size)
                )
            if sent != count or len(ids) != count:
                raise SystemExit(f"NOT OK: {len(ids)} rows, {sent} sent for {count}")
            data = MessageBuilder().envelope(Outbox.objects.filter(topic=topic).first())[2]
            with (
                phase("smtplib"),
                smtplib.SMTP("127.0.0.1", IN_PROCESS_SMTP_PORT, timeout=30) as smtp,
            ):
                for i in range(count):
                    smtp.sendmail("community@betacowork.test", [f"ref-{i}@bench.test"], data)
        finally:
            cleanup(event)
        return cpu, services

    cleanup(None)
    cycle(100, -1)  # warm-up: the URLconf imported, templates compiled, connections open
    for round_no in range(rounds):
        cpu, services = cycle(n, round_no)
        print(
            "  CPU ms per reminder: "
            + ", ".join(f"{name} {seconds / n * 1000:.3f}" for name, seconds in cpu.items())
            + f" (sweep + sending {(cpu['sweep'] + cpu['sending']) / n * 1000:.3f}); "
            + "PostgreSQL + Redis: "
            + ", ".join(f"{name} {seconds / n * 1000:.3f}" for name, seconds in services.items())
            + f"; load {load()}",
            flush=True,
        )
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reminders", type=int, default=7000)
    parser.add_argument("--rounds", type=int, default=2, help="pairs of runs (ABBA order)")
    parser.add_argument(
        "--warmup", type=int, default=600, help="reminders sent once, untimed, before the rounds"
    )
    parser.add_argument(
        "--concurrency", type=int, default=4, help="pool processes of the worker (compose: 4)"
    )
    parser.add_argument(
        "--late",
        action="store_true",
        help="the reminders due when the sweep runs (it writes and sends them at once; the "
        "clock from its trigger), instead of written ahead and sent when their time comes",
    )
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="CPU per reminder of the sweep, the sending and smtplib, in one process",
    )
    parser.add_argument("--in-process-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--rtt-ms",
        type=float,
        default=0.0,
        help="the sink this many milliseconds away (a proxy holds each chunk half of it each "
        "way), as a mail provider across the internet is; the database stays local",
    )
    parser.add_argument(
        "--no-pipelining",
        action="store_true",
        help="the sink does not offer PIPELINING (aiosmtpd's own EHLO reply): the worker "
        "waits for each command's reply, as smtplib does",
    )
    parser.add_argument(
        "--timeline",
        action="store_true",
        help="print each batch task's rows: when they were written and sent",
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
    if args.in_process_child:
        return in_process_child(args.reminders, args.rounds)
    if args.in_process:
        return in_process(args.reminders, args.rounds, pipelining=not args.no_pipelining)
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        sys.exit("Set CELERY_BROKER_URL=redis://...")
    n = args.reminders
    mode = "late" if args.late else "on-time"
    connections = args.reference_connections or args.concurrency
    sink = {"pipelining": not args.no_pipelining, "rtt_ms": args.rtt_ms}
    print(
        f"{n} reminders ({mode}), {args.rounds} rounds, "
        f"one worker (concurrency {args.concurrency}) "
        f"against {connections} smtplib connection(s), the sink "
        f"{'without' if args.no_pipelining else 'offering'} PIPELINING"
        f"{f' {args.rtt_ms:g} ms away' if args.rtt_ms else ''}, "
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
            run_reminders(args.warmup, -1, worker, sample, mode, **sink)
        for round_no in range(args.rounds):
            print(f"round {round_no + 1}")
            if round_no % 2 == 0 or not sample.exists():
                mine = run_reminders(n, round_no, worker, sample, mode, args.timeline, **sink)
                ref = run_reference(n, sample, connections, **sink)
            else:
                ref = run_reference(n, sample, connections, **sink)
                mine = run_reminders(n, round_no, worker, sample, mode, args.timeline, **sink)
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
