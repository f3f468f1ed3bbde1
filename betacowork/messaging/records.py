"""Recording what happened to a claimed row: sent, failed (retry or give up), cancelled.

Every record is conditional on the claim token the sender holds: a sender that lost its
lease never overwrites the row's new holder. "Sent" is recorded by a `Recorder`, one
single-row UPDATE per message right after the server's reply (see the guarantee in
betacowork/messaging/sender.py); failures and cancellations go through the ORM (they are
rare, and losing one duplicates nothing: the row is tried again).

A batch's "sent" UPDATEs go over a connection of their own (PostgreSQL, outside any
transaction) in psycopg2's asynchronous mode: each one is sent the moment the server accepts a
message, and runs while the next message's envelope (MAIL, RCPT) goes out; the sender reads its
answer (`Recorder.settle()`) before the next message's content (its DATA command too, unless
the server offers PIPELINING: then only the content waits). The database's round trip overlaps
the mail server's instead of following it, and still no two accepted messages are ever
unrecorded. (A thread of its own did the same at three times the CPU: the hand-over, and the
two threads waking each other for every message.) An UPDATE whose answer does not come (the
connection broke) is written again on the sender's own connection, retried for a few seconds,
before the next message's content."""

from __future__ import annotations

import contextlib
import logging
import os
import select
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from betacowork.db import _shape, execute_prepared

from .models import Outbox

logger = logging.getLogger(__name__)

