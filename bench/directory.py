"""Directory benchmark: 10,000 members on PostgreSQL, gunicorn (4 sync workers), wrk on loopback.

Usage (from the repository root; needs PostgreSQL and `apt-get install wrk`):

    .venv/bin/python bench/directory.py [--members 10000] [--duration 20] [--rounds 5]
        [--port 8121] [--database bc_members_bench] [--connections 8]
    .venv/bin/python bench/directory.py --members 100000 --database bc_dir_bench \
        --modes inprocess [--skip-seed]        # the 100k-member mode (issue 14), no wrk needed

At 100,000 members seeding takes ~10 minutes: it is done once into `--database` and reused
(`--skip-seed` skips even the check).

It creates (once) the database, migrates it, seeds the members demo world plus generated
members with skills, offers and seeks, logs a member in (a real session row), serves the site
with gunicorn in production mode (DEBUG=0, a random real-looking SECRET_KEY, whitenoise
manifest storage, SECURE_SSL_REDIRECT=0 because the load comes over plain HTTP on loopback),
measures each page in-process (django.test.Client, no server, cache off), then runs wrk
against each page and the reference view *alternately* (in `--rounds` short runs: this
machine's speed drifts from minute to minute), and prints a table:
req/s, p50 and p95 latency, and the ratio to the reference. It finishes with the EXPLAIN of
a search so you can see the GIN index at work. Nothing here is part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import statistics
import string
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from directory_shell import EXPLAIN, IN_PROCESS, SEED, SESSION  # bench/ is no package

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")

SCENARIOS = [
    ("directory, first page", "/directory/"),
    ("search, common term", "/directory/?q=translation"),
    ("search, rare term", "/directory/?q=xenophontos"),
    (
        "filtered page",
        "/directory/?skill=web-development&space=betacowork&language=fr&sort=recent",
    ),
    ("search, a first name", "/directory/?q=zoe"),
    ("broad filter, by name", "/directory/?skill=seo"),
]
REFERENCE = "/bench/reference/"

LUA = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT %.2f %.2f %.2f %d %d\\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    errors, summary.requests))
end
"""


def load_average() -> str:
    return "load average: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def env_for(args, secret: str, static_root: str) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.database}",
            "DEBUG": "0",
            "SECRET_KEY": secret,
            "SECURE_SSL_REDIRECT": "0",
            "BENCH_REFERENCE_VIEW": "1",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": f"http://127.0.0.1:{args.port}",
            "STATIC_ROOT": static_root,
            "LOG_LEVEL": "WARNING",
            "CACHE_URL": args.cache_url,
            "CELERY_BROKER_URL": "filesystem://",
            "CELERY_BROKER_DIR": str(Path(static_root).parent / "broker"),
        }
    )
    return env


# The code measured: this checkout, or another one given by --code (the same virtualenv).
CODE = ROOT


def run(cmd: list[str], env: dict, **kw) -> str:
    out = subprocess.run(cmd, env=env, cwd=CODE, check=True, capture_output=True, text=True, **kw)
    return out.stdout


def database_ensure(name: str) -> None:
    exists = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-tAc",
            f"SELECT 1 FROM pg_database WHERE datname='{name}'",  # noqa: S608 - our own name
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if exists != "1":
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server did not answer at {url}")


def wrk(url: str, cookie: str, args, lua: str) -> tuple[float, float, float, int, int]:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{args.connections}",
            f"-d{args.duration}s",
            "--timeout",
            "10s",
            "-s",
            lua,
            "-H",
            f"Cookie: sessionid={cookie}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=args.duration + 60,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    rps, p50, p95, errors, total = line.split()[1:]
    return float(rps), float(p50), float(p95), int(errors), int(total)


def _combine(runs: list[tuple]) -> tuple[float, float, float, int, int]:
    """Several wrk runs as one: req/s over their total time, the median p50 and p95."""
    total = sum(r[4] for r in runs)
    return (
        total / sum(r[4] / r[0] for r in runs),  # wrk's own measured durations
        statistics.median(r[1] for r in runs),
        statistics.median(r[2] for r in runs),
        sum(r[3] for r in runs),
        total,
    )


def gunicorn_start(args, env) -> subprocess.Popen:
    """The site under gunicorn (sync workers) on args.port, in its own process group."""
    return subprocess.Popen(
        [
            *(GUNICORN, "betacowork.wsgi:application", "-w", str(args.workers)),
            *("-b", f"127.0.0.1:{args.port}", "--worker-class", "sync", "--log-level", "warning"),
        ],
        env=env,
        cwd=CODE,
        start_new_session=True,
    )


