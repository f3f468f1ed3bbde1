"""The outbox: how every message is written, claimed and delivered exactly once.

Writing: `outbox_write()` inserts a row inside the caller's transaction (idempotent on its
de-duplication key) and asks, on commit, for a send task. If the broker is down the web
request still succeeds: the periodic sweep sends the row later.

Delivering: `outbox_claim()` commits a lease on due rows (`select_for_update(skip_locked)`
on PostgreSQL; on SQLite the IMMEDIATE transaction serialises claimers) before anything talks
to the mail server, so two workers never hold the same row. `outbox_deliver()` sends one
claimed row and records the outcome only if it still holds the lease. A worker killed while
holding a lease leaves the row pending; once `claimed_until` passes another sender takes it.

The one unavoidable window: the mail server accepted the message and the process died before
the `sent` row was committed. That row is sent again after its lease expires. We keep the
window small by committing `sent` immediately after SMTP returns, one row per transaction.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import Outbox

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str = ""


def message_render(*, template_prefix: str, context: dict, language: str) -> RenderedMessage:
    """Render `<prefix>_subject.txt`, `<prefix>.txt` and (optional) `<prefix>.html`."""
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template_prefix}_subject.txt", context).split())
        text = render_to_string(f"{template_prefix}.txt", context)
        try:
            html = render_to_string(f"{template_prefix}.html", context)
        except Exception:
            html = ""
    return RenderedMessage(subject=subject, text=text, html=html)


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
    """Write one message; return (row, created). A known dedup key writes nothing new."""
    defaults = {
        "kind": kind,
        "topic": topic,
        "recipient": recipient,
        "to_email": to_email,
        "language": language,
        "from_email": settings.DEFAULT_FROM_EMAIL,
        "subject": message.subject[:255],
        "body_text": message.text,
        "body_html": message.html,
        "headers": headers or {},
        "attachments": attachments or [],
    }
    try:
        with transaction.atomic():
            row, created = Outbox.objects.get_or_create(dedup_key=dedup_key, defaults=defaults)
    except IntegrityError:
        # A concurrent transaction wrote the same key first: that one is the message.
        row, created = Outbox.objects.get(dedup_key=dedup_key), False
    if created and send_now:
        outbox_send_on_commit([row.pk])
    return row, created


def outbox_send_on_commit(ids: Iterable[int]) -> None:
    """After the current transaction commits, ask a worker to send these rows."""
    ids = list(ids)
    if not ids:
        return

    def _enqueue() -> None:
        from .tasks import outbox_send

        for pk in ids:
            try:
                outbox_send.apply_async((pk,), retry=False)
            except Exception as exc:
                logger.warning("Broker unavailable, outbox row %s left for the sweep: %s", pk, exc)
                return

    transaction.on_commit(_enqueue)


def _due_filter(now) -> Q:
    return Q(status=Outbox.Status.PENDING, next_attempt_at__lte=now) & (
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )


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
    return list(Outbox.objects.filter(pk__in=pks, claim_token=token).order_by("pk"))


def _email_for(row: Outbox, connection) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=row.subject,
        body=row.body_text,
        from_email=row.from_email or settings.DEFAULT_FROM_EMAIL,
        to=[row.to_email],
        headers={**row.headers, "X-Betacowork-Message": row.dedup_key[:200]},
        connection=connection,
    )
    if row.body_html:
        email.attach_alternative(row.body_html, "text/html")
    for item in row.attachments:
        email.attach(item["filename"], item["content"], item.get("mimetype", "text/plain"))
    return email


def outbox_deliver(row: Outbox, *, connection=None) -> bool:
    """Send one claimed row; record the outcome if we still hold its lease. True if sent."""
    try:
        _email_for(row, connection).send(fail_silently=False)
    except Exception as exc:
        attempts = row.attempts + 1
        failed = attempts >= settings.OUTBOX_MAX_ATTEMPTS
        delay = settings.OUTBOX_RETRY_BASE_SECONDS * (2 ** (attempts - 1))
        Outbox.objects.filter(pk=row.pk, claim_token=row.claim_token).update(
            attempts=attempts,
            status=Outbox.Status.FAILED if failed else Outbox.Status.PENDING,
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
            claimed_until=None,
            claim_token="",
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        logger.warning("Outbox row %s not sent (attempt %s): %s", row.pk, attempts, exc)
        return False
    Outbox.objects.filter(pk=row.pk, claim_token=row.claim_token).update(
        status=Outbox.Status.SENT,
        attempts=row.attempts + 1,
        sent_at=timezone.now(),
        claimed_until=None,
        last_error="",
    )
    return True


def outbox_send_due(*, ids: Iterable[int] | None = None, limit: int | None = None) -> int:
    """Claim and send due rows (one batch); return how many went out."""
    rows = outbox_claim(ids=ids, limit=limit)
    if not rows:
        return 0
    sent = 0
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as exc:
        logger.warning("Mail server unreachable: %s", exc)
    try:
        for row in rows:
            sent += outbox_deliver(row, connection=connection)
    finally:
        with contextlib.suppress(Exception):  # closing a broken connection
            connection.close()
    return sent


def outbox_resend(*, ids: Iterable[int]) -> int:
    """Staff action: put failed (or sent) rows back in the queue for one more try."""
    updated = (
        Outbox.objects.filter(pk__in=list(ids))
        .exclude(status=Outbox.Status.PENDING)
        .update(
            status=Outbox.Status.PENDING,
            attempts=0,
            next_attempt_at=timezone.now(),
            claimed_until=None,
            claim_token="",
        )
    )
    outbox_send_on_commit(ids)
    return updated
