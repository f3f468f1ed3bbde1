"""`make run`'s supervisor (scripts/run_embedded.py) stops web, worker and beat together.

A process manager, or a terminal being closed, sends SIGTERM to the process group of
`make run`; Celery's warm shutdown used to keep the worker alive for a minute and sometimes
left one running. Here the supervisor runs for real, with its three children, on a spare port
with a temporary SQLite database and broker folder; it gets SIGTERM on its process group, and
within 8 s every process it started, and every process those started (runserver's reloaded
child, the worker's pool), is gone.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
SUPERVISOR = BASE_DIR / "scripts" / "run_embedded.py"

pytestmark = [
    pytest.mark.timeout(240),
    pytest.mark.skipif(
        not Path("/proc/self/stat").exists(), reason="needs Linux's /proc to find child processes"
    ),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _parents() -> dict[int, int]:
    """pid -> parent pid of every live (non-zombie) process."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if state != "Z":
            parents[int(entry.name)] = int(ppid)
    return parents


def _descendants(pid: int) -> set[int]:
    parents = _parents()
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pids: set[int]) -> set[int]:
    return pids & set(_parents())


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "DJANGO_SETTINGS_MODULE", "CACHE_URL", "CELERY_"))
    }
    env.update(
        ENV_FILE="",
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CELERY_BROKER_URL="filesystem://",
        CELERY_BROKER_DIR=str(tmp_path / "broker"),
        CELERY_BEAT_SCHEDULE_FILENAME=str(tmp_path / "celerybeat-schedule"),
        MEDIA_ROOT=str(tmp_path / "media"),
        EMAIL_URL="consolemail://",
    )
    env.pop("SITE_URL", None)
    return env


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def test_sigterm_to_the_process_group_stops_web_worker_and_beat_within_seconds(tmp_path):
    port = _free_port()
    log_path = tmp_path / "console.log"
    with log_path.open("wb") as log:
        supervisor = subprocess.Popen(
            [sys.executable, str(SUPERVISOR), "--port", str(port)],
            cwd=BASE_DIR,
            env=_environment(tmp_path),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its group stands for `make run`'s in a terminal
        )

    def console() -> str:
        return log_path.read_text(errors="replace")

    children: set[int] = set()
    try:
        # Web (runserver and its reloaded child), worker (main and 2 pool processes), beat.
        started = _wait(
            lambda: " ready." in console() and len(_descendants(supervisor.pid)) >= 6,
            timeout=150,
        )
        assert started, console()[-4000:]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as response:
            assert response.status == 200
        children = _descendants(supervisor.pid)

        began = time.monotonic()
        os.killpg(supervisor.pid, signal.SIGTERM)
        assert _wait(lambda: supervisor.poll() is not None, timeout=8), console()[-3000:]
        assert _wait(lambda: not _alive(children), timeout=8.0 - (time.monotonic() - began))
        assert time.monotonic() - began < 8
        assert supervisor.returncode == 0
    finally:
        if supervisor.poll() is None:
            os.killpg(supervisor.pid, signal.SIGKILL)
            supervisor.wait(timeout=10)
        for pid in _alive(children | _descendants(supervisor.pid)):
            os.kill(pid, signal.SIGKILL)

    text = console()
    # What the console shows: the URL and the demo logins, none of the old noise.
    assert f"Betacowork is running: http://127.0.0.1:{port}" in text
    for login in ("staff@betacowork.test", "katia@betacowork.test", "norman@betacowork.test"):
        assert login in text
    assert "No hostname was supplied" not in text
    assert "superuser privileges" not in text
    assert "celery.redirected" not in text
    assert "Traceback" not in text
    assert "web, worker and beat stopped" in text


def _connections_to(database: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        )
        return cursor.fetchone()[0]


def _runserver_connections_after(
    env: dict[str, str], tmp_path: Path, requests: int, held: int = 0
) -> int:
    """Start runserver (as `make run` does) with `env`, send `requests` requests that each
    read the database, then one from each of `held` visitors who keep their connection open,
    and return how many connections it then holds to the database."""
    from django.db import connection

    port = _free_port()
    log_path = tmp_path / f"runserver-{port}.log"
    with log_path.open("wb") as log:
        web = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:

        def answers() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                    return True
            except OSError:
                return False

        assert _wait(answers, timeout=60), log_path.read_text(errors="replace")[-3000:]
        for _ in range(requests):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as r:
                assert r.status == 200
        # And `held` visitors whose HTTP connections stay open (keep-alive): runserver's thread
        # for each is alive, so a connection it kept to the database cannot have been
        # reclaimed with it — what is counted does not depend on the garbage collector.
        visitors = []
        for _ in range(held):
            visitor = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            visitor.request("GET", "/healthz")
            answer = visitor.getresponse()
            answer.read()
            assert answer.status == 200
            visitors.append(visitor)
        time.sleep(0.5)  # the last request's thread has finished it
        try:
            return _connections_to(connection.settings_dict["NAME"])
        finally:
            for visitor in visitors:
                visitor.close()
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(timeout=15)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_runserver_on_postgresql_does_not_keep_a_connection_per_request(tmp_path):
    """runserver (what `make run` serves) answers each request on a new thread; with
    persistent connections each request left one open until PostgreSQL refused more ("too
    many clients"): under runserver the settings close them after each request, unless
    CONN_MAX_AGE is set."""
    from django.db import connection

    db = connection.settings_dict
    env = _environment(tmp_path)
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    env.pop("CONN_MAX_AGE", None)
    assert _runserver_connections_after(env, tmp_path, requests=30, held=5) <= 1
    # What it prevents, and a value set explicitly wins: with 60 s each request leaves its
    # connection open. Those of finished threads are reclaimed when the garbage collector
    # gets to them (9 of 30 kept on a quiet machine, 1 once in CI); the five visitors still
    # connected hold theirs for certain — the closing above kept at most one with them too.
    kept = _runserver_connections_after({**env, "CONN_MAX_AGE": "60"}, tmp_path, 30, held=5)
    assert kept >= 5
