"""The sender: check claimed rows, deliver each exactly once, record the outcome.

Claiming (claim.py). `outbox_claim()` leases due rows and COMMITS the lease before anything
talks to the mail server, so two workers never hold the same row; a worker killed while
holding a lease leaves the row pending, and once the lease passes the sweep hands it to
another worker. Redis redelivering the task (or not: an unacknowledged message waits for the
broker's visibility timeout) changes nothing: the database decides what is due and who holds
it.

Delivering a batch. `outbox_send_claimed()` works per batch wherever that is safe, and per
message only where the duplicate window requires it:
- per batch: the delivery checks (betacowork/messaging/checks.py, one pass), rendering the
  rows written as data, recording the cancelled rows, the lease (renewed for the whole rest
  of the batch in one UPDATE once half of it is gone, so a slow batch never outlives it), the
  SMTP connection (opened once, reopened only after a broken one), and each distinct
  attachment part (a sweep's .ics is encoded once, betacowork/messaging/mime.py);
- per message: the bytes go to the server (smtp.py's `sendmail` on the open smtplib session;
  the next message's bytes are built while the server reads these), and
  right after its 250 reply ONE single-row UPDATE records "sent", autocommitted, conditional
  on our claim token (a sender that lost its lease never overwrites the new holder). It runs
  as a prepared raw statement on a cursor kept for the batch: no ORM work between the
  server's reply and the record.

Failures. A temporary failure (4xx reply, connection refused or dropped, timeout) schedules
the next attempt in the database with exponential backoff (`OUTBOX_RETRY_BASE_SECONDS` * 2^n)
and after `OUTBOX_MAX_ATTEMPTS` tries the row is `failed`. A permanent refusal (5xx, e.g.
`SMTPRecipientsRefused` for a bounced address) fails the row at once: retrying cannot help.
Failed rows are listed in the admin with a "send again" action (`outbox_resend`).

THE GUARANTEE, AND THE ONE UNAVOIDABLE WINDOW. A message is recorded "sent" before the next
message of the batch is handed to the server (its envelope, MAIL and RCPT — and DATA, where the
server offers PIPELINING — may go out while the record is written over the asynchronous
connection; its content waits for the record's answer, see records.py). So if the worker dies,
or the database is unreachable, at any moment, at most ONE message — the one the server has
just accepted (250 to the end of DATA) and whose UPDATE has not yet committed — is still
pending under an expiring lease, and is sent a second time after the lease expires. No design
removes this window (SMTP has no two-phase commit); recording "sent" for several messages in
one statement would widen it to all of them, so the batching stops short of that: the window
stays one message and one single-row UPDATE long (retried for a few seconds if the database
hiccups). Every copy carries the same deterministic Message-ID, so mail servers and clients
that de-duplicate on it show one. While a batch is sent, outcomes commit with PostgreSQL's
`synchronous_commit = off` (no WAL flush per message): visible to every session at once and
kept through any crash of ours; only a crash of the database server itself within ~0.6 s (3 x
wal_writer_delay) could forget an outcome, and that row would be sent again. Leases, which keep
two senders apart, commit synchronously before. A crash anywhere else — before the lease
commits, while sending, after recording — loses and duplicates nothing."""

from __future__ import annotations

import contextlib
import logging
import smtplib
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.db.models import Q
from django.utils import timezone, translation

from . import records
from .checks import obsolete_reasons
from .claim import Row, outbox_claim
from .kinds import kind_for
from .mime import MessageBuilder, connection_broken, smtp_error_is_permanent
from .models import Outbox
from .rendering import SUBJECT_MAX_LENGTH, subject_line
from .smtp import PENDING, sendmail

logger = logging.getLogger(__name__)


def _lease_fresh(row: Row) -> bool:
    """More than half of the row's lease is left (no need to renew it yet)."""
    lease = timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    return bool(row.claimed_until) and row.claimed_until - timezone.now() > lease / 2


def _leases_keep(rows: list[Row]) -> set[int]:
    """The ids among `rows` we still hold; renews all their leases in one UPDATE (the rest
    of a batch, claimed together) when half of the first one's is gone."""
    if rows and _lease_fresh(rows[0]):
        return {r.pk for r in rows}
    lease = timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    now = timezone.now()
    held = Q()
    for row in rows:
        held |= Q(pk=row.pk, claim_token=row.claim_token)
    renewed = Outbox.objects.filter(held, status=Outbox.Status.PENDING).update(
        claimed_until=now + lease
    )
    kept = (
        {r.pk for r in rows}
        if renewed == len(rows)
        else set(
            Outbox.objects.filter(held, status=Outbox.Status.PENDING).values_list("pk", flat=True)
        )
    )
    for row in rows:
        if row.pk in kept:
            row.claimed_until = now + lease
    return kept


