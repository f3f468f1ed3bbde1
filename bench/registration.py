"""Benchmark: 500 concurrent registration POSTs over HTTP for a 50-seat event.

What it does
1. (Re)creates a dedicated PostgreSQL database (default `bc_events_bench`), migrates it, and
   creates one published public event with 50 seats.
2. Starts gunicorn on 127.0.0.1 (DEBUG=0, a long random SECRET_KEY, SECURE_SSL_REDIRECT=0,
   static files collected to a temp folder, a filesystem Celery broker in a temp folder so
   no worker or Redis is needed: the outbox rows are written, nothing is sent).
3. Fetches the event page once for a CSRF cookie and token, then fires N POSTs at once
   (one thread each, released together by a barrier). Every POST is a distinct *guest*
   registration (name + email), the path a non-member takes.
4. Prints req/s, p50/p95/max latency, HTTP status counts, and the confirmed and waitlisted
   counts read back from the database (must be 50 and 450), then stops gunicorn.

What one POST costs (measured 2026-11-22, a 2-core machine shared with other work):
- SQL: a lean read of the event (visibility), then BEGIN; the locked read of the event;
  ONE aggregate (confirmed, waitlisted, "already registered" by lower(email)); INSERT the
  registration; SAVEPOINT, INSERT … ON CONFLICT into the outbox, read its id, RELEASE;
  COMMIT. What runs after the locked read is the queue every other POST waits in: 6
  statements and the COMMIT (11 before: a separate exists() query, a savepoint around the
  INSERT, the outbox's get_or_create). No session write (messages ride in a cookie), no
  password hashing.
- Python: ~8-10 ms of CPU per POST in-process (Django's ORM query building is most of it;
  rendering the three email templates ~1 ms, the .ics attachment ~1 ms for a confirmed seat).
- The COMMIT waits for the WAL flush, inside the lock: on a busy disk that is the largest
  single item (2-5 ms). It stays: a confirmed seat must survive a database crash.
When the machine is shared, req/s follows the CPU left over more than the lock.

Run (from the repository root, PostgreSQL on 127.0.0.1:5432 as user postgres):
    .venv/bin/python bench/registration.py
    .venv/bin/python bench/registration.py --requests 500 --capacity 50 --workers 4 --threads 8
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")

SETUP = """
from datetime import timedelta
from django.utils import timezone
from events.models import Event, EventKind
from members.models import Space
space, _ = Space.objects.get_or_create(
    slug="betacowork", defaults=dict(name="Betacowork", city="Brussels")
)
Event.objects.filter(slug="bench-betacooks").delete()
Event.objects.create(
    title="Bench Betacooks", slug="bench-betacooks", kind=EventKind.objects.get(slug="betacooks"),
    start=timezone.now() + timedelta(days=3), end=timezone.now() + timedelta(days=3, hours=1),
    space=space, capacity=CAPACITY, status="published", visibility="public",
)
"""

COUNT = """
from events.models import Event
from members.models import Outbox
e = Event.objects.get(slug="bench-betacooks")
print(e.registrations.confirmed().count(), e.registrations.waitlisted().count(),
      Outbox.objects.filter(topic=f"event:{e.pk}").count())
