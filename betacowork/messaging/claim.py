"""Claiming outbox rows: who sends which due row, and what a sender reads of it.

`outbox_claim()` leases due rows — `FOR UPDATE SKIP LOCKED` on PostgreSQL, where a batch
task's ids are locked, leased and read in one statement (`_claim_ids`; on SQLite the
IMMEDIATE transaction serialises claimers) — and COMMITS the lease (`claimed_until`, a fresh
`claim_token`) before anything talks to the mail server, so two workers never hold the same
row. A worker killed while holding a lease leaves the row pending; once `claimed_until`
passes, the sweep hands it to another worker. The claimed rows come back as values
(`ClaimedRow`: the row's fields, its recipient's two the delivery check reads), not model
instances. The sender (sender.py) delivers them and renews their leases.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from .models import Outbox


def _due_filter(now) -> Q:
    return Q(status=Outbox.Status.PENDING, next_attempt_at__lte=now) & (
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )


def outbox_due_ids(*, limit: int, now=None) -> list[int]:
    """The ids of up to `limit` rows due and not held by a live lease, oldest first."""
    due = Outbox.objects.filter(_due_filter(now or timezone.now()))
    return list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])


def outbox_claim(*, ids: Iterable[int] | None = None, limit: int | None = None) -> list[ClaimedRow]:
    """Lease due rows (all due ones, or only `ids`) and commit the lease before returning."""
    now = timezone.now()
    limit = limit or settings.OUTBOX_BATCH_SIZE
    token = str(uuid.uuid4())
    if ids is not None and connection.vendor == "postgresql":
        return _claim_ids(list(ids), now, limit, token)
    with transaction.atomic():
        pks = _claimable(now, ids, limit)
        if not pks:
            return []
        # Locked by this transaction on PostgreSQL; on SQLite (no row locks) the lease is
        # taken only if nobody took it since they were read. (Not the whole due filter: the
        # planner would walk the due index again.)
        Outbox.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now), pk__in=pks
        ).update(
            claimed_until=now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS),
            claim_token=token,
        )
    # Committed: from here on no other claimer can take these rows until the lease expires.
    values = (
        Outbox.objects.filter(pk__in=pks, claim_token=token)
        # Oldest first within the batch, as claimed.
        .order_by("next_attempt_at", "pk")
        .annotate(**{f"_{name}_raw": Cast(name, TextField()) for name in _JSON_FIELDS})
        .values_list(*_CLAIMED_COLUMNS)
    )
    decoded: dict[str, object] = {}  # a sweep's rows share their attachments' JSON
    return [ClaimedRow(row, decoded) for row in values]


def _claim_ids(ids: list[int], now, limit: int, token: str) -> list[ClaimedRow]:
    """PostgreSQL, a batch task's claim: lock, lease and read the rows in ONE statement
    (`_CLAIM_IDS_SQL`), committed on its own before returning (inside a caller's transaction
    — a test's — with it), instead of a transaction of three (the lock, the lease, the
    read) and the ORM's work for each."""
    until = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    ids = [int(pk) for pk in ids]  # as the ORM would take them ("5" from a hand-made task)
    params = {"ids": ids, "now": now, "limit": limit, "until": until, "token": token}
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_IDS_SQL, params)
        values = cursor.fetchall()
    decoded: dict[str, object] = {}
    return [
        # Each row its own list of opt-outs, as the ORM decodes them.
        ClaimedRow((*fields, None if opt_outs is None else json.loads(opt_outs)), decoded)
        for *fields, opt_outs in values
    ]


# What a claim reads of each row: its own fields (the JSON ones as their text, decoded once
# per distinct value) and the two of its recipient the delivery check reads.
_JSON_FIELDS = ("headers", "payload", "attachments")
_PLAIN_FIELDS = (
    "id", "dedup_key", "kind", "topic", "recipient_id", "to_email", "language", "from_email",
    "subject", "body_text", "body_html", "status", "attempts", "next_attempt_at",
    "claimed_until", "claim_token", "last_error", "created_at", "sent_at",
)  # fmt: skip
_CLAIMED_COLUMNS = (
    *_PLAIN_FIELDS,
    *(f"_{name}_raw" for name in _JSON_FIELDS),
    "recipient__is_active",
    "recipient__email_opt_outs",
)