def serve_and_measure(args, mode, env, base, cookie, lua) -> list:
    server = gunicorn_start(args, env)
    rows = []
    try:
        wait_for(base + "/healthz")
        print(
            f"== {mode}: gunicorn {args.workers} sync workers on {base}; wrk -t2 "
            f"-c{args.connections}, {args.duration} s per page in {args.rounds} runs alternating "
            "with the reference, logged-in member"
        )
        short = argparse.Namespace(**{**vars(args), "duration": 2})
        # This machine's speed drifts from one minute to the next (a shared VM): the page and
        # the reference alternate in `--rounds` short runs, and the figures combine them.
        part = argparse.Namespace(
            **{**vars(args), "duration": max(1, args.duration // args.rounds)}
        )
        for label, path in SCENARIOS:
            for url in (base + path, base + REFERENCE):  # warm both
                wrk(url, cookie, short, lua)
            runs = {"page": [], "ref": []}
            for _ in range(args.rounds):
                runs["page"].append(wrk(base + path, cookie, part, lua))
                runs["ref"].append(wrk(base + REFERENCE, cookie, part, lua))
            page, ref = (_combine(runs[k]) for k in ("page", "ref"))
            rows.append((label, path, page, ref))
            ratios = " ".join(
                f"{a[0] / b[0]:.2f}" for a, b in zip(runs["page"], runs["ref"], strict=True)
            )
            print(
                f"   {label}: {page[0]:.0f} req/s vs reference {ref[0]:.0f} req/s "
                f"(ratio per round: {ratios})"
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return rows


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=20, help="seconds of load per page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--rounds", type=int, default=5, help="alternations of page and reference per page"
    )
    parser.add_argument("--port", type=int, default=8121)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database", default="bc_members_bench")
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/2")
    parser.add_argument(
        "--modes",
        default="inprocess,cached,uncached",
        help="inprocess: each page's cost in one process (django.test.Client, no server, "
        "results cache off), each request followed by the reference's, medians and ratios; "
        "cached: the directory's shared results cache on (the default setting); "
        "uncached: DIRECTORY_CACHE_SECONDS=0, every request queries and renders",
    )
    parser.add_argument("--runs", type=int, default=30, help="requests per page, inprocess")
    parser.add_argument(
        "--skip-seed", action="store_true", help="reuse --database as it is (no migrate, seed)"
    )
    parser.add_argument(
        "--code",
        type=Path,
        default=ROOT,
        help="measure the code of another checkout (e.g. a git worktree of an older commit), "
        "with this checkout's virtualenv and scenarios",
    )
    return parser.parse_args()


def prepare(args, env: dict) -> str:
    """Migrate and seed the database (unless --skip-seed); the logged-in member's cookie."""
    database_ensure(args.database)
    if args.skip_seed:
        print(f"== database {args.database}: reused as it is (--skip-seed)")
        session = run([PY, "manage.py", "shell", "-c", SESSION], env)
    else:
        print(f"== database {args.database}: migrate and seed {args.members} members")
        run([PY, "manage.py", "migrate", "--noinput", "-v0"], env)
        session = run([PY, "manage.py", "shell", "-c", SEED.format(members=args.members)], env)
        print("\n".join(x for x in session.splitlines() if x.startswith("seeded")))
    run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    if not args.skip_seed:  # what autovacuum would have done by now on a live site
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", "VACUUM ANALYZE", args.database],
            check=True,
        )
    return next(x.split()[1] for x in session.splitlines() if x.startswith("SESSION"))


def in_process(args, env: dict) -> None:
    local = {**env, "DIRECTORY_CACHE_SECONDS": "0", "ALLOWED_HOSTS": "testserver,127.0.0.1"}
    code = IN_PROCESS.format(pages=SCENARIOS, reference=REFERENCE, runs=args.runs)
    print(
        f"== in-process at {args.members} members, results cache off, {args.runs} requests "
        f"per page, each followed by the reference; {load_average()}"
    )
    print(
        "| page | min ms | median ms | reference median ms | ratio "
        "| median ms, after a change | ratio, after a change |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    print(run([PY, "manage.py", "shell", "--no-imports", "-c", code], local).rstrip())


def print_tables(tables: dict) -> None:
    for mode, rows in tables.items():
        print()
        print(f"### {mode} (DIRECTORY_CACHE_SECONDS={'0' if mode == 'uncached' else '120'})")
        print("| page | req/s | p50 ms | p95 ms | reference req/s | ref p50 | ref p95 | ratio |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for label, path, page, ref in rows:
            flag = "" if page[3] == 0 else f" ({page[3]} errors!)"
            print(
                f"| {label} `{path}` | {page[0]:.0f}{flag} | {page[1]:.1f} | {page[2]:.1f} "
                f"| {ref[0]:.0f} | {ref[1]:.1f} | {ref[2]:.1f} | {page[0] / ref[0]:.2f}x |"
            )


def main() -> None:
    global CODE
    args = parse_args()
    CODE = args.code.resolve()
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    served = [m for m in modes if m != "inprocess"]
    if served and not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    print(f"== {load_average()} (2 cores shared: figures are ratios to the reference)")
    alphabet = string.ascii_letters + string.digits
    secret = "".join(secrets.choice(alphabet) for _ in range(64))
    workdir = tempfile.mkdtemp(prefix="bench-directory-")
    env = env_for(args, secret, str(Path(workdir) / "static"))
    cookie = prepare(args, env)
    lua = str(Path(workdir) / "report.lua")
    Path(lua).write_text(LUA)
    base = f"http://127.0.0.1:{args.port}"
    if "inprocess" in modes:
        in_process(args, env)
    tables = {}
    for mode in served:
        mode_env = {**env, "DIRECTORY_CACHE_SECONDS": "0" if mode == "uncached" else "120"}
        tables[mode] = serve_and_measure(args, mode, mode_env, base, cookie, lua)
        print(f"   {load_average()}")
    print_tables(tables)
    print()
    print(
        f"== EXPLAIN (ANALYZE, BUFFERS) of the directory's searches (first page, a member's "
        f"view, second run); {load_average()}"
    )
    filtered = [path.partition("?")[2] for _label, path in SCENARIOS if "?" in path]
    print(
        run(
            [PY, "manage.py", "shell", "--no-imports", "-c", EXPLAIN.format(scenarios=filtered)],
            env,
        )
    )
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