"""


def sh(cmd: list[str], env: dict, **kw) -> str:
    return subprocess.run(cmd, env=env, check=True, capture_output=True, text=True, **kw).stdout


def wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.25)
    raise SystemExit(f"gunicorn did not answer on port {port}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--capacity", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--port", type=int, default=8131)
    parser.add_argument("--database", default="bc_events_bench")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    if not 1 <= args.requests <= 2000:
        raise SystemExit("--requests must be between 1 and 2000")

    exit_code = 0
    tmp = Path(tempfile.mkdtemp(prefix="bench-registration-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"{args.pg}/{args.database}",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"http://127.0.0.1:{args.port}",
        "STATIC_ROOT": str(tmp / "static"),
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_BROKER_DIR": str(tmp / "broker"),
        "CACHE_URL": "locmemcache://bench",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "60",
    }
    host = args.pg.split("@")[-1].split(":")[0]
    port = args.pg.rsplit(":", 1)[-1]
    print(f"Database {args.database}: recreating and migrating…", flush=True)
    subprocess.run(
        ["dropdb", "-h", host, "-p", port, "-U", "postgres", "--if-exists", args.database],
        check=True,
    )
    pg = ["-h", host, "-p", port, "-U", "postgres"]
    subprocess.run(["createdb", *pg, args.database], check=True)
    setup = SETUP.replace("CAPACITY", str(args.capacity))
    sh([PY, "manage.py", "migrate", "--noinput", "-v0"], env, cwd=ROOT)
    sh([PY, "manage.py", "collectstatic", "--noinput", "-v0"], env, cwd=ROOT)
    sh([PY, "manage.py", "shell", "-c", setup], env, cwd=ROOT)

    print(
        f"gunicorn: {args.workers} workers x {args.threads} threads on 127.0.0.1:{args.port}",
        flush=True,
    )
    server = subprocess.Popen(
        [
            GUNICORN,
            "betacowork.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--worker-class",
            "gthread",
            "--backlog",
            "2048",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        wait_for(args.port)
        # One GET for the CSRF cookie and the form's token (shared by every POST).
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
        conn.request("GET", "/events/bench-betacooks/")
        response = conn.getresponse()
        page = response.read().decode()
        if response.status != 200:
            raise SystemExit(f"event page answered {response.status}")
        cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "").group(1)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        # Warm every worker (imports, template loading, DB connections) before measuring.
        for _ in range(args.workers * 4):
            c = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
            c.request("GET", "/events/bench-betacooks/")
            c.getresponse().read()

        n = args.requests
        barrier = threading.Barrier(n + 1)
        latencies: list[float] = [0.0] * n
        statuses: list[int] = [0] * n

        def post(i: int) -> None:
            body = urlencode(
                {
                    "csrfmiddlewaretoken": token,
                    "name": f"Bench Guest {i:04d}",
                    "email": f"guest{i:04d}@bench.test",
                    "note": "",
                }
            )
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={cookie}",
            }
            c = http.client.HTTPConnection("127.0.0.1", args.port, timeout=120)
            barrier.wait()
            t0 = time.perf_counter()
            try:
                c.request("POST", "/events/bench-betacooks/register/", body, headers)
                r = c.getresponse()
                r.read()
                statuses[i] = r.status
            except OSError:
                statuses[i] = -1
            latencies[i] = time.perf_counter() - t0
            c.close()

        threads = [threading.Thread(target=post, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        barrier.wait()
        start = time.perf_counter()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start

        confirmed, waitlisted, outbox = sh(
            [PY, "manage.py", "shell", "-c", COUNT], env, cwd=ROOT
        ).split()[-3:]
        lat = sorted(latencies)
        p50 = statistics.median(lat)
        p95 = lat[max(round(0.95 * n) - 1, 0)]
        codes: dict[int, int] = {}
        for s in statuses:
            codes[s] = codes.get(s, 0) + 1
        print()
        print(
            "| requests | concurrency | gunicorn | wall (s) | req/s | p50 (ms) | p95 (ms) "
            "| max (ms) | HTTP | confirmed | waitlisted | outbox rows |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        print(
            f"| {n} | {n} | {args.workers}w x {args.threads}t | {wall:.2f} | {n / wall:.0f} "
            f"| {p50 * 1000:.0f} | {p95 * 1000:.0f} | {lat[-1] * 1000:.0f} "
            f"| {', '.join(f'{k}: {v}' for k, v in sorted(codes.items()))} "
            f"| {confirmed} | {waitlisted} | {outbox} |"
        )
        ok = int(confirmed) == args.capacity and int(waitlisted) == n - args.capacity
        print()
        print("RESULT:", "OK" if ok else "WRONG COUNTS", flush=True)
        if not ok:
            exit_code = 1
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(exit_code)


if __name__ == "__main__":
    main()
