"""Asking the workers to send outbox rows: one broker publish per burst, not per row.

Publishing a Celery task costs ~1.3 ms of CPU in the web process (building the message,
serialising it, a round trip to Redis): a third of a registration POST. During a registration
rush hundreds of rows are written per second, so each process collects the ids of committed
rows and a background thread publishes them `WINDOW_SECONDS` later as batch tasks of up to
`OUTBOX_BATCH_SIZE` ids (one SMTP connection each). Delivery starts at most that much later.

Nothing is lost when the process dies before publishing, or when the broker is down: the rows
are committed in the database and the periodic `outbox_sweep` sends them (as it does for any
row whose task never ran). Tasks are published by name, so this module does not depend on
where the outbox's tasks live.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Iterable

from django.conf import settings

logger = logging.getLogger(__name__)

SEND_ONE = "messaging.tasks.outbox_send"
SEND_BATCH = "messaging.tasks.outbox_send_batch"
# How long the thread waits after the first id of a burst before publishing: long enough to
# gather a burst, short enough that nobody waits for the confirmation email.
WINDOW_SECONDS = 0.05
# After a failed publish the broker is left alone this long (the sweep sends the rows).
BROKER_BACKOFF_SECONDS = 10.0


class SendBatcher:
    """Per-process queue of outbox ids, published by a daemon thread (started lazily, and
    again in a forked child: threads do not survive fork)."""

    def __init__(self, window: float = WINDOW_SECONDS) -> None:
        self.window = window
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._ids: list[int] = []
        self._pid = 0
        self._thread: threading.Thread | None = None
        self._broker_down_until = 0.0

    def add(self, ids: Iterable[int]) -> None:
        """Queue committed rows for sending (call it after the commit: on_commit)."""
        ids = list(ids)
        if not ids:
            return
        with self._lock:
            self._ids.extend(ids)
            if self._pid != os.getpid() or self._thread is None or not self._thread.is_alive():
                self._pid = os.getpid()
                self._wake = threading.Event()
                self._thread = threading.Thread(
                    target=self._run, name="outbox-send-batcher", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def pending(self) -> int:
        with self._lock:
            return len(self._ids)

    def _run(self) -> None:
        wake = self._wake
        while True:
            wake.wait()
            time.sleep(self.window)
            wake.clear()
            try:
                self.flush()
            except Exception:  # never let the thread die: the next burst needs it
                logger.exception("Outbox send batcher: publishing failed.")

    def flush(self) -> int:
        """Publish every queued id now; returns how many tasks were published."""
        with self._lock:
            ids, self._ids = self._ids, []
        if not ids:
            return 0
        if time.monotonic() < self._broker_down_until:
            logger.info("Broker marked down; %d outbox rows left for the sweep.", len(ids))
            return 0
        from celery import current_app

        size = settings.OUTBOX_BATCH_SIZE
        published = 0
        for start in range(0, len(ids), size):
            chunk = ids[start : start + size]
            try:
                if len(chunk) == 1:
                    current_app.send_task(SEND_ONE, args=(chunk[0],), retry=False)
                else:
                    current_app.send_task(SEND_BATCH, kwargs={"ids": chunk}, retry=False)
            except Exception as exc:
                self._broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
                logger.warning(
                    "Broker unavailable (%s: %s); %d outbox rows left for the sweep.",
                    type(exc).__name__,
                    exc,
                    len(ids) - start,
                )
                break
            published += 1
        return published


batcher = SendBatcher()
# A worker stopped gracefully (gunicorn's SIGTERM, max_requests) publishes what it holds.
atexit.register(batcher.flush)
