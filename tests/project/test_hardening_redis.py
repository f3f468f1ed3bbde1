"""Issue 13, defect 2: a Redis outage is a cache miss. Login, the directory, the dashboard and
profile edits keep working with the cache server stopped; only /healthz says 503; the login
rate limits fall back to each process's memory; once Redis is back nothing stale is served.

A real redis-server, started by the test on its own port (never the shared one), is stopped
in the middle of the test and started again on the same data directory.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

import betacowork.settings as production
from tests.factories import PASSWORD, make_member

BASE_DIR = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server")
needs_redis_server = pytest.mark.skipif(
    REDIS_SERVER is None, reason="needs the redis-server binary (apt install redis-server)"
)
pytestmark = [
    pytest.mark.django_db,
    needs_redis_server,
    pytest.mark.exclusive("own-redis-server"),  # redis-servers of its own from port 6390
]


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class RedisServer:
    """A redis-server of our own (port 6390+), persisted like the compose one (AOF)."""

    def __init__(self) -> None:
        # Each pytest-xdist worker looks in its own range: two workers must not both see
        # the same port free and race for it.
        worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
        first = 6390 + 30 * (int(worker[2:]) if worker.startswith("gw") else 0)
        self.port = next(p for p in range(first, first + 30) if _port_is_free(p))
        self.dir = tempfile.mkdtemp(prefix="betacowork-redis-")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/1"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                self.dir,
                "--appendonly",
                "yes",
                "--save",
                "",
                "--daemonize",
                "no",
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # like `docker compose stop redis`
            self.process.wait(timeout=10)
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def production_caches(url: str) -> dict:
    """CACHES exactly as betacowork/settings/services.py builds them for CACHE_URL=`url`."""
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env.update(ENV_FILE="", CACHE_URL=url, DJANGO_SETTINGS_MODULE="betacowork.settings")
    code = "import json; from django.conf import settings; print(json.dumps(settings.CACHES))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(out.stdout)


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.close()


@pytest.fixture
def redis_cache(redis_server):
    """The production cache configuration, pointed at our own Redis, rate limits on."""
    with override_settings(
        CACHES=production_caches(redis_server.url),
        ACCOUNT_RATE_LIMITS=production.ACCOUNT_RATE_LIMITS,
    ):
        cache.clear()
        # Retry a stopped Redis after 1 s rather than the production 5 s: shorter tests.
        cache.retry_seconds = 1.0
        yield redis_server
        if redis_server.process is not None:
            cache.clear()


def wait_for_retry() -> None:
    """Past the time the cache leaves a failed Redis alone, so its next call tries it again."""
    time.sleep(getattr(cache, "retry_seconds", 0) + 0.1)


def _profile_form(**overrides) -> dict:
    data = {
        "display_name": "Katia Xenophontos",
        "headline": "",
        "job_title": "",
        "bio": "",
        "offers_text": "",
        "seeks_text": "",
        "city": "Brussels",
        "region": "",
        "website": "",
        "linkedin": "",
        "phone": "",
        "visibility": "members",
        "email_visibility": "members",
        "phone_visibility": "hidden",
        "languages": ["en"],
        "company_name": "",
        "skills_tags": "",
        "offers_tags": "",
        "seeks_tags": "",
    }
    data.update(overrides)
    return data


def _visit_everything(client, katia, *, headline: str) -> dict[str, int]:
    """One round of what members do; returns each page's status."""
    statuses = {}
    client.logout()
    statuses["directory (anonymous)"] = client.get(reverse("members:directory")).status_code
    login = client.post(reverse("account_login"), {"login": katia.user.email, "password": PASSWORD})
    statuses["login"] = login.status_code
    statuses["directory"] = client.get(reverse("members:directory")).status_code
    statuses["dashboard"] = client.get(reverse("collaborations:dashboard")).status_code
    statuses["events"] = client.get(reverse("events:list")).status_code
    edit = client.post(
        reverse("members:profile_edit", kwargs={"slug": katia.slug}),
        _profile_form(headline=headline),
    )
    statuses["profile edit"] = edit.status_code
    return statuses


EXPECTED = {
    "directory (anonymous)": 200,
    "login": 302,
    "directory": 200,
    "dashboard": 200,
    "events": 200,
    "profile edit": 302,
}


def test_every_page_works_with_redis_stopped_and_after_it_restarts(client, redis_cache):
    katia = make_member("Katia Xenophontos", visibility="members")
    make_member("Stan Jagiello", visibility="members", headline="Before the outage")
    assert _visit_everything(client, katia, headline="Up") == EXPECTED
    assert client.get("/healthz").json()["cache"]["ok"] is True

    redis_cache.stop()
    started = time.monotonic()
    assert _visit_everything(client, katia, headline="During the outage") == EXPECTED
    assert time.monotonic() - started < 5, "a stopped Redis must cost milliseconds, not seconds"
    # The member sees their change at once, and the directory shows it.
    assert "During the outage" in client.get(reverse("members:directory")).content.decode()

    redis_cache.start()
    wait_for_retry()
    assert _visit_everything(client, katia, headline="After") == EXPECTED
    assert client.get("/healthz").status_code == 200


def test_only_healthz_says_503_while_redis_is_down(
    client, staff, redis_cache, expect_logged_errors
):
    redis_cache.stop()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["cache"] == {"ok": False}
    client.force_login(staff)
    assert client.get("/healthz").json()["cache"] == {"ok": False, "error": "ConnectionError"}
    client.logout()
    assert client.get("/").status_code == 200


def test_no_stale_directory_after_an_outage_during_which_a_profile_changed(client, redis_cache):
    """Invalidations cannot reach a stopped Redis; its data survives a restart (AOF): the
    cache must not serve the lists it held before the outage."""
    make_member("Stan Jagiello", visibility="public")
    assert "Stan Jagiello" in client.get(reverse("members:directory")).content.decode()
    redis_cache.stop()
    from members.models import Profile

    profile = Profile.objects.get(display_name="Stan Jagiello")
    profile.visibility = "hidden"
    profile.save()
    assert "Stan Jagiello" not in client.get(reverse("members:directory")).content.decode()
    redis_cache.start()
    wait_for_retry()
    assert "Stan Jagiello" not in client.get(reverse("members:directory")).content.decode()


def test_login_rate_limits_fall_back_to_the_process_while_redis_is_down(
    client, member, redis_cache
):
    redis_cache.stop()
    for _ in range(5):
        response = client.post(
            reverse("account_login"), {"login": member.email, "password": "wrong"}
        )
        assert response.status_code == 400
    response = client.post(reverse("account_login"), {"login": member.email, "password": "wrong"})
    assert response.status_code == 429
    assert "Too many failed login attempts" in response.content.decode()


def test_one_redis_client_serves_every_cache_call_and_reconnects_after_a_restart(redis_cache):
    """The cache keeps one `redis.Redis` per connection pool (building one per call cost as
    much as the round trip); the shared client finds Redis again after a restart."""
    backend = cache._cache
    assert backend.get_client("a") is backend.get_client("b", write=True)
    cache.set("kept", 1)
    client = backend.get_client("kept")
    redis_cache.stop()
    redis_cache.start()
    wait_for_retry()
    assert cache.get("kept") == 1  # its data kept across the restart (append-only file)
    cache.set("kept", 2)
    assert cache.get("kept") == 2
    assert backend.get_client("kept") is client
