"""The outbox service: idempotent writes, leases, retries, permanent failures, resend."""

from __future__ import annotations

import smtplib
import time
from datetime import timedelta

import pytest
from celery import Celery
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from members import outbox as outbox_module
from members.models import Outbox
from members.outbox import (
    RenderedMessage,
    message_id_for,
    outbox_claim,
    outbox_deliver,
    outbox_resend,
    outbox_send_due,
    outbox_send_on_commit,
    outbox_write,
)
from members.services import account_delete
from tests.delivery.backends import ScriptedBackend
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BACKEND = "tests.delivery.backends.ScriptedBackend"


@pytest.fixture(autouse=True)
def scripted(settings):
    settings.EMAIL_BACKEND = BACKEND
    settings.OUTBOX_RETRY_BASE_SECONDS = 60
    settings.OUTBOX_MAX_ATTEMPTS = 3
    ScriptedBackend.reset()
    return ScriptedBackend


def write(key="k1", *, kind="test", recipient=None, to="katia@example.test", **kwargs):
    row, created = outbox_write(
        dedup_key=key,
        kind=kind,
        to_email=to,
        language="en",
        message=RenderedMessage(subject="Hello", text="Body", html="<p>Body</p>"),
        recipient=recipient,
        send_now=False,
        **kwargs,
    )
    return row, created


def test_write_is_idempotent_on_its_dedup_key():
    first, created = write("same")
    again, created_again = write("same")
    assert created
    assert not created_again
    assert first.pk == again.pk
    assert Outbox.objects.count() == 1


def test_a_rolled_back_change_writes_and_sends_nothing(django_capture_on_commit_callbacks):
    def change():
        with transaction.atomic():
            outbox_write(
                dedup_key="rolled-back",
                kind="test",
                to_email="a@example.test",
                language="en",
                message=RenderedMessage(subject="s", text="t"),
            )
            raise RuntimeError("the change failed")

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError):
        change()
    assert not Outbox.objects.exists()
    assert callbacks == []


def test_claim_commits_a_lease_that_a_second_claimer_respects():
    row, _ = write()
    claimed = outbox_claim()
    assert [r.pk for r in claimed] == [row.pk]
    row.refresh_from_db()
    assert row.claim_token
    assert row.claimed_until > timezone.now()
    assert outbox_claim() == []  # held: nobody else gets it


def test_expired_lease_is_claimable_again_and_the_old_holder_cannot_send(scripted):
    write()
    (old,) = outbox_claim()
    # The holder stalled (or died) past its lease: in the database and on its own clock.
    old.claimed_until = timezone.now() - timedelta(seconds=1)
    Outbox.objects.update(claimed_until=old.claimed_until)
    (new,) = outbox_claim()
    assert new.claim_token != old.claim_token
    assert outbox_deliver(old) is False  # lost its lease: sends nothing
    assert outbox_deliver(new) is True
    assert len(scripted.sent) == 1
    assert Outbox.objects.get().status == Outbox.Status.SENT


def test_sent_row_is_recorded_with_a_deterministic_message_id(scripted):
    row, _ = write(headers={"List-Unsubscribe": "<https://x.test/u>"})
    assert outbox_send_due() == 1
    (email,) = scripted.sent
    assert email.extra_headers["Message-ID"] == message_id_for(row)
    assert email.extra_headers["List-Unsubscribe"] == "<https://x.test/u>"
    assert email.alternatives[0][1] == "text/html"
    row.refresh_from_db()
    assert (row.status, row.attempts, row.claim_token) == (Outbox.Status.SENT, 1, row.claim_token)
    assert row.sent_at is not None
    assert outbox_send_due() == 0  # sent rows are never sent again


