"""Shared fixtures. Named people: `member`, `other_member`, `organiser`, `staff`;
`member_client` (a client logged in as `member`).

Any ERROR logged during a test fails it; a test that provokes a 5xx on purpose requests
`expect_logged_errors`. Tests marked `postgres`, `redis` or `browser` are skipped, with a
reason, when this run lacks the server (CI has them all and fails on any skip). Browser
fixtures (`page`, `login`, …) are documented in tests/browser/conftest.py.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import tempfile

import pytest
from django.conf import settings

from .factories import UserFactory

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
ON_REDIS = settings.CELERY_BROKER_URL.startswith("redis://")
CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None
)


# pytest-xdist (`make test` runs `-n auto`): tests that share something fixed are marked
# `exclusive(name)` and take a file lock of that name, so no two of them run at the same time
# on different workers (see `_exclusive` below). Everything else is per worker already: the
# test database (in memory, or test_<name>_gw<N> on PostgreSQL), the Redis database of the
# broker (tests/settings.py), the filesystem broker's folder, live_server's port (chosen free),
# the fixed ports of the real-worker tests (offset per worker: tests/messaging/conftest.py).

# The longest tests (hypothesis runs of a minute or more on a 2-core machine) start first, so
# that no worker is left alone with one of them at the end of a parallel run.
SLOW_FIRST = ("tests/project/test_fuzz.py", "tests/events/test_planner.py")


@pytest.hookimpl(tryfirst=True)  # sorted before xdist hands the tests out
def pytest_collection_modifyitems(config, items):
    """Skip, with a reason, only what needs a server this run does not have."""
    items.sort(key=lambda item: item.nodeid.split("::", 1)[0] not in SLOW_FIRST)  # stable
    reasons = {
        "postgres": (ON_POSTGRES, "needs PostgreSQL: set DATABASE_URL=postgres://..."),
        "redis": (ON_REDIS, "needs Redis: set CELERY_BROKER_URL=redis://..."),
        "browser": (CHROMIUM is not None, "needs Chromium at /usr/bin/chromium"),
    }
    for item in items:
        for marker, (available, reason) in reasons.items():
            if item.get_closest_marker(marker) and not available:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _recorder_connection_closed():
    """The outbox's recorder keeps an asynchronous database connection between batches: closed
    after each test, so the test database can be dropped at the end."""
    yield
    from betacowork.messaging.records import recorder_connection_close

    recorder_connection_close()


@pytest.fixture(autouse=True)
def _exclusive(request):
    """A test marked `exclusive(name)` holds the lock file of that name for its whole run
    (fixtures included): a test of another pytest-xdist worker marked with the same name
    waits for it. (xdist's groups would pin such tests to one worker, but only with
    `--dist loadgroup`, and they leave that worker's queue to chance.)"""
    marker = request.node.get_closest_marker("exclusive")
    if marker is None:
        yield
        return
    path = os.path.join(tempfile.gettempdir(), f"betacowork-tests-{marker.args[0]}.lock")
    with open(path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache and no per-process directory memo nor kept
    counts: the database is rolled back between tests, and nothing bumps the directory's
    version when it is."""
    from django.core.cache import cache

    from members.directory import cache as directory_cache
    from members.directory import postgres_count
    from members.views import directory as directory_views

    cache.clear()
    directory_cache._options_memo.clear()
    postgres_count._since.clear()
    directory_views._forms.clear()
    directory_views._results.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request through the test client leaves
    the language it activated (a member's "nl") active on the thread, and a later test
    comparing a lazy label with its English text failed or passed by the order tests ran."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fail_on_logged_errors(caplog):
    """Like ephios: any ERROR logged during a test fails it (500s log one)."""
    yield
    errors = [
        r
        for r in caplog.get_records("call")
        if r.levelno >= logging.ERROR and not getattr(r, "expected", False)
    ]
    if errors:
        pytest.fail("ERROR logged: " + "; ".join(r.getMessage() for r in errors))


class _MarkExpected(logging.Filter):
    def filter(self, record):
        record.expected = True
        return True


@pytest.fixture
def expect_logged_errors():
    """For tests that provoke a 5xx on purpose: django.request's ERROR records don't fail them."""
    logger = logging.getLogger("django.request")
    marker = _MarkExpected()
    logger.addFilter(marker)
    yield
    logger.removeFilter(marker)


@pytest.fixture
def celery_broker_url(monkeypatch):
    """`celery_broker_url(url, **transport_options)`: point Celery at another broker for a test.

    The Celery app read its configuration at import, Celery lets the CELERY_BROKER_URL
    environment variable win over it, and publishers reuse pooled connections: override all
    three, and restore them afterwards.
    """
    from betacowork.celery import app

    saved = {
        "broker_url": app.conf.broker_url,
        "broker_write_url": app.conf.get("broker_write_url"),
        "broker_transport_options": dict(app.conf.broker_transport_options or {}),
        # The filesystem broker's transport class (betacowork/broker.py) would serve any URL.
        "broker_transport": app.conf.broker_transport,
    }

    def _drop_pools() -> None:
        if app._pool is not None:
            app._pool.force_close_all()
            app._pool = None
        app.amqp._producer_pool = None

    def _point(url: str, **transport_options) -> None:
        if "CELERY_BROKER_URL" in os.environ:
            monkeypatch.setenv("CELERY_BROKER_URL", url)
        app.conf.broker_url = url
        app.conf.broker_write_url = url
        app.conf.broker_transport_options = transport_options
        on_filesystem = url.startswith("filesystem://")
        app.conf.broker_transport = saved["broker_transport"] if on_filesystem else None
        _drop_pools()

    yield _point
    for key, value in saved.items():
        app.conf[key] = value
    _drop_pools()


@pytest.fixture
def member(db):
    return UserFactory(name="Katia Xenophontos")


@pytest.fixture
def other_member(db):
    return UserFactory(name="Stan Jagiello")


@pytest.fixture
def organiser(db):
    return UserFactory(name="Norman Lambert")


@pytest.fixture
def staff(db):
    return UserFactory(name="Sofie Peeters", is_staff=True, is_superuser=True)


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def recently_authenticated():
    """`recently_authenticated(client)`: the client's member typed their password a moment ago.

    Changing the account's addresses, deleting it and creating an API token ask for the
    password again (allauth's reauthentication, ACCOUNT_REAUTHENTICATION_TIMEOUT); a
    `force_login` session has no such record. This writes the one allauth's own
    "Confirm access" form writes. Call it after the last `force_login` of the client.
    """
    from allauth.account.internal.flows.reauthentication import reauthenticate_by_password
    from django.contrib.auth import get_user
    from django.test import RequestFactory

    def _mark(client):
        request = RequestFactory().get("/")
        request.session = client.session
        request.user = get_user(request)
        assert request.user.is_authenticated, "log the client in first"
        reauthenticate_by_password(request)
        request.session.save()
        return client

    return _mark
