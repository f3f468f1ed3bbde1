"""Writing to the outbox: every message is a row written in the caller's transaction.

`outbox_write()` (one message) and `outbox_write_many()` (a sweep's worth, or a fan-out's)
insert rows, idempotent on the unique de-duplication key; `outbox_write_data()` writes a row
as data (ids in `payload`, rendered by its kind just before sending: nothing rendered under
the caller's lock), and so does `outbox_write_many()` for messages without `message`. Each
asks, on commit, for send tasks. Nothing a web request does waits for the broker: a publish
error is logged and swallowed (and the broker is then left alone for a few seconds), and the
periodic `outbox_sweep` task sends the rows later.

Services do not call this module directly: they call `notify()` / `notify_address()`
(betacowork/messaging/notify.py), or, for a sweep or a fan-out of one registered kind,
build `OutboxMessage`s and call `outbox_write_many()`. Delivery is betacowork/messaging/sender.py.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from .models import Outbox
from .rendering import SUBJECT_MAX_LENGTH, RenderedMessage, subject_line

logger = logging.getLogger(__name__)

# After a failed publish the web process leaves the broker alone this long: every message is
# in the database anyway and the sweep sends it, so later requests need not pay a timeout.
BROKER_BACKOFF_SECONDS = 10.0
_broker_down_until = 0.0


@dataclass
class OutboxMessage:
    """One message for `outbox_write_many()` (same fields as `outbox_write()`). Without
    `message` it is written as data: `payload` (ids, and what the message must say that may
    change before it is sent) is rendered by its kind's `render()` just before sending."""

    dedup_key: str
    kind: str
    to_email: str
    language: str
    message: RenderedMessage | None = None
    recipient: object | None = None  # the User, or anything with its `pk`, or its id
    topic: str = ""
    headers: dict = field(default_factory=dict)
    attachments: list = field(default_factory=list)
    # Not sent before this moment (a message written ahead of its time); None: at once.
    not_before: datetime | None = None
    payload: dict = field(default_factory=dict)


# A message written as data has no text yet (the sender renders it: an empty subject).
_AS_DATA = RenderedMessage(subject="", text="", html="")