_SENT = Outbox.Status.SENT.value
# Prepared once per connection (betacowork.db.execute_prepared): planning this UPDATE anew
# for every message cost PostgreSQL a third as much again as running it (0.044 ms + 0.088 ms).
_SENT_SQL = (
    f"UPDATE {Outbox._meta.db_table} SET status = %(status)s, "  # noqa: S608
    "attempts = attempts + 1, sent_at = %(now)s, claimed_until = NULL, last_error = '' "
    "WHERE id = %(id)s AND claim_token = %(token)s "
    "AND status NOT IN ('sent', 'failed', 'cancelled')"
)
# Pending only: written twice (an answer lost with its connection: committed or not, the
# sender cannot tell, and writes it again), a record counts its attempt once. Every other
# change of a held row's status clears its claim token; "sent" alone keeps it.
# Said as NOT IN, never `status = 'pending'`: that implies the due index's condition, and a
# plan chosen while the statistics saw few pending rows (any quiet hour) then walks that
# index — every pending row, 7,000 after a large event's sweep — for each message, instead
# of the one row by primary key (tests/messaging/test_sent_plan.py). The claims avoid the
# due filter for the same reason (claim.py).


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
    outside a transaction they are sent over this process's asynchronous connection
    (`sent()` returns at once; `settle()` reads the answer). Otherwise on this thread's
    connection, one cursor.
    """

    def __init__(self, *, fast: bool = False):
        self.fast = fast and connection.vendor == "postgresql"
        # Inside a transaction (tests wrapped in one) another connection would not see the
        # rows: then the UPDATEs run here.
        self.overlap = self.fast and not connection.in_atomic_block
        self.statement = _SentStatement()
        # The UPDATE sent and not yet answered: (its connection, its parameters).
        self.pending: tuple[_Pipe, dict] | None = None

    def __enter__(self) -> Recorder:
        if self.fast and not self.overlap:
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO OFF")
        return self

    def __exit__(self, exc_type, *exc) -> None:
        try:
            self._answered()
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
        """Record `row` sent (the server has just accepted it). With the asynchronous
        connection the UPDATE is sent and runs while the caller goes on; `settle()` waits."""
        now = timezone.now()
        params = {"status": _SENT, "now": now, "id": row.pk, "token": row.claim_token}
        try:
            if self.overlap:  # PostgreSQL: the aware datetime as it is
                self._answered()  # never two in flight
                try:
                    pipe = _pipe()
                    pipe.send(params)
                    self.pending = (pipe, params)
                except Exception:
                    logger.warning("Could not send a record; writing it here.", exc_info=True)
                    _pipe_drop()
                    self._write_here(params)
            else:
                params["now"] = connection.ops.adapt_datetimefield_value(now)
                _retrying(lambda: self.statement.run(params))
        finally:
            row.status, row.attempts = Outbox.Status.SENT, row.attempts + 1

    def settle(self) -> None:
        """Wait until the last "sent" is written; raise RecordFailed if it could not be."""
        self._answered()

    def _answered(self) -> None:
        pending, self.pending = self.pending, None
        if pending is None:
            return
        pipe, params = pending
        try:
            pipe.answer()  # on the connection it went over (a closed one raises)
        except Exception:
            # Committed or not, we cannot tell: written again (it is the same UPDATE).
            logger.warning("A record got no answer; writing it again here.", exc_info=True)
            _pipe_drop()
            self._write_here(params)

    def _write_here(self, params: dict) -> None:
        try:
            _retrying(lambda: self.statement.run(params))
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


# How long the asynchronous connection may take to connect or to answer one UPDATE (usually
# a millisecond) before the record is written on the sender's own connection instead.
PIPE_TIMEOUT = 10.0

# The asynchronous connection: one per process and thread (a forked Celery pool process opens
# its own), kept between batches, with `synchronous_commit = off`.
_pipes_lock = threading.Lock()
_pipes: list[_Pipe] = []  # every one opened, for recorder_connection_close()
_local = threading.local()


class _Pipe:
    """A psycopg2 connection in asynchronous mode: `send()` sends the "sent" UPDATE (a
    prepared statement) and returns; `answer()` waits for its answer. One statement at a
    time."""

    def __init__(self) -> None:
        import psycopg2

        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        self.pid = os.getpid()
        self.conn = psycopg2.connect(async_=True, **params)
        self._wait()
        self.cursor = self.conn.cursor()
        self.cursor.execute("SET synchronous_commit TO OFF")
        self._wait()
        self.sql = _SENT_SQL
        name, positional, self.order = _shape(self.sql)
        self.execute = f"EXECUTE {name}({', '.join(['%s'] * len(self.order))})"
        self.prepare = f"PREPARE {name} AS {positional}; {self.execute}"
        # As betacowork.db does: no prepared statement behind a transaction-pooling pooler.
        self.prepared = None if getattr(settings, "PREPARED_STATEMENTS", True) else False

    def send(self, params: dict) -> None:
        if self.prepared is False:
            self.cursor.execute(self.sql, params)
            return
        self.cursor.execute(
            self.execute if self.prepared else self.prepare, [params[k] for k in self.order]
        )
        self.prepared = True

    def answer(self) -> int:
        from psycopg2.extensions import POLL_OK

        # The answer came while the sender worked, as a rule: read without a deadline. (Not
        # in `_wait`, which also connects: libpq wants the socket waited for between polls.)
        if self.conn.poll() != POLL_OK:
            self._wait()
        return self.cursor.rowcount

    def _wait(self, timeout: float | None = None) -> None:
        """Until the connection is ready, or OperationalError after `timeout` seconds (a
        database that drops packets: the caller writes the record on its own connection)."""
        from psycopg2 import OperationalError
        from psycopg2.extensions import POLL_OK, POLL_READ

        timeout = PIPE_TIMEOUT if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while True:
            state = self.conn.poll()
            if state == POLL_OK:
                return
            left = deadline - time.monotonic()
            if left <= 0:
                raise OperationalError(f"No answer from the database in {timeout:g} s.")
            poller = select.poll()  # not select(): any descriptor number
            poller.register(
                self.conn.fileno(), select.POLLIN if state == POLL_READ else select.POLLOUT
            )
            poller.poll(left * 1000)

    def close(self) -> None:
        if self.pid == os.getpid():  # never a parent's: it would end the parent's session
            with contextlib.suppress(Exception):
                self.conn.close()


def _pipe() -> _Pipe:
    pipe = getattr(_local, "pipe", None)
    if pipe is None or pipe.pid != os.getpid() or pipe.conn.closed:
        pipe = _local.pipe = _Pipe()
        with _pipes_lock:
            _pipes.append(pipe)  # an inherited one stays referenced: never finalised here
    return pipe


def _pipe_drop() -> None:
    """Close this thread's asynchronous connection (after an error): the next record opens
    a new one."""
    pipe = getattr(_local, "pipe", None)
    _local.pipe = None
    if pipe is not None and pipe.pid == os.getpid():  # a parent's stays referenced
        pipe.close()
        with _pipes_lock, contextlib.suppress(ValueError):
            _pipes.remove(pipe)


def recorder_connection_close() -> None:
    """Close this process's asynchronous connections (the next record opens a new one): for
    the test suite, whose test database is dropped at the end. (A connection inherited from
    a parent process is left alone and referenced: closing or freeing it would end the
    parent's session, whose socket it shares.)"""
    with _pipes_lock:
        mine = [p for p in _pipes if p.pid == os.getpid()]
        for pipe in mine:
            _pipes.remove(pipe)
    for pipe in mine:
        pipe.close()
    _local.pipe = None


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
