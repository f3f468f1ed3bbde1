"""`/healthz`: JSON status of the database, the broker and the cache; 200 if all are up,
else 503. (Pages keep working without the cache: /healthz is where its outage shows.)

Anyone sees the status and which service is down; the details (latencies, the transport, the
cache backend, the exception's name) are for staff and for monitors that send
`Authorization: Bearer <HEALTHZ_TOKEN>` — a staff session needs the database, the token does
not, so a monitor still sees why when the database is the one that is down."""

from __future__ import annotations

import secrets
import threading
import time

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .cache import cache_status
from .celery import app

BROKER_TIMEOUT = 1.0


def database_status() -> dict:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}


def _broker_round_trip(timeout: float) -> dict:
    """Open a real connection to the broker and make one cheap round trip."""
    started = time.monotonic()
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=timeout)
            # A round trip proves the server answers, not just that a socket opened.
            conn.default_channel.queue_declare("celery.healthz", passive=False, auto_delete=True)
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {
        "ok": True,
        "transport": app.conf.broker_url.split(":", 1)[0],
        "ms": round((time.monotonic() - started) * 1000, 1),
    }


def broker_status(timeout: float = BROKER_TIMEOUT) -> dict:
    """The broker check, answered within `timeout` (+0.5 s) whatever the broker does.

    Socket timeouts in the transport options normally end a hung connection; the check also
    runs in a daemon thread so that a server which accepts the connection and then never
    answers cannot hold up the health check (or the process serving it).
    """
    result: dict = {}

    def _check() -> None:
        result.update(_broker_round_trip(timeout))

    worker = threading.Thread(target=_check, name="healthz-broker", daemon=True)
    worker.start()
    worker.join(timeout + 0.5)
    if worker.is_alive() or not result:
        return {"ok": False, "error": "Timeout"}
    return result


def token_sent(request) -> bool:
    """`Authorization: Bearer <HEALTHZ_TOKEN>`, a token being configured."""
    token = settings.HEALTHZ_TOKEN
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    # Bytes: compare_digest refuses str with non-ASCII characters (a TypeError, a 500), and a
    # header may carry any latin-1 character.
    return (
        bool(token)
        and scheme.lower() == "bearer"
        and secrets.compare_digest(sent.strip().encode(), token.encode())
    )


def shows_details(request) -> bool:
    """The configured token in the Authorization header, or a staff member's session (while the
    database is down the session's user cannot be read: the middleware's 503 answers, without
    details unless the token is sent)."""
    from members.rules import is_staff  # site staff, not the staff box alone

    return token_sent(request) or is_staff(request.user)


@never_cache
@require_safe
def healthz(request):
    db, broker, cached = database_status(), broker_status(), cache_status(caches["default"])
    ok = db["ok"] and broker["ok"] and cached["ok"]
    services = {"database": db, "broker": broker, "cache": cached}
    if not shows_details(request):
        services = {name: {"ok": status["ok"]} for name, status in services.items()}
    return JsonResponse(
        {"status": "ok" if ok else "degraded", **services}, status=200 if ok else 503
    )
