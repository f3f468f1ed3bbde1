"""Chaos: the services fail while people load pages and register, through a real HTTP server.

- Redis (cache *and* broker, as in docker-compose.yml; a redis-server of the test's own, never
  the shared one) is stopped in the middle of the load and started again: no 5xx at all, pages
  computed without the cache, registrations saved with their messages left for the sweep.
- On PostgreSQL, every connection of the web server is killed (pg_terminate_backend) several
  times during the load: a request in flight at a kill may answer 503 (never 500); every other
  request succeeds.
- In both: every registrant ends with exactly one registration and one message (0 lost, 0
  duplicated), and the event holds exactly `capacity` confirmed seats.

The figures (requests, requests during the outage, statuses) are logged at INFO:
`pytest tests/project/test_chaos.py --log-cli-level=INFO`.
"""

from __future__ import annotations

import collections
import http.client
import logging
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client, override_settings

from betacowork.cache import ResilientRedisCache
from betacowork.messaging.models import Outbox
from events.models import Registration
from tests.conftest import ON_POSTGRES
from tests.events.factories import EventFactory
from tests.factories import UserFactory, make_member

from .test_hardening_redis import RedisServer, needs_redis_server, production_caches

logger = logging.getLogger(__name__)
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.exclusive("own-redis-server"),  # redis-servers of its own from port 6390
]

CAPACITY, REGISTRANTS = 12, 30
PAGES = ["/", "/directory/", "/events/", "/collaborations/dashboard/", "/chapters/"]


@dataclass
class Hit:
    started: float
    ended: float
    method: str
    path: str
    status: int


class Load:
    """People loading pages and registering, from `threads` threads, over real HTTP."""

    def __init__(self, base_url: str, event, registrants: list, member) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.event = event
        self.csrf = _get_new_csrf_string()
        self.member_cookie = self._session(member)
        # Released in thirds by the chaos: before, during and after the outage.
        self.held = collections.deque((user, self._session(user)) for user in registrants)
        self.waiting: collections.deque = collections.deque()
        self.done: set[int] = set()
        self.hits: list[Hit] = []
        self.stop = threading.Event()
        self._lock = threading.Lock()

    def _session(self, user) -> str:
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value

    def request(self, method: str, path: str, session: str | None) -> int:
        cookie = f"csrftoken={self.csrf}" + (f"; sessionid={session}" if session else "")
        headers = {"Cookie": cookie, "X-CSRFToken": self.csrf}
        body = None
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = "note="
        started = time.monotonic()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        finally:
            conn.close()
        with self._lock:
            self.hits.append(Hit(started, time.monotonic(), method, path, status))
        return status

    def release(self, count: int) -> None:
        with self._lock:
            for _ in range(min(count, len(self.held))):
                self.waiting.append(self.held.popleft())

    def register_next(self) -> None:
        with self._lock:
            if not self.waiting:
                return
            user, session = self.waiting.popleft()
        status = self.request("POST", f"/events/{self.event.slug}/register/", session)
        with self._lock:
            if status == 302:  # registered, waitlisted, or "you already are"
                self.done.add(user.pk)
            else:  # the person tries again a little later
                self.waiting.append((user, session))

    def run(self, n: int) -> None:
        turn = n
        while not self.stop.is_set():
            turn += 1
            if turn % 3 == 0:
                self.register_next()
            else:
                session = self.member_cookie if turn % 2 else None
                self.request("GET", PAGES[turn % len(PAGES)], session)

    def finish(self) -> None:
        """After the chaos: everyone still waiting tries again until they are through."""
        self.release(REGISTRANTS)
        for _ in range(REGISTRANTS * 3):
            if not self.waiting:
                return
            self.register_next()

    def statuses(self, hits=None) -> dict[int, int]:
        return dict(collections.Counter(h.status for h in (hits or self.hits)))


@pytest.fixture
def scene(live_server):
    member = make_member("Katia Xenophontos", visibility="members").user
    make_member("Stan Jagiello", visibility="public")
    event = EventFactory(title="Switch IT day", capacity=CAPACITY)
    registrants = [UserFactory(name=f"Person {n:02d}") for n in range(REGISTRANTS)]
    return Load(live_server.url, event, registrants, member)


