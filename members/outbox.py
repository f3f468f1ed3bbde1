"""The outbox: how every message is written, claimed and delivered exactly once.

Writing. `outbox_write()` (one message) and `outbox_write_many()` (a sweep's worth) insert rows
inside the caller's transaction, idempotent on the unique de-duplication key, and ask, on
commit, for send tasks. Nothing a web request does waits for the broker: a publish error is
logged and swallowed (and the broker is then left alone for a few seconds), and the periodic
`outbox_sweep` task sends the rows later.

Claiming. `outbox_claim()` leases due rows — `select_for_update(skip_locked=True)` on
PostgreSQL (on SQLite the IMMEDIATE transaction serialises claimers) — and COMMITS the lease
(`claimed_until`, a fresh `claim_token`) before anything talks to the mail server, so two
workers never hold the same row. A worker killed while holding a lease leaves the row pending;
once `claimed_until` passes, the sweep hands it to another worker. Redis redelivering the task
(or not: an unacknowledged message waits for the broker's visibility timeout) changes nothing:
the database decides what is due and who holds it.

Delivering. `outbox_send_due()` sends a claimed batch over ONE SMTP connection. Before each
message it re-checks that it still holds the lease (renewing it when half of it is gone, so a
slow batch never outlives its lease) and asks the delivery checks whether the message is
still wanted (a cancelled registration, a moved or past event, an opted-out member, a deleted
account: the row becomes `cancelled`, with the reason). The outcome of every message is
committed right after the mail server answers — one short UPDATE, conditional on our claim
token, so a sender that lost its lease never overwrites the new holder.

Failures. A temporary failure (4xx reply, connection refused or dropped, timeout) schedules
the next attempt in the database with exponential backoff (`OUTBOX_RETRY_BASE_SECONDS` * 2^n)
and after `OUTBOX_MAX_ATTEMPTS` tries the row is `failed`. A permanent refusal (5xx, e.g.
`SMTPRecipientsRefused` for a bounced address) fails the row at once: retrying cannot help.
Failed rows are listed in the admin with a "send again" action (`outbox_resend`).

THE ONE UNAVOIDABLE WINDOW: the mail server has accepted the message (it answered 250 to the
end of DATA) and the process dies — or the database is unreachable — before the `sent` UPDATE
commits. The row is still pending under an expiring lease, so it is sent a second time after
the lease expires. No design removes this window (SMTP has no two-phase commit); we keep it
to the duration of one single-row UPDATE right after the server's reply (retried for a few
seconds if the database hiccups), never a whole batch, and every copy carries the same
deterministic Message-ID so that mail servers and clients that de-duplicate on it show one.
While a batch is sent, outcomes commit with PostgreSQL's `synchronous_commit = off` (no WAL
flush per message): that widens the window only for a crash of the database server itself,
by at most ~0.6 s of outcomes. A crash anywhere else — before the lease commits, while
sending, after recording — loses and duplicates nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import smtplib
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import (
    DatabaseError,
    IntegrityError,
    close_old_connections,
    transaction,
)
from django.db import connection as db_connection
from django.db.models import Q
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import Outbox, User

logger = logging.getLogger(__name__)

# After a failed publish the web process leaves the broker alone this long: every message is
# in the database anyway and the sweep sends it, so later requests need not pay a timeout.
BROKER_BACKOFF_SECONDS = 10.0
_broker_down_until = 0.0


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str = ""


@dataclass
class OutboxMessage:
    """One message for `outbox_write_many()` (same fields as `outbox_write()`)."""

    dedup_key: str
    kind: str
    to_email: str
    language: str
    message: RenderedMessage
    recipient: User | None = None
    topic: str = ""
    headers: dict = field(default_factory=dict)
    attachments: list = field(default_factory=list)


def message_render(*, template_prefix: str, context: dict, language: str) -> RenderedMessage:
    """Render `<prefix>_subject.txt`, `<prefix>.txt` and (optional) `<prefix>.html`."""
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template_prefix}_subject.txt", context).split())
        text = render_to_string(f"{template_prefix}.txt", context)
        try:
            html = render_to_string(f"{template_prefix}.html", context)
        except TemplateDoesNotExist:
            html = ""
    return RenderedMessage(subject=subject, text=text, html=html)


def _row_fields(msg: OutboxMessage) -> dict:
    return {
        "kind": msg.kind,
        "topic": msg.topic,
        "recipient": msg.recipient,
        "to_email": msg.to_email,
        "language": msg.language,
        "from_email": settings.DEFAULT_FROM_EMAIL,
        "subject": " ".join(msg.message.subject.split())[:255],
        "body_text": msg.message.text,
        "body_html": msg.message.html,
        "headers": msg.headers or {},
        "attachments": msg.attachments or [],
    }


def outbox_write(
    *,
    dedup_key: str,
    kind: str,
    to_email: str,
    language: str,
    message: RenderedMessage,
    recipient=None,
    topic: str = "",
    headers: dict | None = None,
    attachments: list[dict] | None = None,
    send_now: bool = True,
) -> tuple[Outbox, bool]:
    """Write one message in the caller's transaction; return (row, created).

    A known dedup key writes nothing new (whatever its status). The send task is enqueued
    only after the caller's transaction commits; a rolled-back change sends nothing.
    """
    msg = OutboxMessage(
        dedup_key=dedup_key,
        kind=kind,
        to_email=to_email,
        language=language,
        message=message,
        recipient=recipient,
        topic=topic,
        headers=headers or {},
        attachments=attachments or [],
    )
    defaults = _row_fields(msg)
    if not to_email:
        # Kept for the delivery log rather than raised: the caller's change must not fail.
        defaults.update(status=Outbox.Status.CANCELLED, last_error="No email address.")
    try:
        with transaction.atomic():
            row, created = Outbox.objects.get_or_create(dedup_key=dedup_key, defaults=defaults)
    except IntegrityError:
        # A concurrent transaction wrote the same key first: that one is the message.
        row, created = Outbox.objects.get(dedup_key=dedup_key), False
    if created and send_now and row.status == Outbox.Status.PENDING:
        outbox_send_on_commit([row.pk])
    return row, created


def outbox_existing_keys(keys: Iterable[str]) -> set[str]:
    """The de-duplication keys among `keys` that already have a row (so need no rendering)."""
    keys = list(keys)
    found: set[str] = set()
    for start in range(0, len(keys), 1000):
        found.update(
            Outbox.objects.filter(dedup_key__in=keys[start : start + 1000]).values_list(
                "dedup_key", flat=True
            )
        )
    return found


def outbox_write_many(messages: Iterable[OutboxMessage], *, send_now: bool = True) -> list[int]:
    """Write many messages at once (one INSERT … ON CONFLICT DO NOTHING per chunk).

    Idempotent like `outbox_write()`: keys that exist are left alone, so two sweeps running
    at once write each message once. Returns the ids of the rows for these keys that are
    pending (ours or a concurrent writer's); send tasks for them are enqueued on commit.
    """
    messages = [m for m in messages if m.to_email]
    if not messages:
        return []
    rows = [Outbox(dedup_key=m.dedup_key, **_row_fields(m)) for m in messages]
    keys = [m.dedup_key for m in messages]
    with transaction.atomic():
        Outbox.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
        ids: list[int] = []
        for start in range(0, len(keys), 1000):
            ids.extend(
                Outbox.objects.filter(
                    dedup_key__in=keys[start : start + 1000], status=Outbox.Status.PENDING
                )
                .order_by("pk")
                .values_list("pk", flat=True)
            )
    if send_now:
        outbox_send_on_commit(ids)
    return ids


def outbox_send_on_commit(ids: Iterable[int]) -> None:
    """After the current transaction commits, ask workers to send these rows.

    One task per row for a single message; rows written together go in tasks of
    `OUTBOX_BATCH_SIZE` ids, so each task sends its batch over one SMTP connection. A broker
    error never reaches the caller: the rows are in the database and the sweep sends them.
    """
    ids = list(ids)
    if not ids:
        return

    def _enqueue() -> None:
        global _broker_down_until
        if time.monotonic() < _broker_down_until:
            logger.info("Broker marked down; %d outbox rows left for the sweep.", len(ids))
            return
        from .tasks import outbox_send, outbox_send_batch

        size = settings.OUTBOX_BATCH_SIZE
        for start in range(0, len(ids), size):
            chunk = ids[start : start + size]
            try:
                if len(chunk) == 1:
                    outbox_send.apply_async((chunk[0],), retry=False)
                else:
                    outbox_send_batch.apply_async(kwargs={"ids": chunk}, retry=False)
            except Exception as exc:
                _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
                logger.warning(
                    "Broker unavailable (%s: %s); %d outbox rows left for the sweep.",
                    type(exc).__name__,
                    exc,
                    len(ids) - start,
                )
                return

    transaction.on_commit(_enqueue)


# Claiming ----------------------------------------------------------------------------------


def _due_filter(now) -> Q:
    return Q(status=Outbox.Status.PENDING, next_attempt_at__lte=now) & (
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )


def outbox_due_count(now=None) -> int:
    """How many rows are due and not held by a live lease."""
    return Outbox.objects.filter(_due_filter(now or timezone.now())).count()


def outbox_claim(*, ids: Iterable[int] | None = None, limit: int | None = None) -> list[Outbox]:
    """Lease due rows (all due ones, or only `ids`) and commit the lease before returning."""
    now = timezone.now()
    limit = limit or settings.OUTBOX_BATCH_SIZE
    token = str(uuid.uuid4())
    with transaction.atomic():
        qs = Outbox.objects.select_for_update(skip_locked=True).filter(_due_filter(now))
        if ids is not None:
            qs = qs.filter(pk__in=list(ids))
        pks = list(qs.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
        if not pks:
            return []
        Outbox.objects.filter(pk__in=pks).filter(_due_filter(now)).update(
            claimed_until=now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS),
            claim_token=token,
        )
    # Committed: from here on no other claimer can take these rows until the lease expires.
    return list(
        Outbox.objects.select_related("recipient")
        .filter(pk__in=pks, claim_token=token)
        # Oldest first within the batch, as claimed.
        .order_by("next_attempt_at", "pk")
    )


def _lease_keep(row: Outbox) -> bool:
    """True if we still hold `row`; renews the lease once half of it is gone."""
    lease = timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    now = timezone.now()
    if row.claimed_until and row.claimed_until - now > lease / 2:
        return True
    renewed = Outbox.objects.filter(
        pk=row.pk, claim_token=row.claim_token, status=Outbox.Status.PENDING
    ).update(claimed_until=now + lease)
    if renewed:
        row.claimed_until = now + lease
    return bool(renewed)


# Delivery checks ---------------------------------------------------------------------------

# kind -> check(rows) -> {row pk: reason the message must not go}. Filled by the message-kind
# registry (betacowork/messaging: a kind's `obsolete_reasons`), which every process loads
# in its apps' ready(), so the outbox never imports the apps that write messages.
DeliveryCheck = Callable[[list[Outbox]], dict[int, str]]
_delivery_checks: dict[str, DeliveryCheck] = {}


def outbox_register_check(*, kind: str, check: DeliveryCheck) -> None:
    """Register a check run just before rows of `kind` are sent (e.g. is the seat still ours)."""
    _delivery_checks[kind] = check


def _cancel_reasons(rows: list[Outbox]) -> dict[int, str]:
    from betacowork.messaging.kinds import preference_of

    from .notifications import OPTIONAL_KINDS, wants_email

    reasons: dict[int, str] = {}
    by_kind: dict[str, list[Outbox]] = defaultdict(list)
    for row in rows:
        by_kind[row.kind].append(row)
        recipient = row.recipient
        # A registered kind names its preference; the older kinds are their own preference.
        preference = preference_of(row.kind) or row.kind
        if recipient is not None and preference in OPTIONAL_KINDS:
            if not recipient.is_active:
                reasons[row.pk] = "Recipient account is inactive."
            elif not wants_email(recipient, preference):
                reasons[row.pk] = "Recipient unsubscribed from this kind of message."
    for kind, kind_rows in by_kind.items():
        check = _delivery_checks.get(kind)
        if check is None:
            continue
        todo = [r for r in kind_rows if r.pk not in reasons]
        if todo:
            reasons.update(check(todo))
    return reasons


def outbox_cancel_for_deleted_user(*, user: User) -> None:
    """A deleted account gets nothing more (the rows stay, anonymised by SET_NULL): the last
    step of `account_delete` (members/hooks.py), after the other apps wrote theirs."""
    Outbox.objects.filter(recipient=user, status=Outbox.Status.PENDING).update(
        status=Outbox.Status.CANCELLED,
        last_error="Recipient account deleted.",
        claimed_until=None,
        claim_token="",
    )


# Delivering --------------------------------------------------------------------------------


def message_id_for(row: Outbox) -> str:
    """Deterministic Message-ID: a copy sent again in the unavoidable window is recognisable.

    A staff resend bumps `X-Betacowork-Resend`, giving the resent copy a new Message-ID (mail
    clients would otherwise hide it as a duplicate).
    """
    resend = str(row.headers.get("X-Betacowork-Resend", "0"))
    digest = hashlib.sha256(f"{row.dedup_key}|{resend}".encode()).hexdigest()[:32]
    host = urlsplit(settings.SITE_URL).hostname or "betacowork.local"
    return f"<{digest}@{host}>"


def _email_for(row: Outbox, connection) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=row.subject,
        body=row.body_text,
        from_email=row.from_email or settings.DEFAULT_FROM_EMAIL,
        to=[row.to_email],
        headers={
            **row.headers,
            "Message-ID": message_id_for(row),
            "X-Betacowork-Message": row.dedup_key[:200],
        },
        connection=connection,
    )
    if row.body_html:
        email.attach_alternative(row.body_html, "text/html")
    for item in row.attachments:
        email.attach(item["filename"], item["content"], item.get("mimetype", "text/plain"))
    return email


def smtp_error_is_permanent(exc: BaseException) -> bool:
    """5xx replies are final (bounced address, refused content); 4xx and I/O errors are not."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600
    return False


def _connection_broken(exc: BaseException) -> bool:
    """True when the SMTP connection cannot carry the next message (reopen it)."""
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code == 421  # "service closing transmission channel"
    if isinstance(exc, smtplib.SMTPException):
        return False  # e.g. recipients refused: the server said no, the session goes on
    return isinstance(exc, OSError)  # socket errors, timeouts


def _record(row: Outbox, **fields) -> int:
    """Commit one outcome, conditional on our claim; retried briefly if the database hiccups."""
    for attempt in range(4):
        try:
            return Outbox.objects.filter(pk=row.pk, claim_token=row.claim_token).update(**fields)
        except DatabaseError:
            if attempt == 3:
                raise
            close_old_connections()
            time.sleep(0.5 * (attempt + 1))
    return 0


@contextlib.contextmanager
def _fast_outcome_commits():
    """While a batch is sent, outcomes commit with `synchronous_commit = off` (PostgreSQL).

    The row is visible to every other session at once and survives any crash of ours; only a
    crash of the database server itself within ~0.6 s (3 x wal_writer_delay) could forget an
    outcome, and that row would be sent again. The trade buys a much faster sender (no WAL
    flush per message). Leases, which keep two senders apart, commit synchronously before.
    """
    on_postgres = db_connection.vendor == "postgresql"
    if on_postgres:
        with db_connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        if on_postgres:
            with contextlib.suppress(DatabaseError), db_connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")


def _record_failure(row: Outbox, exc: BaseException, *, permanent: bool = False) -> None:
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


def _record_cancel(row: Outbox, reason: str) -> None:
    _record(
        row,
        status=Outbox.Status.CANCELLED,
        claimed_until=None,
        claim_token="",
        last_error=reason[:2000],
    )
    logger.info("Outbox row %s (%s) cancelled: %s", row.pk, row.kind, reason)


def outbox_deliver(row: Outbox, *, connection=None, check: bool = True) -> bool:
    """Send one claimed row; record the outcome if we still hold its lease. True if sent.

    With `check`, the delivery checks run first (a message no longer wanted is cancelled).
    SMTP errors are recorded (retry or failure) and not raised.
    """
    if not _lease_keep(row):
        logger.warning("Outbox row %s: lease lost before sending; left to its holder.", row.pk)
        return False
    if check:
        reason = _cancel_reasons([row]).get(row.pk)
        if reason:
            _record_cancel(row, reason)
            return False
    reason = outbox_render([row]).get(row.pk)
    if reason:
        _record_cancel(row, reason)
        return False
    try:
        sent = _email_for(row, connection).send(fail_silently=False)
        if sent != 1:
            raise smtplib.SMTPException("The mail backend reported nothing sent.")
    except Exception as exc:
        _record_failure(row, exc, permanent=smtp_error_is_permanent(exc))
        if connection is not None and _connection_broken(exc):
            with contextlib.suppress(Exception):
                connection.close()  # the next message opens a fresh connection
        return False
    # The window: the server accepted the message; record it at once, nothing in between.
    _record(
        row,
        status=Outbox.Status.SENT,
        attempts=row.attempts + 1,
        sent_at=timezone.now(),
        claimed_until=None,
        last_error="",
    )
    return True


def outbox_render(rows: list[Outbox], *, save: bool = True) -> dict[int, str]:
    """Fill the text of rows written as data (empty subject, ids in `payload`) from their
    kind's `render()`, saving it (`save`) so the delivery log shows what went out; a preview
    (`save=False`) leaves the row to be rendered when it is sent. Returns {row id: reason}
    for rows that cannot be rendered: what they name is gone, or rendering failed (logged;
    one broken message never holds up the rest of a batch)."""
    from betacowork.messaging.kinds import kind_for

    reasons: dict[int, str] = {}
    for row in rows:
        if row.subject or not row.payload:
            continue
        kind = kind_for(row.kind)
        try:
            if kind is None:
                raise LookupError(f"Unknown message kind {row.kind!r}.")
            message, attachments = kind.render(row)
        except LookupError as exc:
            reasons[row.pk] = str(exc)[:500]
            continue
        except Exception as exc:
            logger.exception("Outbox row %s (%s) could not be rendered.", row.pk, row.kind)
            reasons[row.pk] = f"Could not be rendered: {exc}"[:500]
            continue
        row.subject = " ".join(message.subject.split())[:255]
        row.body_text, row.body_html = message.text, message.html
        row.attachments = attachments or []
        if not save:
            continue
        Outbox.objects.filter(pk=row.pk, subject="").update(
            subject=row.subject,
            body_text=row.body_text,
            body_html=row.body_html,
            attachments=row.attachments,
        )
    return reasons


def outbox_send_claimed(rows: list[Outbox]) -> int:
    """Send already-claimed rows over one SMTP connection; return how many went out."""
    if not rows:
        return 0
    reasons = _cancel_reasons(rows)
    reasons.update(outbox_render([r for r in rows if r.pk not in reasons]))
    sendable = []
    for row in rows:
        if row.pk in reasons:
            _record_cancel(row, reasons[row.pk])
        else:
            sendable.append(row)
    if not sendable:
        return 0
    connection = get_connection(fail_silently=False)
    try:
        try:
            connection.open()
        except Exception as exc:
            # No server: every row of the batch gets this failed attempt, without 50 timeouts.
            for row in sendable:
                _record_failure(row, exc, permanent=False)
            return 0
        with _fast_outcome_commits():
            sent = _send_batch(sendable, connection)
    finally:
        with contextlib.suppress(Exception):  # closing a broken connection
            connection.close()
    return sent


def _send_batch(sendable: list[Outbox], connection) -> int:
    sent = 0
    for index, row in enumerate(sendable):
        if getattr(connection, "connection", True) is None:
            # The SMTP backend closed its connection after an error: open a new one for the
            # rest of the batch (send_messages would open and close one per message).
            try:
                connection.open()
            except Exception as exc:
                for rest in sendable[index:]:
                    _record_failure(rest, exc, permanent=False)
                break
        sent += outbox_deliver(row, connection=connection, check=False)
    return sent


def outbox_send_due(*, ids: Iterable[int] | None = None, limit: int | None = None) -> int:
    """Claim and send one batch of due rows (or only `ids`); return how many went out."""
    return outbox_send_claimed(outbox_claim(ids=ids, limit=limit))


def outbox_resend(*, ids: Iterable[int]) -> int:
    """Staff action: put failed, cancelled or sent rows back in the queue for one more try.

    Pending rows are left alone (they are queued or being sent already). The delivery checks
    still run when the row goes out: a reminder for a cancelled seat stays cancelled.
    """
    ids = list(ids)
    with transaction.atomic():
        rows = list(
            Outbox.objects.select_for_update()
            .filter(pk__in=ids)
            .exclude(status=Outbox.Status.PENDING)
            .only("pk", "headers")
        )
        now = timezone.now()
        for row in rows:
            headers = dict(row.headers or {})
            headers["X-Betacowork-Resend"] = str(int(headers.get("X-Betacowork-Resend", 0)) + 1)
            Outbox.objects.filter(pk=row.pk).update(
                status=Outbox.Status.PENDING,
                attempts=0,
                next_attempt_at=now,
                claimed_until=None,
                claim_token="",
                headers=headers,
                last_error="",
            )
        outbox_send_on_commit([row.pk for row in rows])
    return len(rows)