def test_temporary_failures_retry_with_exponential_backoff_then_fail(scripted):
    scripted.reset([smtplib.SMTPDataError(451, b"try later")] * 3)
    row, _ = write()
    outbox_send_due()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Outbox.Status.PENDING, 1)
    assert row.next_attempt_at - timezone.now() > timedelta(seconds=55)
    assert "451" in row.last_error
    assert outbox_send_due() == 0  # not due yet: the database decides
    Outbox.objects.update(next_attempt_at=timezone.now())
    outbox_send_due()
    row.refresh_from_db()
    assert row.attempts == 2
    assert row.next_attempt_at - timezone.now() > timedelta(seconds=115)  # 60 s x 2
    Outbox.objects.update(next_attempt_at=timezone.now())
    outbox_send_due()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Outbox.Status.FAILED, 3)  # OUTBOX_MAX_ATTEMPTS
    assert scripted.sent == []


def test_refused_recipient_fails_at_once_without_retry(scripted):
    refused = smtplib.SMTPRecipientsRefused({"gone@example.test": (550, b"No such user")})
    scripted.reset([refused])
    row, _ = write(to="gone@example.test")
    outbox_send_due()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Outbox.Status.FAILED, 1)
    assert "SMTPRecipientsRefused" in row.last_error


def test_temporarily_refused_recipient_is_retried(scripted):
    greylisted = smtplib.SMTPRecipientsRefused({"new@example.test": (451, b"Greylisted")})
    scripted.reset([greylisted])
    row, _ = write(to="new@example.test")
    outbox_send_due()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Outbox.Status.PENDING, 1)


def test_a_batch_uses_one_connection_and_a_bad_row_does_not_stop_it(scripted):
    scripted.reset([None, smtplib.SMTPRecipientsRefused({"x": (550, b"no")}), None, None])
    for i in range(4):
        write(f"batch-{i}", to=f"p{i}@example.test")
    assert outbox_send_due() == 3
    assert scripted.opened == 1
    statuses = sorted(Outbox.objects.values_list("status", flat=True))
    assert statuses == ["failed", "sent", "sent", "sent"]


def test_resend_requeues_failed_rows_with_a_new_message_id(scripted):
    row, _ = write()
    Outbox.objects.update(status=Outbox.Status.FAILED, attempts=3, last_error="550")
    pending, _ = write("pending-one")
    assert outbox_resend(ids=[row.pk, pending.pk]) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (Outbox.Status.PENDING, 0, "")
    assert row.headers["X-Betacowork-Resend"] == "1"
    assert message_id_for(row) != message_id_for(pending)
    assert outbox_send_due() == 2
    assert Outbox.objects.get(pk=row.pk).status == Outbox.Status.SENT


def test_deleting_an_account_cancels_its_pending_messages(scripted):
    user = UserFactory()
    row, _ = write(recipient=user, to=user.email)
    account_delete(user=user)
    row.refresh_from_db()
    assert row.status == Outbox.Status.CANCELLED
    assert row.recipient is None
    assert outbox_send_due() == 0
    assert scripted.sent == []


def test_optional_message_is_cancelled_if_the_member_opted_out_meanwhile(scripted):
    user = UserFactory()
    optional, _ = write("optional", kind="reminder", recipient=user, to=user.email)
    essential, _ = write("essential", kind="event-cancelled", recipient=user, to=user.email)
    user.email_opt_outs = ["reminder"]
    user.save()
    assert outbox_send_due() == 1
    optional.refresh_from_db()
    essential.refresh_from_db()
    assert optional.status == Outbox.Status.CANCELLED
    assert "unsubscribed" in optional.last_error
    assert essential.status == Outbox.Status.SENT


def test_a_message_without_address_is_kept_cancelled_not_raised():
    row, created = write("no-address", to="")
    assert created
    assert row.status == Outbox.Status.CANCELLED


def test_broker_errors_never_reach_the_caller_and_back_off(
    monkeypatch, caplog, django_capture_on_commit_callbacks
):
    from members import tasks

    calls = []

    def broken(*args, **kwargs):
        calls.append(args)
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.outbox_send, "apply_async", broken)
    monkeypatch.setattr(outbox_module, "_broker_down_until", 0.0)
    row, _ = write()
    with django_capture_on_commit_callbacks(execute=True):
        outbox_send_on_commit([row.pk])  # the publish fails: logged, not raised
    with django_capture_on_commit_callbacks(execute=True):
        outbox_send_on_commit([row.pk])  # broker marked down: not even tried
    assert len(calls) == 1
    assert "left for the sweep" in caplog.text