def assert_nothing_lost_or_doubled(load: Load) -> None:
    assert not load.held
    assert not load.waiting, f"{len(load.waiting)} people could not register"
    rows = Registration.objects.filter(event=load.event)
    per_user = collections.Counter(rows.values_list("user_id", flat=True))
    assert len(per_user) == REGISTRANTS, "lost registrations"
    assert set(per_user.values()) == {1}, "duplicated registrations"
    assert rows.filter(status=Registration.Status.CONFIRMED).count() == CAPACITY
    keys = set(Outbox.objects.values_list("dedup_key", flat=True))
    for registration in rows:
        kind = "confirmed" if registration.status == "confirmed" else "waitlisted"
        assert f"registration-{kind}:{registration.pk}" in keys, "lost message"


def run_with(load: Load, threads: int, chaos) -> tuple[float, float]:
    workers = [threading.Thread(target=load.run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    try:
        outage = chaos()
    finally:
        load.stop.set()
        for worker in workers:
            worker.join(60)
    load.finish()
    return outage


@needs_redis_server
def test_redis_stopped_and_restarted_under_load(scene, celery_broker_url, monkeypatch):
    redis = RedisServer()
    redis.start()
    monkeypatch.setattr(ResilientRedisCache, "retry_seconds", 1.0)
    celery_broker_url(
        f"redis://127.0.0.1:{redis.port}/0",
        socket_connect_timeout=1,
        socket_timeout=1,
        max_retries=0,
    )
    threads = 3 if ON_POSTGRES else 1  # in-memory SQLite: one connection shared by the server

    def chaos() -> tuple[float, float]:
        third = REGISTRANTS // 3
        scene.release(third)
        time.sleep(1.5)
        down = time.monotonic()
        redis.stop()
        scene.release(third)
        time.sleep(3)
        redis.start()
        up = time.monotonic()
        scene.release(REGISTRANTS)
        time.sleep(2.5)
        return down, up

    try:
        with override_settings(CACHES=production_caches(redis.url)):
            down, up = run_with(scene, threads, chaos)
            health = scene.request("GET", "/healthz", None)
    finally:
        redis.close()
    during = [h for h in scene.hits if h.ended >= down and h.started <= up]
    registered_during = [h for h in during if h.method == "POST"]
    logger.info(
        "Redis chaos: %d requests (%d during the %.1f s outage), statuses %s; during: %s",
        len(scene.hits),
        len(during),
        up - down,
        scene.statuses(),
        scene.statuses(during),
    )
    assert len(during) >= 10, "the outage must overlap the load"
    assert registered_during, "registrations must happen during the outage"
    assert all(h.status < 500 for h in scene.hits), scene.statuses()
    assert health == 200
    assert_nothing_lost_or_doubled(scene)


@pytest.mark.postgres
def test_postgres_connections_killed_under_load(scene):
    import psycopg2

    params = connection.get_connection_params()
    main_pid = connection.cursor().connection.info.backend_pid
    kills: list[tuple[float, float, int]] = []

    def chaos() -> tuple[float, float]:
        killer = psycopg2.connect(**params)
        killer.autocommit = True
        try:
            scene.release(REGISTRANTS // 3)
            time.sleep(1.0)
            first = time.monotonic()
            for round_ in range(7):
                if round_ in (1, 4):
                    scene.release(REGISTRANTS // 3)
                started = time.monotonic()
                with killer.cursor() as cursor:
                    cursor.execute(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                        "AND pid <> %s AND backend_type = 'client backend'",
                        [main_pid],
                    )
                    killed = cursor.fetchone()[0]
                kills.append((started, time.monotonic(), killed))
                time.sleep(0.7)
            last = time.monotonic()
            time.sleep(1.0)
        finally:
            killer.close()
        return first, last

    run_with(scene, 3, chaos)

    def in_flight_at_a_kill(hit: Hit) -> bool:
        return any(hit.started <= end and hit.ended >= start for start, end, _ in kills)

    failed = [h for h in scene.hits if h.status >= 500]
    logger.info(
        "PostgreSQL chaos: %d kills (%d connections), %d requests, statuses %s",
        len(kills),
        sum(k for *_, k in kills),
        len(scene.hits),
        scene.statuses(),
    )
    assert not [h for h in failed if h.status != 503], "a 500 during a database outage"
    assert all(in_flight_at_a_kill(h) for h in failed), "a 503 outside the outage"
    assert scene.request("GET", "/healthz", None) == 200
    assert_nothing_lost_or_doubled(scene)
