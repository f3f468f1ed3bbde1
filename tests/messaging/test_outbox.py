"""Writing to the outbox (betacowork/messaging/outbox.py): idempotent writes, the on-commit
publish and its broker back-off, resend, cancelling a deleted account's messages."""

from __future__ import annotations

import pytest
from django.db import transaction

from betacowork.messaging import outbox as outbox_module
from betacowork.messaging.mime import message_id_for
from betacowork.messaging.models import Outbox
from betacowork.messaging.outbox import outbox_resend, outbox_send_on_commit, outbox_write
from betacowork.messaging.rendering import RenderedMessage
from betacowork.messaging.sender import outbox_send_due
from members.services import account_delete
from tests.factories import UserFactory

from .factories import write

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scripted")]


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


def test_a_message_without_address_is_kept_cancelled_not_raised():
    row, created = write("no-address", to="")
    assert created
    assert row.status == Outbox.Status.CANCELLED


def test_broker_errors_never_reach_the_caller_and_back_off(
    monkeypatch, caplog, django_capture_on_commit_callbacks
):
    from betacowork.messaging import tasks

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