# Rendering rows written as data ------------------------------------------------------------


def outbox_render(rows: list[Row], *, save: bool = True) -> dict[int, str]:
    """Fill the text of rows written as data (empty subject, ids in `payload`) from their
    kind's `render()`, saving it (`save`) so the delivery log shows what went out; a preview
    (`save=False`) leaves the row to be rendered when it is sent. Returns {row id: reason}
    for rows that cannot be rendered: what they name is gone, or rendering failed (logged;
    one broken message never holds up the rest of a batch)."""
    reasons: dict[int, str] = {}
    todo = [row for row in rows if not row.subject and row.payload]
    batches = _prefetched(todo)
    for row in todo:
        kind = kind_for(row.kind)
        try:
            if kind is None:
                raise LookupError(f"Unknown message kind {row.kind!r}.")
            # In the reader's language: the templates (`message_render`) and all else the
            # kind renders outside them, such as an .ics attachment's category (QA: a Dutch
            # member's calendar file said "Talk / Conference").
            with translation.override(row.language or settings.LANGUAGE_CODE):
                batch = batches.get(row.kind)
                message, attachments = (
                    kind.render(row) if batch is None else kind.render(row, batch)
                )
        except LookupError as exc:
            reasons[row.pk] = str(exc)[:500]
            continue
        except Exception as exc:
            logger.exception("Outbox row %s (%s) could not be rendered.", row.pk, row.kind)
            reasons[row.pk] = f"Could not be rendered: {exc}"[:500]
            continue
        row.subject = subject_line(message.subject)[:SUBJECT_MAX_LENGTH]
        row.body_text, row.body_html = message.text, message.html
        row.attachments = attachments or []
        if save:
            Outbox.objects.filter(pk=row.pk, subject="").update(
                subject=row.subject,
                body_text=row.body_text,
                body_html=row.body_html,
                attachments=row.attachments,
            )
    return reasons


def _prefetched(rows: list[Row]) -> dict[str, dict | None]:
    """{kind: what its `prefetch()` read for its rows}: one read per kind and batch. A kind
    whose prefetch fails renders each row on its own (logged)."""
    by_kind: dict[str, list[Row]] = {}
    for row in rows:
        by_kind.setdefault(row.kind, []).append(row)
    batches: dict[str, dict | None] = {}
    for key, group in by_kind.items():
        kind = kind_for(key)
        if kind is None:
            continue
        try:
            batches[key] = kind.prefetch(group)
        except Exception:
            logger.exception("Outbox rows of %s could not be prefetched.", key)
    return batches


# Delivering --------------------------------------------------------------------------------


def _sendable(rows: list[Row], *, check: bool) -> list[Row]:
    """The rows still worth sending; the others are recorded cancelled (one UPDATE each
    reason, a batch at a time)."""
    reasons = obsolete_reasons(rows) if check else {}
    reasons.update(outbox_render([r for r in rows if r.pk not in reasons]))
    records.cancelled([r for r in rows if r.pk in reasons], reasons)
    return [r for r in rows if r.pk not in reasons]


