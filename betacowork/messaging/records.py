"""Recording what happened to a claimed row: sent, failed (retry or give up), cancelled.

Every record is conditional on the claim token the sender holds: a sender that lost its
lease never overwrites the row's new holder. "Sent" is recorded by a `Recorder`, one
single-row UPDATE per message right after the server's reply (see the guarantee in
betacowork/messaging/sender.py); failures and cancellations go through the ORM (they are
rare, and losing one duplicates nothing: the row is tried again).

A batch's "sent" UPDATEs run on a thread of their own with its own connection (PostgreSQL,
outside any transaction): each one is handed over the moment the server accepts a message,
and runs while the next message's envelope (MAIL, RCPT) goes out; the sender waits for it
(`Recorder.settle()`) before the next DATA. The database's round trip overlaps the mail
server's instead of following it, and still no two accepted messages are ever unrecorded.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from betacowork.db import execute_prepared

from .models import Outbox

logger = logging.getLogger(__name__)

# Prepared once per connection (betacowork.db.execute_prepared): planning this UPDATE anew
# for every message cost PostgreSQL a third as much again as running it (0.044 ms + 0.088 ms).
_SENT_SQL = (
    f"UPDATE {Outbox._meta.db_table} SET status = %(status)s, "  # noqa: S608
    "attempts = attempts + 1, sent_at = %(now)s, claimed_until = NULL, last_error = '' "
    "WHERE id = %(id)s AND claim_token = %(token)s"
)


def _retrying(write):
    """Run `write()`; if the database hiccups, retry for a few seconds, then raise."""
    for attempt in range(4):
        try:
            return write()
        except DatabaseError:
            if attempt == 3:
                raise
            close_old_connections()
            time.sleep(0.5 * (attempt + 1))
    return 0


def _record(row: Outbox, **fields) -> int:
    return _retrying(
        lambda: Outbox.objects.filter(pk=row.pk, claim_token=row.claim_token).update(**fields)
    )


class RecordFailed(Exception):
    """A "sent" record could not be written, even after retries (the database is gone)."""


class Recorder:
    """Records "sent", one autocommitted single-row UPDATE per message.

    With `fast` (a batch, on PostgreSQL), the outcomes commit with `synchronous_commit =
    off` while the batch is sent (no WAL flush per message; see sender.py's guarantee), and
    outside a transaction they are written by the recorder thread (`sent()` returns at once;
    `settle()` waits for the last one). Otherwise on this thread's connection, one cursor.
    """

    def __init__(self, *, fast: bool = False):
        self.fast = fast and connection.vendor == "postgresql"
        # Inside a transaction (tests wrapped in one) another connection would not see the
        # rows: then the UPDATEs run here.
        self.overlap = self.fast and not connection.in_atomic_block
        self.statement = _SentStatement()
        self.pending: Future | None = None

    def __enter__(self) -> Recorder:
        if self.fast and not self.overlap:
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO OFF")
        return self

    def __exit__(self, exc_type, *exc) -> None:
        try:
            self.settle()
        except RecordFailed:
            if exc_type is None:
                raise
            logger.exception("The last message's record failed while the batch was failing.")
        finally:
            self.statement.close()
            if self.fast and not self.overlap:
                with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
                    cursor.execute("RESET synchronous_commit")

    def sent(self, row: Outbox) -> None:
        """Record `row` sent (the server has just accepted it). With the recorder thread,
        the UPDATE is handed over and runs while the caller goes on; `settle()` waits."""
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        params = {
            "status": Outbox.Status.SENT.value,
            "now": now,
            "id": row.pk,
            "token": row.claim_token,
        }
        try:
            if self.overlap:
                self.settle()  # never two in flight
                self.pending = _recorder_thread().submit(_write_sent_on_thread, params)
            else:
                _retrying(lambda: self.statement.run(params))
        finally:
            row.status, row.attempts = Outbox.Status.SENT, row.attempts + 1

    def settle(self) -> None:
        """Wait until the last "sent" is written; raise RecordFailed if it could not be."""
        pending, self.pending = self.pending, None
        if pending is None:
            return
        try:
            pending.result()
        except Exception as exc:
            raise RecordFailed(f"Could not record a sent message: {exc}") from exc


class _SentStatement:
    """The "sent" UPDATE on one cursor of the calling thread's connection, kept between
    messages; `setup` runs first on each new connection."""

    def __init__(self, setup: str = ""):
        self.setup, self.cursor, self.raw = setup, None, None

    def run(self, params: dict) -> int:
        if self.cursor is None or self.raw is not connection.connection:
            self.cursor = connection.cursor()
            if self.setup:
                self.cursor.execute(self.setup)
            self.raw = connection.connection
        try:
            return execute_prepared(self.cursor, _SENT_SQL, params)
        except DatabaseError:
            self.cursor = None  # its connection is gone: the retry opens a new one
            raise

    def close(self) -> None:
        if self.cursor is not None:
            with contextlib.suppress(DatabaseError):
                self.cursor.close()
        self.cursor = None


# The recorder thread: one per process (a forked Celery pool process makes its own), with its
# own database connection kept between batches and `synchronous_commit = off` on it.
_thread_lock = threading.Lock()
_thread: tuple[int, ThreadPoolExecutor] | None = None
_thread_state = threading.local()


def _recorder_thread() -> ThreadPoolExecutor:
    global _thread
    with _thread_lock:
        if _thread is None or _thread[0] != os.getpid():
            _thread = (os.getpid(), ThreadPoolExecutor(1, thread_name_prefix="outbox-recorder"))
        return _thread[1]


def recorder_connection_close() -> None:
    """Close the recorder thread's database connection, if it has one (the next record
    opens a new one): for the test suite, whose test database is dropped at the end."""
    with _thread_lock:
        running = _thread[1] if _thread is not None and _thread[0] == os.getpid() else None
    if running is not None:
        running.submit(_close_on_thread).result()


def _close_on_thread() -> None:
    _thread_statement().close()
    connection.close()


def _thread_statement() -> _SentStatement:
    statement = getattr(_thread_state, "statement", None)
    if statement is None:
        statement = _thread_state.statement = _SentStatement("SET synchronous_commit TO OFF")
    return statement


def _write_sent_on_thread(params: dict) -> int:
    statement = _thread_statement()
    return _retrying(lambda: statement.run(params))


def failure(row: Outbox, exc: BaseException, *, permanent: bool = False) -> None:
    attempts = row.attempts + 1
    failed = permanent or attempts >= settings.OUTBOX_MAX_ATTEMPTS
    delay = settings.OUTBOX_RETRY_BASE_SECONDS * (2 ** (attempts - 1))
    _record(
        row,
        attempts=attempts,
        status=Outbox.Status.FAILED if failed else Outbox.Status.PENDING,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
        claimed_until=None,
        claim_token="",
        last_error=f"{type(exc).__name__}: {exc}"[:2000],
    )
    logger.warning(
        "Outbox row %s (%s) not sent, attempt %s, %s: %s",
        row.pk,
        row.kind,
        attempts,
        "failed for good" if failed else f"next try in {delay}s",
        exc,
    )


def failures(rows: list[Outbox], exc: BaseException) -> None:
    """The same temporary failure for several rows (the server could not be reached)."""
    for row in rows:
        failure(row, exc, permanent=False)


def cancelled(rows: list[Outbox], reasons: dict[int, str]) -> None:
    """Record `rows` cancelled, each with its reason: one UPDATE per distinct reason."""
    by_reason: dict[str, list[Outbox]] = {}
    for row in rows:
        by_reason.setdefault(reasons[row.pk][:2000], []).append(row)
    for reason, group in by_reason.items():
        held = [(r.pk, r.claim_token) for r in group]

        def write(held=held, reason=reason) -> int:
            total = 0
            for token in {t for _pk, t in held}:
                total += Outbox.objects.filter(
                    pk__in=[pk for pk, t in held if t == token], claim_token=token
                ).update(
                    status=Outbox.Status.CANCELLED,
                    claimed_until=None,
                    claim_token="",
                    last_error=reason,
                )
            return total

        _retrying(write)
        for row in group:
            logger.info("Outbox row %s (%s) cancelled: %s", row.pk, row.kind, reason)
