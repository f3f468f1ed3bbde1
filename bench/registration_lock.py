"""bench/registration.py in-process: how long the event lock is held (every statement and
the COMMIT timed), sequentially and from 8 threads, against a raw-SQL floor transaction."""

from __future__ import annotations

import re
import statistics
import threading
import time
from contextlib import contextmanager

from registration_setup import load, make_event, outcome, pct, released_together


def label(sql: str) -> str:
    """A short name for a statement: verb, first table, joins, FOR UPDATE, ON CONFLICT."""
    text = " ".join(sql.split())
    if "bc_event_register" in text:
        return "SELECT bc_event_register(…) FOR UPDATE (one statement: lock … COMMIT)"
    upper = text.upper()
    verb = upper.split(" ", 1)[0]
    table = re.search(r'(?:FROM|INTO|UPDATE) "?(\w+)"?', text, re.IGNORECASE)
    name = f"{verb} {table[1]}" if table and verb not in ("SAVEPOINT", "RELEASE") else verb
    if verb == "SELECT" and "COUNT(" in upper:
        name = f"SELECT COUNT(…) {table[1] if table else ''}"
    if " JOIN " in upper:
        name += f" ({upper.count(' JOIN ')} joins)"
    for clause in ("FOR UPDATE", "ON CONFLICT", "RETURNING"):
        if clause in upper:
            name += f" {clause}"
    return name