def _row_fields(msg: OutboxMessage) -> dict:
    rendered = msg.message or _AS_DATA
    return {
        "kind": msg.kind,
        "topic": msg.topic,
        "recipient": msg.recipient,
        "to_email": msg.to_email,
        "language": msg.language,
        "from_email": settings.DEFAULT_FROM_EMAIL,
        "subject": subject_line(rendered.subject)[:SUBJECT_MAX_LENGTH],
        "body_text": rendered.text,
        "body_html": rendered.html,
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


def outbox_write_data(
    *, dedup_key: str, kind: str, to_email: str, language: str, payload: dict, **row
) -> Outbox:
    """Write a message as data: one INSERT, nothing rendered (its kind's `render()` fills it
    just before sending). For keys that cannot exist yet (a new registration, a new
    promotion): no ON CONFLICT re-read. `row` may give `recipient_id` and `topic`."""
    written = Outbox.objects.create(
        dedup_key=dedup_key,
        kind=kind,
        to_email=to_email,
        language=language,
        from_email=settings.DEFAULT_FROM_EMAIL,
        payload=payload,
        **row,
    )
    outbox_send_on_commit([written.pk])
    return written


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
    """Write many messages at once (one INSERT … ON CONFLICT DO NOTHING per chunk): a
    sweep's rendered reminders, or a fan-out's messages as data (no `message`), whose
    queries do not grow with the recipients.

    Idempotent like `outbox_write()`: keys that exist are left alone, so two sweeps running
    at once write each message once. Returns the ids of the rows for these keys that are
    pending (ours or a concurrent writer's); send tasks for them are enqueued on commit
    (`send_now`; messages written ahead of their time, `not_before`, wait for the sweep).
    """
    messages = [m for m in messages if m.to_email]
    if not messages:
        return []
    keys = [m.dedup_key for m in messages]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            ids = _insert_returning(messages)
        else:
            rows = [_outbox_row(m) for m in messages]
            Outbox.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
            ids = []
        if len(ids) != len(messages):  # some keys existed: their pending rows too
            ids = _pending_ids(keys)
    if send_now:
        outbox_send_on_commit(ids)
    return ids


_INSERT_COLUMNS = (
    "dedup_key", "kind", "topic", "recipient_id", "to_email", "language", "from_email",
    "subject", "body_text", "body_html", "headers", "attachments", "payload", "status",
    "attempts", "next_attempt_at", "claim_token", "last_error", "created_at",
)  # fmt: skip
# The statement as bytes around the rows (mogrify's output): not decoded and encoded again
# (but for execute wrappers, promised a str).
_INSERT_HEAD = (
    f"INSERT INTO {Outbox._meta.db_table} ({', '.join(_INSERT_COLUMNS)}) VALUES "  # noqa: S608
).encode()
_INSERT_TAIL = b" ON CONFLICT (dedup_key) DO NOTHING RETURNING id"
_JSON_COLUMNS = ("headers", "attachments", "payload")
_CELLS = tuple(b"%s::jsonb" if c in _JSON_COLUMNS else b"%s" for c in _INSERT_COLUMNS)
_INSERT_CHUNK = 500


def _insert_returning(messages: list[OutboxMessage]) -> list[int]:
    """PostgreSQL: the rows in INSERT … ON CONFLICT DO NOTHING RETURNING id statements of 500
    rows, each row's values quoted by psycopg2 (`mogrify`) straight from the message: what
    `bulk_create` writes, without a model instance and the ORM's per-field preparation for
    each of thousands of rows (a third of a 7,000-reminder sweep's CPU). A value every row
    of a chunk shares (the .ics of a sweep's event, its subject, sender, times…) is quoted
    once for the chunk (`_row_template`). Returns the ids inserted (a key that existed
    returns none), in order."""
    now = timezone.now()
    encoded: dict[tuple[int, ...], str] = {}

    def attachments(msg: OutboxMessage) -> str:
        key = tuple(map(id, msg.attachments or ()))
        if key not in encoded:
            encoded[key] = json.dumps(msg.attachments or [])
        return encoded[key]

    ids: list[int] = []
    with connection.cursor() as cursor:
        quote = cursor.cursor.mogrify  # psycopg2's own quoting of each value
        for start in range(0, len(messages), _INSERT_CHUNK):
            values = [
                _insert_values(msg, now, attachments(msg))
                for msg in messages[start : start + _INSERT_CHUNK]
            ]
            template, varying = _row_template(values, quote)
            rows = [quote(template, [row[i] for i in varying]) for row in values]
            # No parameters left to interpolate: through Django's cursor (query logging,
            # execute wrappers) as one statement, which psycopg2 sends as it is — decoded
            # only for execute wrappers, which Django promises a str.
            sql = _INSERT_HEAD + b",".join(rows) + _INSERT_TAIL
            cursor.execute(sql.decode() if connection.execute_wrappers else sql)
            ids.extend(pk for (pk,) in cursor.fetchall())
    return sorted(ids)


def _row_template(values: list[tuple], quote) -> tuple[bytes, list[int]]:
    """One row's VALUES tuple for `mogrify`, the columns whose value every row shares
    written in it already quoted (`%` doubled, as mogrify reads its template), and the
    indexes of the others, left as placeholders."""
    first, cells, varying = values[0], [], []
    for i, cell in enumerate(_CELLS):
        if all(row[i] == first[i] for row in values):
            cells.append(quote(cell, [first[i]]).replace(b"%", b"%%"))
        else:
            cells.append(cell)
            varying.append(i)
    return b"(" + b",".join(cells) + b")", varying


def _insert_values(msg: OutboxMessage, now, attachments: str) -> tuple:
    fields = _row_fields(msg)
    recipient = fields.pop("recipient")
    fields.update(
        dedup_key=msg.dedup_key,
        recipient_id=_recipient_id(recipient),
        headers=json.dumps(fields["headers"]),
        attachments=attachments,
        payload=json.dumps(msg.payload or {}),
        status=Outbox.Status.PENDING.value,
        attempts=0,
        next_attempt_at=msg.not_before or now,
        claim_token="",
        last_error="",
        created_at=now,
    )
    return tuple(fields[column] for column in _INSERT_COLUMNS)


def _outbox_row(msg: OutboxMessage) -> Outbox:
    fields = _row_fields(msg)
    recipient = fields.pop("recipient")
    return Outbox(
        dedup_key=msg.dedup_key,
        recipient_id=_recipient_id(recipient),
        next_attempt_at=msg.not_before or timezone.now(),
        payload=msg.payload or {},
        **fields,
    )


def _recipient_id(recipient) -> int | None:
    """A message's recipient as the row stores it: the account's id (`recipient` is the
    User, anything with its `pk` — the reminder sweep's light account — or the id)."""
    return getattr(recipient, "pk", recipient)


def _pending_ids(keys: list[str]) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(keys), 1000):
        ids.extend(
            Outbox.objects.filter(
                dedup_key__in=keys[start : start + 1000], status=Outbox.Status.PENDING
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    return ids


def outbox_send_on_commit(ids: Iterable[int]) -> None:
    """After the current transaction commits, ask workers to send these rows.

    One task per row for a single message; rows written together go in tasks of
    `OUTBOX_BATCH_SIZE` ids, so each task sends its batch over one SMTP connection. A broker
    error never reaches the caller: the rows are in the database and the sweep sends them.
    Inside `outbox_quiet()`, nothing is asked.
    """
    ids = list(ids)
    if ids and not _quiet.get():
        transaction.on_commit(lambda: _enqueue(ids))


_quiet: ContextVar[bool] = ContextVar("outbox_quiet", default=False)


@contextlib.contextmanager
def outbox_quiet():
    """Rows written inside are written as ever, but no worker is asked to send them: the
    outbox sweep (beat, every minute) finds those still pending. For a writer that settles
    the rows itself right after — the demo world marks its past announcements sent — so no
    task is queued for a row that is no longer due."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def _enqueue(ids: list[int]) -> None:
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        logger.info("Broker marked down; %d outbox rows left for the sweep.", len(ids))
        return
    # The tasks module imports the sender, never this one: the edge goes one way.
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
