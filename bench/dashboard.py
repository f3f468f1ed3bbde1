"""Benchmark: the micro-economy dashboard with 10,000 members and 5,000 collaborations.

What it does
1. Creates (once) a dedicated PostgreSQL database (default `bc_collab_bench`), migrates it,
   and fills it: the demo's spaces, companies and named people, 10,000 generated members
   (`members.demo.generated_members_create`: 5 % hidden profiles, 40 % public), 60 past
   events of every kind, and 5,000 collaborations (about 90 % confirmed, a mix of kinds,
   visibilities, origins, values, 2-4 participants each), then recounts the dashboard's
   tallies (the rows are bulk-written, past the services). Deterministic; kept between runs.
2. In-process, times one uncached `dashboard_compute` per audience, the current one (read
   from the tallies) and the one of an older commit (`--before`, aggregating the ledger,
   loaded beside it) alternating, with their SQL queries and whether their totals agree;
   then the whole page drawn (no snapshot kept) against the page read from its snapshot.
3. Starts gunicorn on 127.0.0.1 (4 sync workers, DEBUG=0, a long random SECRET_KEY,
   SECURE_SSL_REDIRECT=0, static files collected to a temp folder) three times: the shared
   dashboard cache off (requests read the stored snapshot), off while the generation moves
   every `--change-every` seconds (as after a confirmation: every worker draws the page
   again), and on (Redis cache, db 4); runs `wrk` on the dashboard as an anonymous visitor
   and as a logged-in member (a session cookie made for a generated member), each
   alternating with the reference view /bench/reference/ in `--rounds` short runs, so both
   see the same machine load.
4. Prints req/s and p50/p95 latency, the ratio to the reference (issue 14's goal: at least
   0.5x with the cache off) and the load average.

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
import threading
import time
from pathlib import Path

from dashboard_shell import POPULATE, QUERIES  # bench/ is no package: its own folder is on the path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")


REFERENCE = "/bench/reference/"

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


def bench_env(args, tmp: Path) -> dict:
    return {
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


def prepare(args, env: dict) -> str:
    """Migrate and fill the database (once), time both dashboard versions in-process; the
    member's session key."""
    manage = [PY, str(ROOT / "manage.py")]
    print(f"Database {args.db}: migrating and filling (kept between runs)…", flush=True)
    ensure_database(args.db)
    sh([*manage, "migrate", "--noinput", "-v0"], env, cwd=ROOT)
    started = time.monotonic()
    script = POPULATE.format(members=args.members, collabs=args.collaborations)
    out = sh([*manage, "shell", "-c", script], env, cwd=ROOT)
    print(out.strip().replace("SESSION ", "session "), f"({time.monotonic() - started:.0f} s)")
    before_source = sh(["git", "show", f"{args.before}:collaborations/selectors.py"], env, cwd=ROOT)
    print(f"load average {load()}; in-process, now and before ({args.before}) alternating:")
    sh([*manage, "collectstatic", "--noinput", "-v0"], env, cwd=ROOT)  # the page needs it
    code = QUERIES.format(before_source=before_source)
    print(sh([*manage, "shell", "-c", code], env, cwd=ROOT).strip())
    return re.search(r"SESSION (\w+)", out)[1]


def load() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def combine(runs: list[dict]) -> dict:
    """Several wrk runs as one: req/s over their total time, the median latencies."""
    total = sum(r["requests"] for r in runs)
    out = {"rps": total / sum(r["requests"] / r["rps"] for r in runs), "requests": total}
    for key in ("p50", "p95", "p99"):
        out[key] = sorted(r[key] for r in runs)[len(runs) // 2]
    out["non2xx"] = sum(r["non2xx"] for r in runs)
    out["errors"] = sum(r["errors"] for r in runs)
    return out


class Churn:
    """What a change to the ledger does to the stored snapshots, every `every` seconds for
    the length of a run: the generation moves and the snapshots are dropped (as after a
    confirmation's commit), so the page is drawn again on the next visits."""

    def __init__(self, db: str, every: float) -> None:
        import psycopg2

        self.conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname=db)
        self.conn.autocommit = True
        self.every, self.count = every, 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        with self.conn.cursor() as cursor:
            while not self.done.wait(self.every):
                cursor.execute(
                    "INSERT INTO collaborations_dashboardgeneration (id, n) VALUES (1, 1) "
                    "ON CONFLICT (id) DO UPDATE SET n = collaborations_dashboardgeneration.n + 1"
                )
                cursor.execute("DELETE FROM collaborations_dashboardsnapshot")
                self.count += 1

    def stop(self) -> None:
        self.done.set()
        self.thread.join()
        self.conn.close()


