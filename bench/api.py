"""API benchmark: /api/v1/events/ and a directory search through the API against the HTML pages
that show the same thing, at 10,000 members on PostgreSQL (gunicorn, wrk on loopback).

Usage (from the repository root; needs PostgreSQL and `apt-get install wrk`):

    .venv/bin/python bench/api.py [--members 10000] [--duration 20] [--rounds 5]
        [--port 8131] [--database bc_api_bench] [--connections 8]
        [--modes cached,uncached]

It creates (once) the database, migrates it, seeds the whole demo world (`seed_demo`: events,
chapters, collaborations) with `--members` generated members, then bench/directory.py's
seeding (imported, not copied), which logs member00042 in (a real session row); it creates an
API token for the same member. The site is served as bench/directory.py serves it (gunicorn
sync workers, DEBUG=0, whitenoise manifest storage, Redis as the cache; the API's rate limits
raised so the load is not throttled). For each pair — the HTML page with the member's session,
the API with the member's token — wrk runs the page and the API *alternately* in `--rounds`
short runs (this machine's speed drifts), and it prints req/s, p50, p95, the ratio API / page
and the load average before and after. Modes: `cached` (the directory's shared results cache
on, the default setting), `uncached` (DIRECTORY_CACHE_SECONDS=0). Nothing here is part of the
test suite.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import string
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from directory import (  # bench/ is no package
    LUA,
    SEED,
    _combine,
    database_ensure,
    env_for,
    gunicorn_start,
    run,
    wait_for,
)

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")

PAIRS = [
    ("events list", "/events/", "/api/v1/events/"),
    ("directory search", "/directory/?q=translation", "/api/v1/directory/?q=translation"),
]

CREATE_CREDENTIAL = """
from api.models import ApiToken
from api.services import token_create
from members.demo import GENERATED_DOMAIN
from members.models import User

user = User.objects.get(email="member00042@" + GENERATED_DOMAIN)
ApiToken.objects.filter(user=user, name="bench").delete()
print("TOKEN", token_create(user=user, name="bench")[1])
"""


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def wrk(url: str, header: str, seconds: int, connections: int, lua: str) -> tuple:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            lua,
            "-H",
            header,
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    rps, p50, p95, errors, total = line.split()[1:]
    return float(rps), float(p50), float(p95), int(errors), int(total)


def measure(args, env, base, cookie, token, lua) -> list:
    server = gunicorn_start(args, env)
    page_header, api_header = f"Cookie: sessionid={cookie}", f"Authorization: Bearer {token}"
    part = max(1, args.duration // args.rounds)
    rows = []
    try:
        wait_for(base + "/bench/reference/", timeout=180)  # /healthz waits on the broker
        for label, page_path, api_path in PAIRS:
            for url, header in ((base + page_path, page_header), (base + api_path, api_header)):
                wrk(url, header, 2, args.connections, lua)  # warm both
            runs = {"page": [], "api": []}
            before = load()
            for _ in range(args.rounds):
                runs["page"].append(wrk(base + page_path, page_header, part, args.connections, lua))
                runs["api"].append(wrk(base + api_path, api_header, part, args.connections, lua))
            if any(r[4] == 0 for r in runs["page"] + runs["api"]):
                raise SystemExit(f"{label}: a run finished no request; use longer runs")
            page, api = _combine(runs["page"]), _combine(runs["api"])
            ratios = " ".join(
                f"{a[0] / p[0]:.2f}" for a, p in zip(runs["api"], runs["page"], strict=True)
            )
            print(
                f"   {label}: API {api[0]:.0f} req/s vs page {page[0]:.0f} req/s "
                f"(ratio per round: {ratios}; load {before} → {load()})"
            )
            rows.append((label, page_path, api_path, page, api))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=20, help="seconds of load per page")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--port", type=int, default=8131)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database", default="bc_api_bench")
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--modes", default="cached,uncached")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    alphabet = string.ascii_letters + string.digits
    secret = "".join(secrets.choice(alphabet) for _ in range(64))
    workdir = tempfile.mkdtemp(prefix="bench-api-")
    env = env_for(args, secret, str(Path(workdir) / "static"))
    unthrottled = "1000000/minute"
    env.update(API_RATE_ANONYMOUS=unthrottled, API_RATE_TOKEN=unthrottled)

    print(f"== database {args.database}: migrate and seed the demo world, {args.members} members")
    database_ensure(args.database)
    run([PY, "manage.py", "migrate", "--noinput", "-v0"], env)
    run([PY, "manage.py", "seed_demo", "--members", str(args.members)], env)
    seeded = run([PY, "manage.py", "shell", "-c", SEED.format(members=args.members)], env)
    cookie = next(x.split()[1] for x in seeded.splitlines() if x.startswith("SESSION"))
    token = next(
        x.split()[1]
        for x in run([PY, "manage.py", "shell", "-c", CREATE_CREDENTIAL], env).splitlines()
        if x.startswith("TOKEN")
    )
    run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", "VACUUM ANALYZE", args.database],
        check=True,
    )
    lua = str(Path(workdir) / "report.lua")
    Path(lua).write_text(LUA)
    base = f"http://127.0.0.1:{args.port}"
    tables = {}
    for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
        seconds = "0" if mode == "uncached" else "120"
        print(
            f"== {mode} (DIRECTORY_CACHE_SECONDS={seconds}): gunicorn {args.workers} sync "
            f"workers; wrk -t2 -c{args.connections}, {args.duration} s per page in "
            f"{args.rounds} runs alternating page and API; member00042 (session / token)"
        )
        tables[mode] = measure(
            args, {**env, "DIRECTORY_CACHE_SECONDS": seconds}, base, cookie, token, lua
        )
    for mode, rows in tables.items():
        print(
            f"\n### {mode}\n| what | page req/s | p50 | p95 | API req/s | p50 | p95 | API / page |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for label, page_path, api_path, page, api in rows:
            errors = "" if page[3] + api[3] == 0 else f" ({page[3] + api[3]} errors!)"
            print(
                f"| {label} `{page_path}` vs `{api_path}` | {page[0]:.0f} | {page[1]:.1f} | "
                f"{page[2]:.1f} | {api[0]:.0f} | {api[1]:.1f} | {api[2]:.1f} | "
                f"{api[0] / page[0]:.2f}x{errors} |"
            )
    print(f"\nload average at the end: {load()}")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
