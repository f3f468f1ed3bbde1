"""Benchmark: the micro-economy dashboard with 10,000 members and 5,000 collaborations.

What it does
1. Creates (once) a dedicated PostgreSQL database (default `bc_collab_bench`), migrates it,
   and fills it: the demo's spaces, companies and named people, 10,000 generated members
   (`members.demo.generated_members_create`: 5 % hidden profiles, 40 % public), 60 past
   events of every kind, and 5,000 collaborations (about 90 % confirmed, a mix of kinds,
   visibilities, origins, values, 2-4 participants each). Deterministic; kept between runs.
2. Starts gunicorn on 127.0.0.1 (4 sync workers, DEBUG=0, a long random SECRET_KEY,
   SECURE_SSL_REDIRECT=0, static files collected to a temp folder), once with the dashboard
   cache off (every request aggregates in the database) and once with it on (Redis cache,
   db 4), and runs `wrk` against each page for a bounded duration on loopback:
   the reference view /bench/reference/, the dashboard as an anonymous visitor, and the
   dashboard as a logged-in member (a session cookie made for a generated member).
3. Prints req/s and p50/p95/p99 latency side by side, and the number of SQL queries one
   dashboard request makes.

Run (from the repository root; PostgreSQL on 127.0.0.1:5432 as user postgres; Redis on
127.0.0.1:6379; `apt-get install -y wrk` once):
    .venv/bin/python bench/dashboard.py
    .venv/bin/python bench/dashboard.py --duration 20 --connections 8 --port 8141
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")

POPULATE = r"""
import random
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import transaction
from django.utils import timezone

from collaborations.models import Collaboration, Participant
from events.models import Event, EventKind
from members.demo import GENERATED_DOMAIN, _seed_core, generated_members_create, new_world
from members.models import Company, Space, User

MEMBERS, COLLABS = {members}, {collabs}
world = new_world(members=MEMBERS, log=lambda line: None)
if not Space.objects.exists():
    _seed_core(world)
made = generated_members_create(world, MEMBERS)
spaces = list(Space.objects.order_by("pk"))
kinds = {{k.slug: k for k in EventKind.objects.all()}}
now = timezone.now()
events = []
for n in range(60):
    kind = ["betacooks", "betacooks", "speed-networking", "talk", "it-day", "workshop"][n % 6]
    start = now - timedelta(days=7 + 30 * n)
    event, _ = Event.objects.get_or_create(
        slug=f"bench-event-{{n}}",
        defaults=dict(
            title=f"{{kinds[kind].name_en}} #{{n}}", kind=kinds[kind], start=start,
            end=start + timedelta(hours=2), space=spaces[n % len(spaces)],
            status="published", visibility="public",
        ),
    )
    events.append(event)
