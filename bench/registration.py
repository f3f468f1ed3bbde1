"""Benchmark: the registration rush — 500 registration POSTs at once for a 50-seat event.

Modes (combine them; the databases are recreated once per run):
- default: one burst over HTTP — 500 guest POSTs (a thread and a connection each, released
  together by a barrier) against gunicorn; req/s, p50/p95, HTTP codes, and the confirmed /
  waitlisted / outbox counts read back (must be 50, 450, 500, the waitlist in arrival order).
- `--compare-reference`: `--rounds` rounds per server, each on a fresh event: the POST burst
  and an equal burst of GETs to the one-query reference page `/bench/reference/`
  (betacowork/reference.py, mounted by BENCH_REFERENCE_VIEW=1) in the same server, which
  goes first alternating. Per round: both req/s, the ratio, p50/p95; then the median ratio
  per server. Goal (issue 14): >= 0.5x.
- `--models sync:4x1,gthread:2x8`: one gunicorn per model, all started up front (idle ones
  cost nothing), so the models alternate round by round and see the same machine load.
- `--before PATH`: an older checkout (e.g. the commit before a change) alternated with this
  one — its own gunicorn per model against its own database `<database>_before`, and its
  `events/services.py` loaded in-process beside ours for the lock timing.
- `--lock-timing`: in-process (django.setup() on the bench database): `--lock-n` guest
  registrations one after another per code version on a fresh 50-seat event (confirmed and
  waitlisted paths), versions and a raw-SQL floor transaction alternating call by call; then
  8 threads (a connection each) per version. Every statement is timestamped with
  `connection.execute_wrapper`, the COMMIT by wrapping the backend's `_commit`. "Lock held"
  runs from the start of the `SELECT ... FOR UPDATE` (psycopg2 sends the implicit BEGIN
  inside it) to the return of COMMIT; the on-commit hook (the broker enqueue) runs after the
  lock is released and is shown apart. Goal: < 3 ms median. Then one POST per path through
  `django.test.Client`, every statement listed (goal: <= 5, BEGIN/COMMIT excluded), and the
  in-process CPU of a POST against a reference GET: reference/POST is the req/s ratio a
  CPU-bound burst cannot exceed, whatever the lock.

  On PostgreSQL the queue is one PL/pgSQL call (events/services/seat_queue.py): the function
  times its own steps (lock wait, count, the two INSERTs) and "lock held" runs from the lock
  being acquired (the server's clock) to the call's return in Python, COMMIT included.

Environment: DEBUG=0, a random SECRET_KEY, SECURE_SSL_REDIRECT=0, static files collected to a
temp folder, a filesystem Celery broker in a temp folder or `--broker redis://…/N` (outbox
rows are written and enqueued, nothing is sent), CONN_MAX_AGE=60. The load generator shares
the 2 cores: the load average is printed at the start, per round and at the end.

Run (from the repository root, PostgreSQL on 127.0.0.1:5432 as user postgres):
    .venv/bin/python bench/registration.py
    .venv/bin/python bench/registration.py --compare-reference --models sync:4x1,gthread:2x8
    .venv/bin/python bench/registration.py --compare-reference --lock-timing \
        --models gthread:2x8 --before /tmp/bc-before
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from registration_http import run_http
from registration_lock import (
    Recorder,
    capture_outcomes,
    lock_concurrent,
    lock_sequential,
)
from registration_post import client_cost, queries_per_post
from registration_setup import ROOT, Model, Tree, load, load_services, prepare


def run_lock_timing(args, before: Path | None) -> None:
    from events import services

    versions = {"after": services.event_register}
    if before:
        try:
            versions["before"] = load_services(before).event_register
        except ImportError as exc:
            # Its services are loaded beside ours, on our models: an older tree whose imports
            # no longer resolve here (e.g. members.models.Outbox before the messaging app)
            # can only be compared over HTTP.
            print(f"\nLock timing: {before}'s services do not load beside this tree ({exc});")
            print("timing this tree alone (the HTTP bursts above compared both).")
    recorder = Recorder()
    print(f"\nLock timing in-process ({', '.join(versions)}), {load()}", flush=True)
    from events.services import seat_queue

    original = capture_outcomes(recorder)
    try:
        with recorder.commits():
            sequential = lock_sequential(recorder, versions, args)
            concurrent = lock_concurrent(recorder, versions, args)
            per_post = queries_per_post(recorder, versions, args.capacity)
    finally:
        seat_queue.register = original
    client_cost(versions, args.capacity)
    print(
        "\n| code | lock held, sequential (ms) | without the WAL flush | concurrent, after "
        "acquiring | statements per POST |\n|---|---|---|---|---|"
    )
    for name in versions:
        s, c = sequential[name], concurrent[name]
        print(
            f"| {name} | {s['held']:.2f} | {s['before_commit']:.2f} | {c['after_acquired']:.2f} "
            f"| {per_post[name]} |"
        )
    s = sequential["after"]
    print(
        f"Goals: lock held < 3 ms median: {'met' if s['held'] < 3 else 'NOT met'} "
        f"({s['held']:.2f} ms; without the COMMIT's WAL flush {s['before_commit']:.2f} ms: "
        f"compare the raw-SQL floor above); <= 5 statements per POST: "
        f"{'met' if per_post['after'] <= 5 else 'NOT met'} ({per_post['after']})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--capacity", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="gthread")
    parser.add_argument("--models", help="several gunicorn models, e.g. sync:4x1,gthread:2x8")
    parser.add_argument("--compare-reference", action="store_true")
    parser.add_argument("--rounds", type=int, default=3, help="with --compare-reference")
    parser.add_argument("--lock-timing", action="store_true")
    parser.add_argument("--lock-n", type=int, default=200, help="registrations per variant")
    parser.add_argument("--lock-threads", type=int, default=8)
    parser.add_argument("--no-http", action="store_true", help="only --lock-timing")
    parser.add_argument(
        "--before", type=Path, help="an older checkout to alternate with (its own database)"
    )
    parser.add_argument("--port", type=int, default=8131)
    parser.add_argument("--database", default="bc_events_bench")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--broker",
        default="filesystem://",
        help="Celery broker the servers publish to, e.g. redis://127.0.0.1:6379/10 (nothing "
        "consumes it; a Redis database is flushed at the start)",
    )
    args = parser.parse_args()
    if not 1 <= args.requests <= 2000:
        raise SystemExit("--requests must be between 1 and 2000")
    if args.models:
        models = [Model.parse(spec) for spec in args.models.split(",")]
    else:
        models = [Model(args.worker_class, args.workers, args.threads)]

    print(f"Start: {load()} ({os.cpu_count()} cores), code in {ROOT}", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench-registration-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"{args.pg}/{args.database}",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "SECURE_SSL_REDIRECT": "0",
        "BENCH_REFERENCE_VIEW": "1",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SITE_URL": f"http://127.0.0.1:{args.port}",
        "STATIC_ROOT": str(tmp / "static"),
        "CELERY_BROKER_URL": args.broker,
        "CELERY_BROKER_DIR": str(tmp / "broker"),
        "CACHE_URL": "locmemcache://bench",
        # Guest POSTs carry their visitor's address in X-Forwarded-For (registration_http.py).
        "ALLAUTH_TRUSTED_PROXY_COUNT": "1",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "60",
    }
    if args.broker.startswith("redis://"):
        import redis

        redis.Redis.from_url(args.broker).flushdb()  # nothing consumes the bench's tasks
    trees = [Tree("after", ROOT, env, "default")]
    if args.before:
        before_env = {
            **env,
            "DATABASE_URL": f"{args.pg}/{args.database}_before",
            "STATIC_ROOT": str(tmp / "static-before"),
            "CELERY_BROKER_DIR": str(tmp / "broker-before"),
        }
        trees.append(Tree("before", args.before.resolve(), before_env, "before"))
    ok = True
    try:
        prepare(args, trees)
        if not args.no_http:
            ok = run_http(args, models, trees)
        if args.lock_timing:
            run_lock_timing(args, args.before)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\nEnd: {load()}")
    print("RESULT:", "OK" if ok else "WRONG COUNTS", flush=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
