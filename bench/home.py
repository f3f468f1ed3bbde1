"""Home-page scale curve: the member home page at 1,000, 10,000 and 100,000 members.

Usage (from the repository root; needs PostgreSQL on 127.0.0.1:5432 as user postgres):

    .venv/bin/python bench/home.py [--sizes 1000,10000,100000] [--runs 30]
        [--database bc_perf_bench] [--setup-only]

For each size it uses its own PostgreSQL database — `<database>` for 100,000 members,
`<database>_1k` and `<database>_10k` for the smaller ones — created, migrated and seeded once
with bench/directory.py's data (the demo world plus generated members with skills, offers and
seeks: imported, not copied) and kept between runs (seeding 100,000 takes several minutes).

Then, in one process per database (django.test.Client, no server, DEBUG=0), logged in as the
generated member00042, it requests in turn, `--runs` times: the home page, the home page with
the "people you should meet" of an older commit (`--before`, loaded beside the current one in
the same process; it also counts the community figures on every request, as it did), and the
reference view (/bench/reference/, one query) — first with the home page's caches off (every
request computes the suggestions and the figures), then on (SUGGESTIONS_CACHE_SECONDS=600,
DIRECTORY_CACHE_SECONDS=120, a local-memory cache). It prints per size: the
median and minimum ms of each, the home page's ratio to its 1k time and to the reference,
the SQL queries of one home request, whether both versions suggest the same people, and the
load average before and after. Nothing here is part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import secrets
import string
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from directory import SEED, database_ensure, env_for, run  # bench/ is no package

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")

SETTINGS_SHIM = """
import os
from betacowork.settings import *  # noqa: F403
SUGGESTIONS_CACHE_SECONDS = int(os.environ.get("HOME_BENCH_SUGGESTIONS_CACHE", "0"))
DIRECTORY_CACHE_SECONDS = int(os.environ.get("HOME_BENCH_DIRECTORY_CACHE", "0"))
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
"""

MEASURE = """
import statistics, sys, time, types
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
import members.home as home
from members.demo import GENERATED_DOMAIN
from members.models import User

# The suggestions of an older commit, loaded beside ours: both alternate in this process.
before = types.ModuleType("members._suggestions_before")
before.__package__ = "members"
sys.modules[before.__name__] = before  # dataclasses look their module up
exec(compile({before_source!r}, "members/_suggestions_before.py", "exec"), before.__dict__)
# Before: its suggestions, and the community figures counted on every request.
variants = {{
    "home": (home.suggestions_for, home.community_figures_cached),
    "home, before": (before.suggestions_for, home.community_figures),
}}


def use(label):
    if label in variants:
        home.suggestions_for, home.community_figures_cached = variants[label]

me = User.objects.get(email="member00042@" + GENERATED_DOMAIN)
client = Client()
client.force_login(me)
pages = [("home", "/"), ("home, before", "/"), ("reference", "/bench/reference/")]
for label, path in pages:
    use(label)
    assert client.get(path).status_code == 200
for label, (fn, _) in variants.items():
    found = fn(user=me, limit=home.HOME_SUGGESTIONS)
    ids = ",".join(f"{{s.profile.pk}}:{{s.score}}" for s in found)
    print("SUGGESTED", label.replace(" ", ""), ids)
    use(label)
    with CaptureQueriesContext(connection) as ctx:
        client.get("/")
    print("QUERIES", label.replace(" ", ""), len(ctx.captured_queries))
times = {{label: [] for label, _ in pages}}
for _ in range({runs}):  # interleaved: machine load hits every page alike
    for label, path in pages:
        use(label)
        started = time.perf_counter()
        client.get(path)
        times[label].append((time.perf_counter() - started) * 1000)
# "People you should meet" alone, both versions alternating.
alone = {{label: [] for label in variants}}
for _ in range({runs}):
    for label, (fn, _) in variants.items():
        started = time.perf_counter()
        fn(user=me, limit=home.HOME_SUGGESTIONS)
        alone[label].append((time.perf_counter() - started) * 1000)
for label, ms in [*times.items(), *((f"suggestions-{{k}}", v) for k, v in alone.items())]:
    print("TIME", label.replace(" ", ""), f"{{statistics.median(ms):.2f}}", f"{{min(ms):.2f}}")