have = Collaboration.objects.count()
if have < COLLABS:
    rng = random.Random(777)
    users = list(
        User.objects.filter(email__endswith="@" + GENERATED_DOMAIN)
        .order_by("pk").values_list("pk", "name")
    )
    companies = list(Company.objects.values_list("pk", "name"))
    kind_values = [k for k, _ in Collaboration.Kind.choices]
    roles = [r for r, _ in Participant.Role.choices]
    with transaction.atomic():
        rows, plan = [], []
        for i in range(have, COLLABS):
            author = rng.choice(users)
            roll = rng.random()
            origin, event, introducer = "space", None, None
            if roll < 0.4:
                origin, event = "event", rng.choice(events)
            elif roll < 0.6:
                origin, introducer = "introduction", rng.choice(users)[0]
            elif roll < 0.7:
                origin = "other"
            confirmed = rng.random() < 0.9
            rows.append(Collaboration(
                title=f"Bench collaboration {{i}}", kind=rng.choice(kind_values),
                start_date=date(rng.randint(2015, 2026), rng.randint(1, 10), rng.randint(1, 28)),
                value_eur=Decimal(rng.choice([0, 500, 1500, 4000, 12000, 60000]))
                if rng.random() < 0.7 else None,
                origin_type=origin, origin_event=event, introduced_by_id=introducer,
                space=event.space if event else spaces[0], chapter=None,
                visibility=rng.choice(["public", "public", "members", "participants"]),
                status="confirmed" if confirmed else "proposed",
                confirmed_at=now if confirmed else None,
                author_id=author[0], author_name=author[1],
            ))
            others = rng.sample(users, rng.choice([1, 1, 2, 3]))
            company = rng.choice(companies) if rng.random() < 0.2 else None
            plan.append((author, others, company, confirmed))
        Collaboration.objects.bulk_create(rows, batch_size=1000)
        parts = []
        for collab, (author, others, company, confirmed) in zip(rows, plan):
            state = "confirmed" if confirmed else "pending"
            parts.append(Participant(collaboration=collab, user_id=author[0], name=author[1],
                                     role=rng.choice(roles), state="confirmed", confirmed_at=now))
            for uid, name in others:
                if uid == author[0]:
                    continue
                parts.append(Participant(collaboration=collab, user_id=uid, name=name,
                                         role=rng.choice(roles), state=state,
                                         confirmed_at=now if confirmed else None))
            if company:
                parts.append(Participant(collaboration=collab, company_id=company[0],
                                         name=company[1], role="client", state=state,
                                         confirmed_at=now if confirmed else None))
        Participant.objects.bulk_create(parts, batch_size=2000)
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")  # fresh planner statistics after the bulk inserts
viewer = User.objects.get(email="member00042@" + GENERATED_DOMAIN)
session = SessionStore()
session[SESSION_KEY] = str(viewer.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = viewer.get_session_auth_hash()
session.create()
print("MEMBERS", User.objects.filter(email__endswith="@" + GENERATED_DOMAIN).count())
print("COLLABS", Collaboration.objects.count(), Collaboration.objects.confirmed().count())
print("PARTICIPANTS", Participant.objects.count())
print("SESSION", session.session_key)
"""

QUERIES = r"""
import time
from django.db import connection
from django.test.utils import CaptureQueriesContext
from collaborations.selectors import MEMBER, PUBLIC, dashboard_compute

def median(values):
    return sorted(values)[len(values) // 2]

# In-process, before any HTTP: where one uncached computation spends its time.
for name, audience in (("public", PUBLIC), ("member", MEMBER)):
    dashboard_compute(audience)
    walls, cpus, sqls = [], [], []
    for _ in range(15):
        with CaptureQueriesContext(connection) as ctx:
            t, c = time.perf_counter(), time.process_time()
            data = dashboard_compute(audience)
            walls.append((time.perf_counter() - t) * 1000)
            cpus.append((time.process_time() - c) * 1000)
        sqls.append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
    print(f"QUERIES {name}: {len(ctx.captured_queries)} queries, "
          f"{len(data['graph']['nodes'])} graph nodes, {len(data['graph']['edges'])} edges; "
          f"dashboard_compute median {median(walls):.1f} ms (SQL ~{median(sqls):.0f} ms, "
          f"Python CPU {median(cpus):.1f} ms)")
"""

LUA = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format("RESULT %d %d %.2f %.2f %.2f %d %d\\n", summary.requests,
    summary.duration, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.errors.status, errors))
end
"""

SETTINGS_SHIM = """
import os
from betacowork.settings import *  # noqa: F403
COLLABORATIONS_DASHBOARD_CACHE = int(os.environ.get("COLLAB_BENCH_CACHE", "0"))
"""


def sh(cmd: list[str], env: dict, **kw) -> str:
    return subprocess.run(cmd, env=env, check=True, capture_output=True, text=True, **kw).stdout


def ensure_database(name: str) -> None:
    listed = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-lqtA", "-F", "|"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    if name not in {line.split("|")[0] for line in listed.splitlines()}:
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)


def wait_for(port: int, timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/bench/reference/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer on port {port}")


def fetch(port: int, path: str, cookie: str = "") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = conn.getresponse()
    return response.status, response.read()


def wrk(port: int, path: str, *, duration: int, connections: int, lua: str, cookie: str) -> dict:
    cmd = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        lua,
        f"http://127.0.0.1:{port}{path}",
    ]
    if cookie:
        cmd[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(
        cmd, check=True, capture_output=True, text=True, timeout=duration + 60
    ).stdout
    m = re.search(r"RESULT (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+) (\d+)", out)
    if not m:
        raise SystemExit(f"could not read wrk's output:\n{out}")
    requests, micros = int(m[1]), int(m[2])
    return {
        "rps": requests / (micros / 1e6),
        "p50": float(m[3]),
        "p95": float(m[4]),
        "p99": float(m[5]),
        "non2xx": int(m[6]),
        "errors": int(m[7]),
        "requests": requests,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="bc_collab_bench")
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--collaborations", type=int, default=5_000)
    parser.add_argument("--port", type=int, default=8141)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/4")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")

    tmp = Path(tempfile.mkdtemp(prefix="collab-bench-"))
    (tmp / "collab_bench_settings.py").write_text(SETTINGS_SHIM)
    (tmp / "report.lua").write_text(LUA)
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.db}",
        "CACHE_URL": args.redis,
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_BROKER_DIR": str(tmp / "broker"),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "SECURE_SSL_REDIRECT": "0",
        "BENCH_REFERENCE_VIEW": "1",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"http://127.0.0.1:{args.port}",
        "STATIC_ROOT": str(tmp / "static"),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": f"{tmp}:{ROOT}",
        "DJANGO_SETTINGS_MODULE": "collab_bench_settings",
    }
    manage = [PY, str(ROOT / "manage.py")]
    print(f"Database {args.db}: migrating and filling (kept between runs)…", flush=True)
    ensure_database(args.db)
    sh([*manage, "migrate", "--noinput", "-v0"], env, cwd=ROOT)
    started = time.monotonic()
    script = POPULATE.format(members=args.members, collabs=args.collaborations)
    out = sh([*manage, "shell", "-c", script], env, cwd=ROOT)
    print(out.strip().replace("SESSION ", "session "), f"({time.monotonic() - started:.0f} s)")
    session = re.search(r"SESSION (\w+)", out)[1]
    print(sh([*manage, "shell", "-c", QUERIES], env, cwd=ROOT).strip())
    sh([*manage, "collectstatic", "--noinput", "-v0"], env, cwd=ROOT)

    # Other work on the machine moves every figure: say how loaded it was.
    load_before = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    print(f"load average {load_before} ({os.cpu_count()} CPUs)", flush=True)
    pages = [
        ("reference /bench/reference/", "/bench/reference/", ""),
        ("dashboard, anonymous", "/collaborations/dashboard/", ""),
        ("dashboard, member", "/collaborations/dashboard/", f"sessionid={session}"),
    ]
    results = []
    for cache_seconds in (0, 300):
        run_env = {**env, "COLLAB_BENCH_CACHE": str(cache_seconds)}
        sh(["redis-cli", "-u", args.redis, "FLUSHDB"], run_env)
        server = subprocess.Popen(
            [
                GUNICORN,
                "betacowork.wsgi:application",
                "-w",
                str(args.workers),
                "-k",
                "sync",
                "-b",
                f"127.0.0.1:{args.port}",
                "--log-level",
                "warning",
            ],
            env=run_env,
            cwd=ROOT,
            start_new_session=True,
        )
        try:
            wait_for(args.port)
            for label, path, cookie in pages:
                if cache_seconds and "reference" in label:
                    continue
                status, body = fetch(args.port, path, cookie)
                assert status == 200, (label, status, body[:500])
                if "member" in label:
                    assert b"Log out" in body or b"logout" in body, "member session not accepted"
                for _ in range(args.workers * 2):  # warm every worker (and the cache)
                    fetch(args.port, path, cookie)
                r = wrk(
                    args.port,
                    path,
                    duration=args.duration,
                    connections=args.connections,
                    lua=str(tmp / "report.lua"),
                    cookie=cookie,
                )
                name = (
                    label
                    if "reference" in label
                    else (f"{label}, {'cache on' if cache_seconds else 'no cache'}")
                )
                results.append((name, r))
                print(
                    f"  {name:<38} {r['rps']:8.1f} req/s  p50 {r['p50']:7.1f} ms  "
                    f"p95 {r['p95']:7.1f} ms  p99 {r['p99']:7.1f} ms  "
                    f"({r['requests']} requests, {r['non2xx']} non-2xx, {r['errors']} errors)",
                    flush=True,
                )
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    shutil.rmtree(tmp, ignore_errors=True)

    print()
    print(
        f"wrk -t2 -c{args.connections} -d{args.duration}s on 127.0.0.1, gunicorn "
        f"{args.workers} sync workers, DEBUG=0, PostgreSQL {args.db}; {os.cpu_count()} CPUs, "
        f"load average {load_before} before the runs, "
        + "{:.2f} {:.2f} {:.2f} after".format(*os.getloadavg())
    )
    print(f"{'page':<40}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for name, r in results:
        print(f"{name:<40}{r['rps']:>9.1f}{r['p50']:>9.1f}{r['p95']:>9.1f}{r['p99']:>9.1f}")
    if any(r["non2xx"] or r["errors"] for _, r in results):
        sys.exit("some requests failed")


if __name__ == "__main__":
    main()