class Recorder:
    """Timestamps, per thread, every statement (as an execute_wrapper) and every COMMIT."""

    def __init__(self) -> None:
        self.local = threading.local()

    def __call__(self, execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            end = time.perf_counter()
            if getattr(self.local, "records", None) is not None:
                self.add(label(sql), t0, end)

    def add(self, name: str, t0: float, end: float | None = None) -> None:
        records = getattr(self.local, "records", None)
        if records is not None:
            records.append((name, t0, end or time.perf_counter()))

    def start(self) -> None:
        self.local.records = []

    def stop(self) -> list[tuple[str, float, float]]:
        records, self.local.records = self.local.records, None
        return records

    @contextmanager
    def commits(self):
        """COMMIT does not go through execute wrappers: time the backend's `_commit`."""
        from django.db import connections

        backend = type(connections["default"])
        original = backend._commit

        def timed_commit(wrapper):
            t0 = time.perf_counter()
            try:
                return original(wrapper)
            finally:
                self.add("COMMIT", t0)

        backend._commit = timed_commit
        try:
            yield
        finally:
            backend._commit = original


def timed_registration(recorder: Recorder, register, event, email: str) -> dict:
    """One guest registration through `register` (an event_register); what happened from the
    FOR UPDATE to the COMMIT, in ms."""
    recorder.start()
    t0 = time.perf_counter()
    registration = register(event=event, name="Bench Guest", email=email, language="en")
    returned = time.perf_counter()
    records = recorder.stop()
    calls = [i for i, record in enumerate(records) if "bc_event_register" in record[0]]
    if calls:
        return timed_function(recorder, registration, records[calls[0]], t0, returned)
    lock = next(i for i, record in enumerate(records) if "FOR UPDATE" in record[0])
    end = next(i for i, record in enumerate(records) if record[0] == "COMMIT" and i > lock)
    held = (records[end][2] - records[lock][1]) * 1000
    statements = [(name, (stop - start) * 1000) for name, start, stop in records[lock : end + 1]]
    return {
        "status": registration.status,
        "held": held,
        "after_acquired": (records[end][2] - records[lock][2]) * 1000,
        "before_commit": (records[end][1] - records[lock][1]) * 1000,
        "python": held - sum(ms for _, ms in statements),
        "after_commit": (returned - records[end][2]) * 1000,
        "call": (returned - t0) * 1000,
        "statements": statements,
    }


def timed_function(recorder: Recorder, registration, record, t0: float, returned: float) -> dict:
    """The PostgreSQL path: one statement (events/services/seat_queue.py) takes the lock,
    counts, inserts and commits. The function times its own steps (`step_ms`); the lock is
    held from the moment it is acquired (`registered_at`, the server's clock) until COMMIT
    has returned to Python (this host's clock, the same clock): an upper bound."""
    _name, start, stop = record
    done, wall_returned = recorder.local.outcome
    wait, count, insert_registration, insert_outbox = done.step_ms
    after_acquired = (wall_returned - done.registered_at.timestamp()) * 1000
    inside = count + insert_registration + insert_outbox
    statements = [
        ("SELECT events_event FOR UPDATE (in the function: waiting included)", wait),
        ("SELECT COUNT(…) events_registration (in the function)", count),
        ("INSERT events_registration (in the function)", insert_registration),
        ("INSERT members_outbox (in the function)", insert_outbox),
        ("COMMIT and the answer back to Python", after_acquired - inside),
    ]
    return {
        "status": registration.status,
        "held": (stop - start) * 1000,
        "after_acquired": after_acquired,
        "before_commit": wait + inside,
        "python": 0.0,
        "after_commit": (returned - stop) * 1000,
        "call": (returned - t0) * 1000,
        "statements": statements,
    }


def capture_outcomes(recorder: Recorder):
    """Wrap the service's call of the function so the bench sees its step timings."""
    from events.services import seat_queue

    original = seat_queue.register

    def register(**kwargs):
        done = original(**kwargs)
        recorder.local.outcome = (done, time.time())
        return done

    seat_queue.register = register
    return original


FIGURES = [
    ("held", "lock held: FOR UPDATE start → COMMIT returned"),
    ("after_acquired", "FOR UPDATE returned → COMMIT returned"),
    ("before_commit", "FOR UPDATE start → COMMIT sent (without the WAL flush)"),
    ("python", "Python inside the lock (held - statements)"),
    ("after_commit", "after the lock: on-commit hook (broker enqueue)"),
    ("call", "whole event_register() call"),
]


def lock_report(title: str, results: list[dict], wall: float) -> dict[str, float]:
    """Prints the lock figures and the statements inside it; returns the medians."""
    print(f"\n{title}: {len(results)} registrations, {wall:.2f} s in event_register, {load()}")
    print("| figure (ms) | median | p95 | max |\n|---|---|---|---|")
    medians = {}
    for key, name in FIGURES:
        values = [r[key] for r in results]
        medians[key] = statistics.median(values)
        print(f"| {name} | {medians[key]:.2f} | {pct(values, 0.95):.2f} | {max(values):.2f} |")
    for status in ("confirmed", "waitlisted"):
        values = [r["held"] for r in results if r["status"] == status]
        if values:
            print(
                f"| lock held, {status} ({len(values)}) | {statistics.median(values):.2f} "
                f"| {pct(values, 0.95):.2f} | {max(values):.2f} |"
            )
    shapes: dict[tuple[int, str], list[float]] = {}
    for result in results:
        for position, (name, ms) in enumerate(result["statements"]):
            shapes.setdefault((position, name), []).append(ms)
    print("\n| # | statement inside the lock | runs | median ms | p95 ms |\n|---|---|---|---|---|")
    for (position, name), values in sorted(shapes.items()):
        print(
            f"| {position + 1} | {name} | {len(values)} | {statistics.median(values):.2f} "
            f"| {pct(values, 0.95):.2f} |"
        )
    return medians


def floor_transaction(pk: int) -> tuple[float, float]:
    """The least a locked write can cost here: FOR UPDATE, a one-row UPDATE, COMMIT, in raw
    SQL. Returns (FOR UPDATE start -> COMMIT returned, COMMIT alone), in ms."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        t0 = time.perf_counter()
        with transaction.atomic():
            cursor.execute("SELECT id FROM events_event WHERE id = %s FOR UPDATE", [pk])
            cursor.execute("UPDATE events_event SET capacity = capacity WHERE id = %s", [pk])
            t1 = time.perf_counter()
        t2 = time.perf_counter()
    return (t2 - t0) * 1000, (t2 - t1) * 1000


def lock_sequential(recorder: Recorder, versions: dict, args) -> dict[str, dict]:
    """`--lock-n` registrations one after another per code version on its own fresh event,
    the versions and the floor transaction alternating call by call (same machine load)."""
    from django.db import connection

    from events.models import Event

    def lean(event):
        return Event.objects.only("pk", "slug").get(pk=event.pk)

    warm = lean(make_event("bench-lock-warm", 1000))
    floor_pk = make_event("bench-lock-floor", 1).pk
    events = {name: lean(make_event(f"bench-lock-seq-{name}", args.capacity)) for name in versions}
    results: dict[str, list[dict]] = {name: [] for name in versions}
    floors = []
    with connection.execute_wrapper(recorder):
        # 50 rounds of warm-up: caches, and the disk's write-back after the migrations.
        for i in range(50):
            for name, register in versions.items():
                timed_registration(recorder, register, warm, f"warm-{name}{i}@bench.test")
            floor_transaction(floor_pk)
        for i in range(args.lock_n):
            for name, register in versions.items():
                email = f"s{i:05d}@bench.test"
                results[name].append(timed_registration(recorder, register, events[name], email))
            floors.append(floor_transaction(floor_pk))
    medians = {}
    for name, found in results.items():
        wall = sum(r["call"] for r in found) / 1000
        title = f"Sequential ({name}), one connection, {args.capacity} seats"
        medians[name] = lock_report(title, found, wall)
    whole, commit = [f[0] for f in floors], [f[1] for f in floors]
    print(
        f"\nFloor (raw SQL, alternated with the above): FOR UPDATE + UPDATE + COMMIT median "
        f"{statistics.median(whole):.2f} ms (p95 {pct(whole, 0.95):.2f}), "
        f"of which COMMIT {statistics.median(commit):.2f} ms"
    )
    return medians


def concurrent_phase(recorder: Recorder, register, event, indices: range, workers: int):
    """`workers` threads in this process (like one gthread worker), a connection each,
    registering the guests `indices` on `event`. Returns (results, wall seconds)."""
    from django.db import connection, connections

    results: list[dict] = []

    def work(k: int, barrier: threading.Barrier) -> None:
        with connection.execute_wrapper(recorder):
            connection.ensure_connection()
            barrier.wait()
            mine = [
                timed_registration(recorder, register, event, f"c{i:05d}@bench.test")
                for i in indices[k::workers]
            ]
        results.extend(mine)
        connections.close_all()

    return results, released_together(work, workers)


def lock_concurrent(recorder: Recorder, versions: dict, args) -> dict[str, dict]:
    """`--lock-threads` threads per version on its own fresh event, in two halves, the
    versions alternating half by half."""
    from events.models import Event

    events = {
        name: Event.objects.only("pk", "slug").get(
            pk=make_event(f"bench-lock-conc-{name}", args.capacity).pk
        )
        for name in versions
    }
    results: dict[str, list[dict]] = {name: [] for name in versions}
    walls = dict.fromkeys(versions, 0.0)
    half = args.lock_n // 2
    for indices in (range(half), range(half, args.lock_n)):
        for name, register in versions.items():
            found, wall = concurrent_phase(
                recorder, register, events[name], indices, args.lock_threads
            )
            results[name] += found
            walls[name] += wall
    medians = {}
    for name, found in results.items():
        confirmed, waitlisted, _, in_order = outcome(f"bench-lock-conc-{name}")
        print(
            f"\nConcurrent ({name}): {confirmed} confirmed, {waitlisted} waitlisted, waitlist "
            f"{'in order' if in_order else 'OUT OF ORDER'}; {len(found) / walls[name]:.0f} "
            f"registrations/s over {walls[name]:.2f} s"
        )
        title = f"Concurrent ({name}), {args.lock_threads} threads x own connection"
        medians[name] = lock_report(title, found, walls[name])
    return medians
