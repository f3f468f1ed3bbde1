"""First paint: Lighthouse (mobile profile) on home, the directory, an event and the dashboard.

Usage (from the repository root):

    mkdir -p /tmp/lh && (cd /tmp/lh && npm install lighthouse)     # once, outside the repo
    apt-get install -y chromium                                      # once
    .venv/bin/python bench/lighthouse.py --lighthouse /tmp/lh/node_modules/.bin/lighthouse \
        [--runs 3] [--port 8105] [--database /tmp/bc_lighthouse.sqlite3] [--base-url URL]

`--lighthouse` may also come from the LIGHTHOUSE environment variable; CHROME_PATH defaults
to /usr/bin/chromium. Without `--base-url` the script serves the site itself, as production
does: gunicorn (2 sync workers), DEBUG=0, a random SECRET_KEY, whitenoise serving the
collected, hashed and compressed static files, the demo world (`seed_demo`, done once into
the SQLite file `--database`). Lighthouse's default mobile profile applies (simulated slow
4G, 4x CPU slowdown): its score, CLS, TBT, LCP and FCP are printed per page, the median of
`--runs` runs.

The pages alternate with the reference view (/bench/reference/, one query in the same
base.html) in the same run, so the machine's load, which moves TBT a lot on 2 shared cores,
is seen by both; the TBT ratio page/reference says what a page costs on top of the stack.
Goal (issue 14, part 5): score >= 95 and CLS < 0.05 on every page. Not part of the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
REFERENCE = "/bench/reference/"
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync"
)
METRICS = {
    "cls": "cumulative-layout-shift",
    "tbt": "total-blocking-time",
    "lcp": "largest-contentful-paint",
    "fcp": "first-contentful-paint",
}


def server_env(args, static_root: str) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{args.database}",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "SECURE_SSL_REDIRECT": "0",
            "BENCH_REFERENCE_VIEW": "1",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": f"http://127.0.0.1:{args.port}",
            "STATIC_ROOT": static_root,
            "LOG_LEVEL": "WARNING",
            "CELERY_BROKER_URL": "filesystem://",
            "CELERY_BROKER_DIR": str(Path(static_root).parent / "broker"),
        }
    )
    Path(env["CELERY_BROKER_DIR"]).mkdir(parents=True, exist_ok=True)
    return env


def manage(env: dict, *cmd: str) -> None:
    subprocess.run([PY, "manage.py", *cmd], env=env, cwd=ROOT, check=True, capture_output=True)


def wait_for(url: str, timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 - our own http URL
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the server did not answer at {url} within {timeout:.0f} s")


def start_server(args, workdir: str) -> tuple[subprocess.Popen, str]:
    env = server_env(args, str(Path(workdir) / "static"))
    fresh = not Path(args.database).exists()
    manage(env, "migrate", "--noinput")
    if fresh:
        print(f"seeding the demo world into {args.database} (once)…", flush=True)
        manage(env, "seed_demo")
    manage(env, "collectstatic", "--noinput")
    bind = f"127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [GUNICORN, "betacowork.wsgi", "-b", bind, "-w", "2", "--access-logfile", "/dev/null"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://{bind}"
    wait_for(base + REFERENCE)
    return server, base


def an_event_path(base: str) -> str:
    """The first event the public list links to (the demo's dates move with the calendar)."""
    with urllib.request.urlopen(base + "/events/", timeout=30) as response:  # noqa: S310
        html = response.read().decode()
    for path in re.findall(r'href="(/events/[a-z0-9-]+/)"', html):
        if not path.startswith(("/events/month/", "/events/mine/")):
            return path
    raise SystemExit("no event is linked from /events/: seed the demo world first")


def lighthouse(binary: str, url: str, tries: int = 2) -> dict | None:
    """One Lighthouse run's figures, or None (said on stderr) if it failed `tries` times: on
    a loaded machine Chromium now and then misses Lighthouse's own deadlines."""
    env = dict(os.environ, CHROME_PATH=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    cmd = [
        binary,
        url,
        "--only-categories=performance",
        "--output=json",
        "--output-path=stdout",
        "--quiet",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    for _ in range(tries):
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        if out.returncode == 0:
            report = json.loads(out.stdout)
            audits = report["audits"]
            row = {key: audits[audit]["numericValue"] for key, audit in METRICS.items()}
            row["score"] = round(report["categories"]["performance"]["score"] * 100)
            return row
        print(f"  lighthouse failed on {url}: {out.stderr.strip()[-300:]}", file=sys.stderr)
    return None


def median_row(rows: list[dict | None]) -> dict | None:
    rows = [r for r in rows if r is not None]
    if not rows:
        return None
    return {key: statistics.median(r[key] for r in rows) for key in rows[0]}


def measure(binary: str, base: str, pages: dict, runs: int) -> tuple[dict, dict]:
    """Each page, then the reference, `runs` times round; the median of each."""
    results: dict[str, list[dict]] = {name: [] for name in pages}
    refs: dict[str, list[dict]] = {name: [] for name in pages}
    for run in range(1, runs + 1):
        for name, path in pages.items():
            results[name].append(lighthouse(binary, base + path))
            refs[name].append(lighthouse(binary, base + REFERENCE))
            r, ref = results[name][-1], refs[name][-1]
            if r is None or ref is None:
                continue
            print(
                f"  run {run} {name:<9} score {r['score']:>3}  CLS {r['cls']:.3f}  "
                f"TBT {r['tbt']:>4.0f} ms  (reference TBT {ref['tbt']:.0f} ms)",
                flush=True,
            )
    return (
        {name: median_row(rows) for name, rows in results.items()},
        {name: median_row(rows) for name, rows in refs.items()},
    )


def report(pages: dict, medians: dict, refs: dict) -> bool:
    print("\n| page | path | score | CLS | TBT ms | LCP ms | FCP ms | ref. score | TBT - ref. |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    ok = True
    for name, path in pages.items():
        m, ref = medians[name], refs[name]
        if m is None or ref is None:
            print(f"| {name} | `{path}` | n/a (every Lighthouse run failed) |")
            ok = False
            continue
        ok = ok and m["score"] >= 95 and m["cls"] < 0.05
        print(
            f"| {name} | `{path}` | {m['score']:.0f} | {m['cls']:.3f} | {m['tbt']:.0f} | "
            f"{m['lcp']:.0f} | {m['fcp']:.0f} | {ref['score']:.0f} | {m['tbt'] - ref['tbt']:+.0f} |"
        )
    print(f"\ngoal (score >= 95 and CLS < 0.05 on every page): {'met' if ok else 'NOT met'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lighthouse", default=os.environ.get("LIGHTHOUSE", ""))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=8105)
    parser.add_argument("--database", default="/tmp/bc_lighthouse.sqlite3")
    parser.add_argument("--base-url", default="", help="measure a server already running")
    args = parser.parse_args()
    binary = args.lighthouse or shutil.which("lighthouse") or ""
    if not binary or not Path(binary).exists():
        print(
            "Lighthouse not found: `mkdir -p /tmp/lh && cd /tmp/lh && npm install lighthouse`, "
            "then pass --lighthouse /tmp/lh/node_modules/.bin/lighthouse (or LIGHTHOUSE=…).",
            file=sys.stderr,
        )
        return 2
    server = None
    with tempfile.TemporaryDirectory(prefix="bc-lighthouse-") as workdir:
        if args.base_url:
            base = args.base_url.rstrip("/")
        else:
            server, base = start_server(args, workdir)
        try:
            pages = {
                "home": "/",
                "directory": "/directory/",
                "event": an_event_path(base),
                "dashboard": "/collaborations/dashboard/",
            }
            print(f"Lighthouse (mobile) on {base}; load average {os.getloadavg()}", flush=True)
            medians, refs = measure(binary, base, pages, args.runs)
            ok = report(pages, medians, refs)
            print(f"load average at the end {os.getloadavg()}")
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=20)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
