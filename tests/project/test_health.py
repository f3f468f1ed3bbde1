"""/healthz: database and broker status, 200 only when both answer, never slow."""

import socket
import time
from unittest import mock

import pytest
from django.conf import settings
from django.db.utils import OperationalError

pytestmark = pytest.mark.django_db


def test_healthz_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert body["broker"]["transport"] in ("filesystem", "redis")
    assert "no-cache" in response["Cache-Control"]


@pytest.fixture
def warm_client(client):
    """A client whose process has served /healthz once: the first request of a process imports
    the URLconf, the views and the middleware's modules (0.9 s here), which is not the check's
    time (a served site's workers are warmed by their first request, or by gunicorn's preload)."""
    assert client.get("/healthz").status_code == 200
    return client


def test_healthz_dead_broker_answers_503_fast(warm_client, celery_broker_url, expect_logged_errors):
    client = warm_client
    celery_broker_url("redis://127.0.0.1:1/0", **settings.REDIS_BROKER_TRANSPORT_OPTIONS)
    started = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["broker"]["ok"] is False
    assert body["database"]["ok"] is True
    assert elapsed < 2, f"/healthz took {elapsed:.2f}s with a dead broker"


def test_healthz_hung_broker_answers_503_fast(warm_client, celery_broker_url, expect_logged_errors):
    """A server that accepts the connection and never answers: the worst kind of dead."""
    client = warm_client
    with socket.socket() as blackhole:
        blackhole.bind(("127.0.0.1", 0))
        blackhole.listen(8)  # the kernel completes handshakes; nobody ever reads or writes
        port = blackhole.getsockname()[1]
        # No socket timeouts at all: the check's own time limit must still hold.
        celery_broker_url(f"redis://127.0.0.1:{port}/0")
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["broker"] == {"ok": False, "error": "Timeout"}
    # The check gives up at BROKER_TIMEOUT + 0.5 s (1.5 s); the rest is headroom for a CI machine
    # running two test workers. Without that deadline this request never returns.
    assert elapsed < 3, f"/healthz took {elapsed:.2f}s with a hung broker"


def test_healthz_dead_database_answers_503(client, expect_logged_errors):
    broken = mock.MagicMock()
    broken.cursor.side_effect = OperationalError("could not connect to server")
    with mock.patch("betacowork.health.connection", broken):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == {"ok": False, "error": "OperationalError"}
    assert body["broker"]["ok"] is True


def test_healthz_answers_get_and_head_only(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_healthz_is_exempt_from_the_ssl_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    home = client.get("/")
    assert home.status_code == 301
    assert home["Location"].startswith("https://")
    # The container healthcheck speaks plain HTTP from inside the network.
    assert client.get("/healthz").status_code == 200