def measure(args, tmp: Path, session: str, cache_seconds: int, churn: float) -> list[tuple]:
    """Each dashboard page alternating with the reference in `--rounds` wrk runs."""
    pages = [
        ("dashboard, anonymous", "/collaborations/dashboard/", ""),
        ("dashboard, member", "/collaborations/dashboard/", f"sessionid={session}"),
    ]
    part = max(1, args.duration // args.rounds)
    rows = []
    for label, path, cookie in pages:
        status, body = fetch(args.port, path, cookie)
        assert status == 200, (label, status, body[:500])
        if "member" in label:
            assert b"Log out" in body or b"logout" in body, "member session not accepted"
        runs: dict[str, list] = {"page": [], "ref": []}
        for url, c in ((path, cookie), (REFERENCE, cookie)):
            for _ in range(args.workers * 2):  # warm every worker (and the cache)
                fetch(args.port, url, c)
        for _ in range(args.rounds):
            for key, url in (("page", path), ("ref", REFERENCE)):
                runs[key].append(
                    wrk(
                        args.port,
                        url,
                        duration=part,
                        connections=args.connections,
                        lua=str(tmp / "report.lua"),
                        cookie=cookie,
                    )
                )
        page, ref = combine(runs["page"]), combine(runs["ref"])
        name = f"{label}, {'cache on' if cache_seconds else 'no cache'}"
        if churn:
            name += f", a change every {churn:g} s"
        per_round = " ".join(
            f"{p['rps'] / r['rps']:.2f}" for p, r in zip(runs["page"], runs["ref"], strict=True)
        )
        rows.append((name, page, ref, load()))
        print(
            f"  {name:<52} {page['rps']:7.1f} req/s (p50 {page['p50']:.1f} ms) vs reference "
            f"{ref['rps']:7.1f} req/s: {page['rps'] / ref['rps']:.2f}x (per round {per_round}; "
            f"{page['non2xx'] + page['errors']} failed; load {load()})",
            flush=True,
        )
    return rows


def serve(args, run_env: dict) -> subprocess.Popen:
    return subprocess.Popen(
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="bc_collab_bench")
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--collaborations", type=int, default=5_000)
    parser.add_argument("--port", type=int, default=8141)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--duration", type=int, default=15, help="seconds of load per page")
    parser.add_argument("--rounds", type=int, default=3, help="page/reference alternations")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--change-every", type=float, default=1.0, help="seconds between changes in the churn run"
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/4")
    parser.add_argument(
        "--before", default="18e8e92", help="commit whose dashboard is timed in-process beside"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")

    tmp = Path(tempfile.mkdtemp(prefix="collab-bench-"))
    (tmp / "collab_bench_settings.py").write_text(SETTINGS_SHIM)
    (tmp / "report.lua").write_text(LUA)
    env = bench_env(args, tmp)
    session = prepare(args, env)
    # Other work on the machine moves every figure: say how loaded it was.
    load_before = load()
    print(f"load average {load_before} ({os.cpu_count()} CPUs)", flush=True)
    results = []
    for cache_seconds, churn in ((0, 0.0), (0, args.change_every), (300, 0.0)):
        run_env = {**env, "COLLAB_BENCH_CACHE": str(cache_seconds)}
        sh(["redis-cli", "-u", args.redis, "FLUSHDB"], run_env)
        server = serve(args, run_env)
        changes = Churn(args.db, churn) if churn else None
        try:
            wait_for(args.port)
            results += measure(args, tmp, session, cache_seconds, churn)
        finally:
            if changes:
                changes.stop()
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    shutil.rmtree(tmp, ignore_errors=True)
    report(args, results, load_before)


def report(args, results: list[tuple], load_before: str) -> None:
    print()
    print(
        f"wrk -t2 -c{args.connections}, {args.duration} s per page in {args.rounds} runs "
        f"alternating with the reference, on 127.0.0.1; gunicorn {args.workers} sync workers, "
        f"DEBUG=0, PostgreSQL {args.db}; {os.cpu_count()} CPUs, load average {load_before} "
        f"before the runs, {load()} after"
    )
    print("| page | req/s | p50 ms | p95 ms | reference req/s | ratio | load after |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for name, page, ref, after in results:
        print(
            f"| {name} | {page['rps']:.1f} | {page['p50']:.1f} | {page['p95']:.1f} "
            f"| {ref['rps']:.1f} | {page['rps'] / ref['rps']:.2f}x | {after} |"
        )
    if any(page["non2xx"] or page["errors"] for _, page, _, _ in results):
        sys.exit("some requests failed")


if __name__ == "__main__":
    main()