@pytest.mark.redis
def test_publishing_to_a_dead_broker_gives_up_within_a_second(monkeypatch):
    """With our transport options a refused broker port costs ~0.05 s, not kombu's 2 s retry."""
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")  # Celery: env wins
    # Not set as current: shared tasks must keep publishing through the project's app.
    app = Celery("dead-broker-probe", set_as_current=False)
    app.conf.broker_transport_options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    app.conf.broker_connection_timeout = settings.CELERY_BROKER_CONNECTION_TIMEOUT
    started = time.monotonic()
    with pytest.raises(Exception):  # noqa: B017, PT011 - kombu's OperationalError
        app.send_task("members.tasks.outbox_send", args=(1,), retry=False)
    assert time.monotonic() - started < 1.0


def test_a_slow_batch_renews_its_lease_before_each_message(settings, scripted):
    settings.OUTBOX_LEASE_SECONDS = 10
    write("slow-1", to="a@example.test")
    write("slow-2", to="b@example.test")
    first, second = outbox_claim()
    # Time passed while the first message was sent: 2 s of the lease are left.
    second.claimed_until = timezone.now() + timedelta(seconds=2)
    Outbox.objects.filter(pk=second.pk).update(claimed_until=second.claimed_until)
    assert outbox_deliver(first) is True
    assert outbox_deliver(second) is True
    assert len(scripted.sent) == 2
    # The renewal happened before sending: nobody could claim it meanwhile.
    assert second.claimed_until - timezone.now() > timedelta(seconds=8)


def test_sweep_starts_a_few_self_continuing_batches(settings, monkeypatch, scripted):
    from members import tasks

    settings.OUTBOX_BATCH_SIZE = 5
    settings.OUTBOX_SWEEP_FANOUT = 2
    started = []
    monkeypatch.setattr(tasks.outbox_send_batch, "apply_async", lambda *a, **k: started.append(k))
    for i in range(23):
        write(f"backlog-{i}", to=f"p{i}@example.test")
    assert tasks.outbox_sweep() == 23
    assert len(started) == 2  # not 5: the queue does not balloon with the backlog
    started.clear()
    assert tasks.outbox_send_batch() == 5  # a full batch continues itself
    assert len(started) == 1
    started.clear()
    Outbox.objects.filter(status=Outbox.Status.PENDING).exclude(
        pk__in=Outbox.objects.filter(status=Outbox.Status.PENDING).order_by("pk")[:3]
    ).update(status=Outbox.Status.CANCELLED)
    assert tasks.outbox_send_batch() == 3  # the last, partial batch stops
    assert started == []


def test_a_message_that_fails_to_render_does_not_hold_up_its_batch(scripted, monkeypatch, caplog):
    from events import messages as event_messages
    from events import services
    from tests.events.factories import EventFactory

    event = EventFactory(capacity=5)
    good = services.event_register(event=event, user=UserFactory())
    bad = services.event_register(event=event, user=UserFactory())
    original = event_messages.RegistrationConfirmed.render

    def render(self, row):
        if row.payload["registration"] == bad.pk:
            raise ValueError("template broke")
        return original(self, row)

    monkeypatch.setattr(event_messages.RegistrationConfirmed, "render", render)
    caplog.set_level("CRITICAL", logger="members.outbox")  # the expected log, not a failure
    assert outbox_send_due() == 1
    rows = {r.payload["registration"]: r for r in Outbox.objects.all()}
    assert rows[good.pk].status == Outbox.Status.SENT
    assert rows[bad.pk].status == Outbox.Status.CANCELLED
    assert "template broke" in rows[bad.pk].last_error
