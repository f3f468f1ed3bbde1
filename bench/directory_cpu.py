"""CPU per request of each directory page against the reference, in one process, with the
settings `bench/directory.py --modes uncached` serves them with (DEBUG off, the results cache
off, whitenoise manifest storage, Redis as the cache).

On a shared machine req/s moves with the other processes' load; CPU time per request moves
much less. In each round every page is requested `--block` times through the WSGI handler
(as gunicorn calls it, a logged-in member's session cookie), each block followed by as many
requests of the reference; the script prints, per request (medians of the rounds): this
process's CPU (`time.process_time`), the PostgreSQL backend's and Redis's (their
`/proc/<pid>/schedstat` run time), their sum, the reference's, and the median of the rounds'
ratios (with their range) — the work the machine does per request, so roughly the inverse of
the req/s ratio under wrk when the CPU is the bottleneck.

    .venv/bin/python bench/directory_cpu.py --database bc_members_bench [--requests 400]
        [--block 20] [--cache-url redis://127.0.0.1:6379/2] [--only 'q=zoe']
        [--profile 'q=zoe'] [--code /tmp/older-checkout]

The database is the one `bench/directory.py` seeded (run it once first). `--code` measures
another checkout (e.g. `git archive <commit> | tar -x -C /tmp/older-checkout`) with this
one's virtualenv: alternate runs of both to compare. `--profile` prints cProfile's top
functions for the page whose path contains the given text, after the table (cumulative and
own time), with the reference's. For counts that do not move with the machine's load, the
Python side can be run under `valgrind --tool=callgrind` (instructions per request).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import secrets
import statistics
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from directory import REFERENCE, SCENARIOS  # noqa: E402 - bench/ is no package
from directory_shell import member_session_key  # noqa: E402


def _env(args) -> None:
    alphabet = string.ascii_letters + string.digits
    static = Path(tempfile.gettempdir()) / f"bench-directory-cpu-{args.database}"
    os.environ.update(
        {
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.database}",
            "DEBUG": "0",
            "SECRET_KEY": "".join(secrets.choice(alphabet) for _ in range(64)),
            "SECURE_SSL_REDIRECT": "0",
            "BENCH_REFERENCE_VIEW": "1",
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "SITE_URL": "http://127.0.0.1:8121",
            "STATIC_ROOT": str(static / "static"),
            "LOG_LEVEL": "WARNING",
            "CACHE_URL": args.cache_url,
            "CELERY_BROKER_URL": "filesystem://",
            "CELERY_BROKER_DIR": str(static / "broker"),
            "DIRECTORY_CACHE_SECONDS": "0",
            # One PostgreSQL backend for the whole run, whose CPU is read (gunicorn's workers
            # reconnect every 60 s by default: negligible there).
            "CONN_MAX_AGE": "86400",
            "DJANGO_SETTINGS_MODULE": "betacowork.settings",
        }
    )
    if not (static / "static" / "staticfiles.json").exists():
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            check=True,
        )


def _run_ns(pid: int | None) -> int:
    if pid is None:
        return 0
    with open(f"/proc/{pid}/schedstat") as f:
        return int(f.read().split()[0])


def _redis_pid() -> int | None:
    out = subprocess.run(["pgrep", "-x", "redis-server"], capture_output=True, text=True)
    pids = out.stdout.split()
    return int(pids[0]) if len(pids) == 1 else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="bc_members_bench")
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/2")
    parser.add_argument("--requests", type=int, default=400, help="per page, and reference")
    parser.add_argument("--block", type=int, default=50, help="requests per alternation")
    parser.add_argument("--profile", default="", help="profile the page whose path has this")
    parser.add_argument("--only", default="", help="measure only pages whose path has this")
    parser.add_argument(
        "--code",
        type=Path,
        default=ROOT,
        help="measure another checkout's code (e.g. `git archive` of an older commit)",
    )
    args = parser.parse_args()
    code = str(args.code.resolve())
    sys.path.insert(0, code)
    os.chdir(code)
    _env(args)

    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    session_key = member_session_key()  # as `bench/directory.py` logs its member in
    handler = WSGIHandler()

    def request(path: str) -> int:
        route, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": route,
            "QUERY_STRING": query,
            "SCRIPT_NAME": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8121",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1:8121",
            "HTTP_COOKIE": f"sessionid={session_key}",
            "HTTP_ACCEPT_ENCODING": "gzip",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
        }
        status = []
        body = handler(environ, lambda s, h, *a: status.append(s))
        size = len(b"".join(body))
        if hasattr(body, "close"):
            body.close()
        assert status[0].startswith("200"), (path, status)
        return size

    with connection.cursor() as cursor:  # connections persist (CONN_MAX_AGE): one backend
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    redis = _redis_pid()
    pages = [(label, path) for label, path in SCENARIOS if args.only in path]

    def block(path: str, n: int) -> tuple[float, float, float]:
        pg0, rd0, py0 = _run_ns(backend), _run_ns(redis), time.process_time()
        for _ in range(n):
            request(path)
        py = time.process_time() - py0
        return py * 1e3, (_run_ns(backend) - pg0) / 1e6, (_run_ns(redis) - rd0) / 1e6

    sizes = {}
    for _label, path in [*pages, ("reference", REFERENCE)]:
        for _ in range(30):  # warm: kept counts, cards, plans, markup
            sizes[path] = request(path)
        if connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                assert cursor.fetchone()[0] == backend, "the connection changed"

    rounds = max(1, args.requests // args.block)
    print(
        f"== {code}: CPU per request, {rounds} rounds of {args.block} requests of each page "
        f"then {args.block} of the reference; load average {os.getloadavg()[0]:.2f}"
    )
    print(
        "| page | bytes | python ms | postgres ms | redis ms | total ms "
        "| reference: python, postgres, redis ms | reference total ms | ratio (median of rounds) |"
    )
    print("|---|---:|---:|---:|---:|---:|---|---:|---:|")
    measured = {path: {"page": [], "ref": []} for _label, path in pages}
    for _ in range(rounds):  # every page in each round: the machine's drift hits them all
        for _label, path in pages:
            measured[path]["page"].append(block(path, args.block))
            measured[path]["ref"].append(block(REFERENCE, args.block))
    for label, path in pages:
        runs = measured[path]
        page = [statistics.median(r[i] for r in runs["page"]) / args.block for i in range(3)]
        ref = [statistics.median(r[i] for r in runs["ref"]) / args.block for i in range(3)]
        ratios = [sum(a) / sum(b) for a, b in zip(runs["page"], runs["ref"], strict=True)]
        low, high = min(ratios), max(ratios)
        print(
            f"| {label} `{path}` | {sizes[path]} | {page[0]:.3f} | {page[1]:.3f} | {page[2]:.3f} "
            f"| {sum(page):.3f} | {ref[0]:.3f}, {ref[1]:.3f}, {ref[2]:.3f} "
            f"| {sum(ref):.3f} | {statistics.median(ratios):.2f}x ({low:.2f}-{high:.2f}) |"
        )
    print(f"reference: {sizes[REFERENCE]} bytes; load average after: {os.getloadavg()[0]:.2f}")

    if args.profile:
        for label, path in [*pages, ("reference", REFERENCE)]:
            if args.profile not in path and path != REFERENCE:
                continue
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(200):
                request(path)
            profiler.disable()
            for sort in ("cumulative", "tottime"):
                out = io.StringIO()
                stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(sort)
                stats.print_stats(35)
                print(f"\n== cProfile of {label} `{path}`, 200 requests, by {sort}")
                print(out.getvalue())


if __name__ == "__main__":
    main()
