"""`/healthz`: JSON status of the database and the broker; 200 if both are up, else 503."""

from __future__ import annotations

import time

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

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


def broker_status(timeout: float = BROKER_TIMEOUT) -> dict:
    """Open a real connection to the broker, giving up after `timeout` seconds."""
    started = time.monotonic()
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=timeout)
            # A cheap round trip proves the server answers, not just that a socket opened.
            conn.default_channel.queue_declare("celery.healthz", passive=False, auto_delete=True)
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {
        "ok": True,
        "transport": app.conf.broker_url.split(":", 1)[0],
        "ms": round((time.monotonic() - started) * 1000, 1),
    }


@never_cache
@require_GET
def healthz(request):
    db, broker = database_status(), broker_status()
    ok = db["ok"] and broker["ok"]
    return JsonResponse(
        {"status": "ok" if ok else "degraded", "database": db, "broker": broker},
        status=200 if ok else 503,
    )
