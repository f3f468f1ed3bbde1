"""Recording what happened to a claimed row: sent, failed (retry or give up), cancelled.

Every record is conditional on the claim token the sender holds: a sender that lost its
lease never overwrites the row's new holder. "Sent" is recorded by a `Recorder`, one
single-row UPDATE per message right after the server's reply (see the guarantee in
betacowork/messaging/sender.py); failures and cancellations go through the ORM (they are
rare, and losing one duplicates nothing: the row is tried again).
"""

from __future__ import annotations

import contextlib
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from .models import Outbox

logger = logging.getLogger(__name__)

_SENT_SQL = (
    f"UPDATE {Outbox._meta.db_table} SET status = %s, attempts = attempts + 1, "  # noqa: S608
    "sent_at = %s, claimed_until = NULL, last_error = '' WHERE id = %s AND claim_token = %s"
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


class Recorder:
    """Records "sent", one autocommitted single-row UPDATE per message, on one cursor.

    With `fast` (a batch, on PostgreSQL), the outcomes commit with `synchronous_commit =
    off` while the batch is sent (no WAL flush per message; see sender.py's guarantee).
    """

    def __init__(self, *, fast: bool = False):
        self.fast = fast and connection.vendor == "postgresql"
        self.cursor = None

    def __enter__(self) -> Recorder:
        if self.fast:
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO OFF")
        return self

    def __exit__(self, *exc) -> None:
        if self.cursor is not None:
            with contextlib.suppress(DatabaseError):
                self.cursor.close()
        if self.fast:
            with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")

    def sent(self, row: Outbox) -> int:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        params = [Outbox.Status.SENT.value, now, row.pk, row.claim_token]

        def write() -> int:
            if self.cursor is None:
                self.cursor = connection.cursor()
            try:
                self.cursor.execute(_SENT_SQL, params)
            except DatabaseError:
                self.cursor = None  # its connection is gone: the retry opens a new one
                raise
            return self.cursor.rowcount

        try:
            return _retrying(write)
        finally:
            row.status, row.attempts = Outbox.Status.SENT, row.attempts + 1


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