def _claim_ids_sql() -> str:
    """The batch claim as one statement: the due rows among the ids locked (SKIP LOCKED, as
    `_claimable`: a claim never waits for another, so it never deadlocks with a cancelling
    UPDATE taking the same rows in another order), leased, and read with their recipient's
    two fields, oldest first. Pending is said as NOT IN the three other statuses, never
    `status = 'pending'`, which implies the due index's condition: planned while the
    statistics saw few pending rows, the lock would walk that index — every pending row —
    instead of the ids' primary keys (records.py's `_SENT_SQL` says the same)."""
    table, users = Outbox._meta.db_table, Outbox._meta.get_field("recipient").related_model
    user_table = users._meta.db_table
    plain = ", ".join(f"claimed.{Outbox._meta.get_field(name).column}" for name in _PLAIN_FIELDS)
    json_text = ", ".join(f"claimed.{name}::text" for name in _JSON_FIELDS)
    returning = ", ".join(
        f"{table}.{Outbox._meta.get_field(name).column}" for name in (*_PLAIN_FIELDS, *_JSON_FIELDS)
    )
    return (
        f"WITH free AS ("  # noqa: S608 (names from the models, values as parameters)
        f"SELECT id FROM {table} WHERE id = ANY(%(ids)s) "
        "AND status NOT IN ('sent', 'failed', 'cancelled') AND next_attempt_at <= %(now)s "
        "AND (claimed_until IS NULL OR claimed_until < %(now)s) "
        "ORDER BY next_attempt_at, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED), "
        f"claimed AS (UPDATE {table} SET claimed_until = %(until)s, claim_token = %(token)s "
        f"FROM free WHERE {table}.id = free.id RETURNING {returning}) "
        f"SELECT {plain}, {json_text}, recipient.is_active, recipient.email_opt_outs::text "
        f"FROM claimed LEFT JOIN {user_table} recipient ON recipient.id = claimed.recipient_id "
        "ORDER BY claimed.next_attempt_at, claimed.id"
    )


class ClaimedRecipient:
    """What the delivery check reads of a row's recipient account (checks.py)."""

    __slots__ = ("email_opt_outs", "is_active", "pk")

    def __init__(self, pk: int, is_active: bool, email_opt_outs):
        self.pk, self.is_active, self.email_opt_outs = pk, is_active, email_opt_outs


class ClaimedRow:
    """A claimed outbox row as the sender uses it: the row's values read by one query, no
    model instance (a batch of 200 built 400: each row and its recipient). It has the
    attributes of an `Outbox` row that the sender, the delivery checks, the kinds'
    `obsolete_reasons()` and `render()` and the records read; `recipient` is None or a
    `ClaimedRecipient` (is_active, email_opt_outs). `payload` is decoded when first read (a
    rendered row's is never read)."""

    __slots__ = (*_PLAIN_FIELDS, "headers", "attachments", "recipient", "_payload")

    def __init__(self, values: tuple, decoded: dict):
        for name, value in zip(_PLAIN_FIELDS, values, strict=False):
            setattr(self, name, value)
        n = len(_PLAIN_FIELDS)
        headers, self._payload, attachments, is_active, opt_outs = values[n:]
        self.headers = json.loads(headers) if headers else {}
        if attachments in decoded:
            self.attachments = decoded[attachments]
        else:
            self.attachments = decoded[attachments] = json.loads(attachments) if attachments else []
        self.recipient = (
            None
            if self.recipient_id is None
            else ClaimedRecipient(self.recipient_id, is_active, opt_outs)
        )

    @property
    def pk(self) -> int:
        return self.id

    @property
    def payload(self) -> dict:
        if isinstance(self._payload, str):
            self._payload = json.loads(self._payload)
        return self._payload if self._payload is not None else {}

    @payload.setter
    def payload(self, value) -> None:
        self._payload = value

    def __repr__(self) -> str:
        return f"<ClaimedRow {self.id} {self.kind} → {self.to_email}>"


Row = Outbox | ClaimedRow  # what the sender sends: a claimed row, or a model instance
_CLAIM_IDS_SQL = _claim_ids_sql()


def _claimable(now, ids: Iterable[int] | None, limit: int) -> list[int]:
    """Lock (FOR UPDATE SKIP LOCKED) and return up to `limit` due rows, oldest first.

    Given ids, the rows are found by primary key and their due state read from them: a
    batch task must not walk the due index, which holds the whole backlog (7,000 rows for a
    large event's reminders: every batch of 50 read them all)."""
    qs = Outbox.objects.select_for_update(skip_locked=True)
    if ids is None:
        qs = qs.filter(_due_filter(now)).order_by("next_attempt_at", "pk")
        return list(qs.values_list("pk", flat=True)[:limit])
    rows = qs.filter(pk__in=list(ids)).values_list(
        "pk", "status", "next_attempt_at", "claimed_until"
    )
    due = sorted(
        (next_attempt_at, pk)
        for pk, status, next_attempt_at, claimed_until in rows
        if status == Outbox.Status.PENDING
        and next_attempt_at <= now
        and (claimed_until is None or claimed_until < now)
    )
    return [pk for _at, pk in due[:limit]]