class _Batch:
    """One SMTP connection, one attachment cache and one record cursor for a batch."""

    def __init__(self, connection):
        self.connection = connection
        self.builder = MessageBuilder()
        # Django's SMTP backend: hand the bytes to its smtplib session directly.
        self.smtp = isinstance(connection, SmtpBackend)
        # The next row's envelope, built while the server reads the current message:
        # (row id, envelope, the exception building it raised).
        self.prepared: tuple[int, tuple | None, Exception | None] | None = None

    def prepare(self, row: Row | None) -> tuple | None:
        """Build `row`'s bytes now (while the server is busy with the previous message's
        DATA); an error is kept and raised when the row is sent, as if built then. Returns
        the envelope when its group may go out now, behind the previous message (smtp.py,
        PIPELINING): built, and its lease fresh, so that `_send_batch` sends it next."""
        if row is None or not self.smtp:
            return None
        try:
            self.prepared = (row.pk, self.builder.envelope(row), None)
        except Exception as exc:
            self.prepared = (row.pk, None, exc)
            return None
        return self.prepared[1] if _lease_fresh(row) else None

    def envelope(self, row: Row) -> tuple:
        prepared, self.prepared = self.prepared, None
        if prepared is None or prepared[0] != row.pk:
            return self.builder.envelope(row)
        _pk, envelope, error = prepared
        if error is not None:
            raise error
        return envelope

    @property
    def _session(self):
        """The backend's open smtplib session (None: none open, or not an SMTP backend)."""
        return getattr(self.connection, "connection", None) if self.smtp else None

    def _session_closed(self) -> bool:
        """The exchange closed its session's socket (a 421 to RCPT, a server that said 354
        to a DATA it should have refused): the backend still holds the dead session."""
        session = self._session
        return session is not None and getattr(session, "sock", None) is None

    def drop_pending(self) -> None:
        """A row whose envelope went out behind the previous message is not sent after all:
        the server waits for its content, so the connection is closed (nothing delivered;
        the next row opens a new one)."""
        session = self._session
        if session is not None and getattr(session, PENDING, None) is not None:
            session.close()  # the socket first: a QUIT now would be read as content
            with contextlib.suppress(Exception):
                self.connection.close()

    def send(self, row: Row, recorder: records.Recorder, following: Row | None) -> bool:
        """Send one row; its outcome is recorded (or, over the asynchronous connection, being
        recorded: `recorder.settle()` waits) before this returns. True if sent. `following`,
        the row sent next, has its bytes built while the server reads this one's."""
        try:
            if self.smtp:
                if self.connection.connection is None:
                    self.connection.open()
                sendmail(
                    self.connection.connection,
                    *self.envelope(row),
                    before_data=recorder.settle,
                    while_server_reads=lambda: self.prepare(following),
                )
            else:
                recorder.settle()
                sent = self.builder.email(row, self.connection).send(fail_silently=False)
                if sent != 1:
                    raise smtplib.SMTPException("The mail backend reported nothing sent.")
        except records.RecordFailed:
            raise  # the previous message's record, not this row's delivery: the batch stops
        except Exception as exc:
            records.failure(row, exc, permanent=smtp_error_is_permanent(exc))
            if connection_broken(exc) or self._session_closed():
                with contextlib.suppress(Exception):
                    self.connection.close()  # the next message opens a fresh connection
            return False
        # The window: the server accepted the message; record it at once, nothing between.
        recorder.sent(row)
        return True


def outbox_deliver(row: Row, *, connection=None, check: bool = True) -> bool:
    """Send one claimed row; record the outcome if we still hold its lease. True if sent.

    With `check`, the delivery checks run first (a message no longer wanted is cancelled).
    SMTP errors are recorded (retry or failure) and not raised.
    """
    if not _leases_keep([row]):
        logger.warning("Outbox row %s: lease lost before sending; left to its holder.", row.pk)
        return False
    if not _sendable([row], check=check):
        return False
    with records.Recorder() as recorder:
        return _Batch(connection or get_connection(fail_silently=False)).send(row, recorder, None)


def outbox_send_claimed(rows: list[Row]) -> int:
    """Send already-claimed rows over one SMTP connection; return how many went out."""
    sendable = _sendable(rows, check=True) if rows else []
    if not sendable:
        return 0
    connection = get_connection(fail_silently=False)
    try:
        try:
            connection.open()
        except Exception as exc:
            # No server: every row of the batch gets this failed attempt, without 50 timeouts.
            records.failures(sendable, exc)
            return 0
        with records.Recorder(fast=True) as recorder:
            return _send_batch(sendable, _Batch(connection), recorder)
    finally:
        with contextlib.suppress(Exception):  # closing a broken connection
            connection.close()


def _send_batch(sendable: list[Row], batch: _Batch, recorder) -> int:
    sent = 0
    for index, row in enumerate(sendable):
        if not _lease_fresh(row) and row.pk not in _leases_keep(sendable[index:]):
            logger.warning("Outbox row %s: lease lost before sending; left to its holder.", row.pk)
            batch.drop_pending()
            continue
        if getattr(batch.connection, "connection", True) is None:
            # The backend closed its connection after an error: open a new one for the rest
            # of the batch (send_messages would open and close one per message).
            try:
                batch.connection.open()
            except Exception as exc:
                records.failures(sendable[index:], exc)
                break
        following = sendable[index + 1] if index + 1 < len(sendable) else None
        sent += batch.send(row, recorder, following)
    return sent


def outbox_send_due(*, ids: Iterable[int] | None = None, limit: int | None = None) -> int:
    """Claim and send one batch of due rows (or only `ids`); return how many went out."""
    return outbox_send_claimed(outbox_claim(ids=ids, limit=limit))
