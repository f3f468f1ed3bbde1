"""Rows after they were written: staff send them again, a deleted account's are silenced."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F, QuerySet, TextField, Value
from django.db.models.functions import Concat
from django.utils import timezone

from .models import Outbox
from .outbox import outbox_send_on_commit

# What the rows of a deleted account say (their recipient is then NULL, like a guest's): the
# last error of each of them, whatever its status, so that none is ever sent again.
RECIPIENT_DELETED = "Recipient account deleted."
# The subject of a row written only to take a deleted account's key (a reminder never to be
# written): stored as is, shown translated in the delivery log.
NOT_SENT_SUBJECT = "(not sent: account deleted)"


def resendable(rows: QuerySet[Outbox]) -> QuerySet[Outbox]:
    """The rows among `rows` that staff may send again: not pending, not a deleted
    account's."""
    return rows.exclude(status=Outbox.Status.PENDING).exclude(
        recipient__isnull=True, last_error__startswith=RECIPIENT_DELETED
    )


def outbox_cancel_for_deleted_user(*, user) -> None:
    """A deleted account gets nothing more (the rows stay, anonymised by SET_NULL): the last
    step of `account_delete` (members/hooks.py), after the other apps wrote theirs. Pending
    rows are cancelled; every row is marked, so that "Send again" never reaches the
    address once the account is gone."""
    mine = Outbox.objects.filter(recipient=user)
    mine.filter(status=Outbox.Status.PENDING).update(
        status=Outbox.Status.CANCELLED,
        last_error=RECIPIENT_DELETED,
        claimed_until=None,
        claim_token="",
    )
    # In front of what the row said (a failed row keeps its last error after the mark).
    mine.exclude(last_error__startswith=RECIPIENT_DELETED).update(
        last_error=Concat(Value(RECIPIENT_DELETED + " "), F("last_error"), output_field=TextField())
    )


def outbox_resend(*, ids: Iterable[int]) -> int:
    """Staff action: put failed, cancelled or sent rows back in the queue for one more try.

    Pending rows are left alone (they are queued or being sent already), and so are the rows
    of a deleted account (`RECIPIENT_DELETED`): nothing goes to someone who left. The
    delivery checks still run when the row goes out: a reminder for a cancelled seat stays
    cancelled.
    """
    ids = list(ids)
    with transaction.atomic():
        rows = list(
            resendable(Outbox.objects.select_for_update().filter(pk__in=ids)).only("pk", "headers")
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