"""


def database_for(base: str, size: int) -> str:
    if size >= 100_000:
        return base
    return f"{base}_{size // 1000}k"


def load() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def prepare(args, size: int, secret: str, workdir: str) -> dict:
    """Create, migrate and seed (once) the database for `size` members; its environment."""
    ns = argparse.Namespace(
        database=database_for(args.database, size), port=0, cache_url="locmemcache://home-bench"
    )
    env = env_for(ns, secret, str(Path(workdir) / "static"))
    database_ensure(ns.database)
    run([PY, "manage.py", "migrate", "--noinput", "-v0"], env)
    seeded = run([PY, "manage.py", "shell", "-c", SEED.format(members=size)], env)
    line = next((x for x in seeded.splitlines() if x.startswith("seeded")), "")
    print(f"   {ns.database}: {line}", flush=True)
    if "seeded: 0 new" not in line:  # fresh rows: what autovacuum would have done by now
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", "VACUUM ANALYZE", ns.database],
            check=True,
        )
    return {
        **env,
        "PYTHONPATH": f"{workdir}:{ROOT}",
        "DJANGO_SETTINGS_MODULE": "home_bench_settings",
    }


def measure(env: dict, runs: int, cache_seconds: int, before_source: str) -> dict:
    code = MEASURE.format(runs=runs, before_source=before_source)
    done = subprocess.run(
        [PY, "manage.py", "shell", "--no-imports", "-c", code],
        env={
            **env,
            "HOME_BENCH_SUGGESTIONS_CACHE": str(cache_seconds),
            "HOME_BENCH_DIRECTORY_CACHE": str(cache_seconds and 120),
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"measuring failed:\n{done.stderr[-3000:]}")
    out = done.stdout
    result: dict = {"times": {}, "queries": {}, "suggested": {}}
    for line in out.splitlines():
        kind, *rest = line.split() or [""]
        if kind == "QUERIES":
            result["queries"][rest[0]] = int(rest[1])
        elif kind == "SUGGESTED":
            result["suggested"][rest[0]] = rest[1] if len(rest) > 1 else ""
        elif kind == "TIME":
            result["times"][rest[0]] = (float(rest[1]), float(rest[2]))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--runs", type=int, default=30, help="requests per page and size")
    parser.add_argument("--database", default="bc_perf_bench")
    parser.add_argument("--setup-only", action="store_true")
    parser.add_argument(
        "--before",
        default="18e8e92",
        help="commit whose members/suggestions.py is measured beside the current one",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    alphabet = string.ascii_letters + string.digits
    secret = "".join(secrets.choice(alphabet) for _ in range(64))
    workdir = tempfile.mkdtemp(prefix="bench-home-")
    (Path(workdir) / "home_bench_settings.py").write_text(SETTINGS_SHIM)
    print(f"== databases: migrate and seed (kept between runs); load average {load()}")
    envs = {size: prepare(args, size, secret, workdir) for size in sizes}
    if args.setup_only:
        return
    run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], envs[sizes[0]])  # DEBUG=0
    before_source = subprocess.run(
        ["git", "show", f"{args.before}:members/suggestions.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows = []
    for cache_seconds, mode in ((0, "cache off"), (600, "cache on")):
        print(f"== home caches {mode}: {args.runs} interleaved requests per page")
        for size in sizes:
            before = load()
            r = measure(envs[size], args.runs, cache_seconds, before_source)
            rows.append((mode, size, r, before, load()))
            t = r["times"]
            same = r["suggested"].get("home") == r["suggested"].get("home,before")
            alone = f"{t['suggestions-home'][0]:.1f} / {t['suggestions-home,before'][0]:.1f}"
            print(
                f"   {size:>7} members: home {t['home'][0]:.1f} ms, before ({args.before}) "
                f"{t['home,before'][0]:.1f} ms, reference {t['reference'][0]:.1f} ms; "
                f"suggestions alone now / before {alone} ms (load "
                f"{before} → {load()}); same suggestions as before: {same} "
                f"{r['suggested'].get('home')}",
                flush=True,
            )
    report(rows, args.before)


def report(rows: list, before_rev: str) -> None:
    print()
    print(f"{os.cpu_count()} CPUs; in-process django.test.Client, DEBUG=0, PostgreSQL")
    print(
        "| home caches | members | home ms (median / min) | ratio to 1k | ratio to reference "
        f"| before ({before_rev}) ms | its ratio to 1k | reference ms | queries now / before "
        "| load before → after |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for mode in dict.fromkeys(m for m, *_ in rows):
        first = next(r for m, _s, r, *_ in rows if m == mode)["times"]
        for m, size, r, before, after in rows:
            if m != mode:
                continue
            t, q = r["times"], r["queries"]
            print(
                f"| {mode} | {size:,} | {t['home'][0]:.1f} / {t['home'][1]:.1f} "
                f"| {t['home'][0] / first['home'][0]:.2f}x "
                f"| {t['home'][0] / t['reference'][0]:.1f}x "
                f"| {t['home,before'][0]:.1f} "
                f"| {t['home,before'][0] / first['home,before'][0]:.2f}x "
                f"| {t['reference'][0]:.1f} | {q.get('home')} / {q.get('home,before')} "
                f"| {before} → {after} |"
            )


if __name__ == "__main__":
    sys.exit(main())
