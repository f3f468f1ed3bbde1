"""Writing to the outbox (betacowork/messaging/outbox.py): idempotent writes, the on-commit
publish and its broker back-off, resend, cancelling a deleted account's messages."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.utils import timezone

from betacowork.messaging import outbox as outbox_module
from betacowork.messaging.afterwards import outbox_resend
from betacowork.messaging.headers import message_id_for
from betacowork.messaging.models import Outbox
from betacowork.messaging.outbox import (
    OutboxMessage,
    outbox_quiet,
    outbox_send_on_commit,
    outbox_write,
    outbox_write_many,
)
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


def test_rows_written_quietly_ask_no_worker_and_are_left_to_the_sweep(
    scripted, django_capture_on_commit_callbacks
):
    """`outbox_quiet()` (the demo world, which marks its past announcements sent right
    after writing them): the rows are written, no send task is asked for; a row still
    pending is sent by the sweep. Outside it, the same write asks once."""

    def write_one(key):
        return outbox_write(
            dedup_key=key,
            kind="test",
            to_email="a@example.test",
            language="en",
            message=RenderedMessage(subject="s", text="t"),
        )[0]

    with django_capture_on_commit_callbacks() as callbacks, outbox_quiet():
        quiet = write_one("quiet")
    assert callbacks == []
    with django_capture_on_commit_callbacks() as callbacks:
        write_one("told")
    assert len(callbacks) == 1
    assert quiet.status == Outbox.Status.PENDING
    assert outbox_send_due() == 2
    assert {email.extra_headers["X-Betacowork-Message"] for email in scripted.sent} == {
        "quiet",
        "told",
    }


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


def _many(keys, *, body="Body", recipient=None, attachments=None):
    return [
        OutboxMessage(
            dedup_key=key,
            kind="events.reminder",
            to_email=f"{key}@example.test",
            language="fr",
            message=RenderedMessage(
                subject="Rappel :\n  Betacooks   demain",
                text=f"{body} pour O'Brien — 100 % \\ {key}",
                html=f"<p>{body} &amp; <b>{key}</b></p>",
            ),
            recipient=recipient,
            topic="event:7",
            headers={"List-Unsubscribe": f"<https://example.test/u/{key}/>"},
            attachments=attachments or [],
        )
        for key in keys
    ]


def test_writing_many_stores_each_message_as_given_and_asks_to_send_them(
    django_capture_on_commit_callbacks,
):
    member = UserFactory()
    ics = {
        "filename": "event.ics",
        "content": "BEGIN:VCALENDAR\r\nEND:VCALENDAR",
        "mimetype": "text/calendar",
    }
    messages = _many(["m-1", "m-2", "m-3"], recipient=member, attachments=[ics])
    messages.append(_many(["m-4"])[0])
    messages.append(_many(["no-address"])[0])
    messages[-1].to_email = ""  # nobody to send it to: not written
    with django_capture_on_commit_callbacks() as callbacks:
        ids = outbox_write_many(messages)
    rows = list(Outbox.objects.order_by("pk"))
    assert ids == [row.pk for row in rows]
    assert [row.dedup_key for row in rows] == ["m-1", "m-2", "m-3", "m-4"]
    assert len(callbacks) == 1  # one publish for the lot, after the commit
    first = rows[0]
    assert (first.kind, first.topic, first.to_email, first.language) == (
        "events.reminder",
        "event:7",
        "m-1@example.test",
        "fr",
    )
    assert first.subject == "Rappel : Betacooks demain"
    assert first.body_text == "Body pour O'Brien — 100 % \\ m-1"
    assert first.body_html == "<p>Body &amp; <b>m-1</b></p>"
    assert first.recipient == member
    assert first.headers == {"List-Unsubscribe": "<https://example.test/u/m-1/>"}
    assert first.attachments == [ics]
    assert first.payload == {}
    assert first.status == Outbox.Status.PENDING
    assert (first.attempts, first.claimed_until, first.claim_token, first.sent_at) == (
        0,
        None,
        "",
        None,
    )
    assert first.next_attempt_at <= timezone.now()
    assert first.created_at is not None
    assert rows[3].recipient is None
    assert rows[3].attachments == []


@pytest.mark.parametrize("count", [1, 3])
def test_writing_many_stores_values_the_rows_share_exactly_as_given(count):
    """A value every row shares is quoted once for the lot: percent signs, quotes,
    backslashes and placeholder-like text in it come back as written, alone or many."""
    tricky = "100 % d'intérêt \\ %s %(name)s %% ''"
    messages = _many([f"shared-{i}" for i in range(count)])
    for msg in messages:
        msg.message = RenderedMessage(subject=tricky, text=tricky, html=f"<p>{tricky}</p>")
        msg.headers = {"X-Note": tricky}
    outbox_write_many(messages, send_now=False)
    rows = list(Outbox.objects.order_by("pk"))
    assert [row.dedup_key for row in rows] == [f"shared-{i}" for i in range(count)]
    for row in rows:
        assert (row.subject, row.body_text, row.body_html) == (tricky, tricky, f"<p>{tricky}</p>")
        assert row.headers == {"X-Note": tricky}
        assert row.to_email == f"{row.dedup_key}@example.test"


def test_execute_wrappers_see_the_insert_of_many_as_text():
    """Django promises an execute wrapper the statement as a str (the INSERT of many is
    otherwise sent as the bytes psycopg2 quoted)."""
    seen = []

    def wrapper(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        outbox_write_many(_many(["w-1", "w-2"]), send_now=False)
    inserts = [sql for sql in seen if sql.lstrip().upper().startswith("INSERT")]
    assert inserts
    assert all(isinstance(sql, str) for sql in seen)
    assert Outbox.objects.count() == 2


def test_writing_many_again_keeps_the_rows_and_returns_those_still_pending():
    ids = outbox_write_many(_many(["a", "b", "c"]), send_now=False)
    Outbox.objects.filter(dedup_key="b").update(status=Outbox.Status.SENT)
    again = outbox_write_many(_many(["a", "b", "c", "d"], body="Changed"), send_now=False)
    assert Outbox.objects.count() == 4
    assert Outbox.objects.get(dedup_key="a").body_text.startswith("Body ")  # not overwritten
    assert again == [ids[0], ids[2], Outbox.objects.get(dedup_key="d").pk]


def test_the_insert_of_many_writes_every_column_of_the_row():
    """outbox_write_many's INSERT names its columns: a field added to the model must be
    added there too (or be nullable and left out, as the lease and sent time are)."""
    columns = {f.column for f in Outbox._meta.concrete_fields}
    assert set(outbox_module._INSERT_COLUMNS) == columns - {"id", "claimed_until", "sent_at"}


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


def test_a_deleted_accounts_messages_are_never_sent_again(scripted):
    """Staff's "Send again" on the delivery log skips what was addressed to an account since
    deleted — the one cancelled by the deletion and the one sent before it — while a guest's
    row (no account either) is sent again."""
    user = UserFactory()
    cancelled, _ = write("to-be-cancelled", recipient=user, to=user.email)
    sent, _ = write("sent-before", recipient=user, to=user.email)
    Outbox.objects.filter(pk=sent.pk).update(status=Outbox.Status.SENT)
    failed, _ = write("failed-before", recipient=user, to=user.email)
    Outbox.objects.filter(pk=failed.pk).update(
        status=Outbox.Status.FAILED, last_error="550 mailbox unavailable"
    )
    guest, _ = write("a-guest", to="guest@example.test")
    Outbox.objects.filter(pk=guest.pk).update(status=Outbox.Status.SENT)
    account_delete(user=user)
    failed.refresh_from_db()
    assert failed.last_error == "Recipient account deleted. 550 mailbox unavailable"
    assert outbox_resend(ids=[cancelled.pk, sent.pk, failed.pk, guest.pk]) == 1
    assert outbox_send_due() == 1
    assert [m.to for m in scripted.sent] == [["guest@example.test"]]
    statuses = dict(Outbox.objects.values_list("dedup_key", "status"))
    assert statuses["to-be-cancelled"] == Outbox.Status.CANCELLED
    assert statuses["sent-before"] == Outbox.Status.SENT


@pytest.mark.postgres
def test_the_outbox_keeps_only_the_indexes_something_reads():
    """Every INSERT, claim and "sent" UPDATE maintains each index of the outbox: the key's
    and the topic's `varchar_pattern_ops` copies (for LIKE 'prefix%', which nothing runs) are
    gone; the key stays unique for the writers' ON CONFLICT, the topic indexed."""
    from django.db import IntegrityError, connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s", [Outbox._meta.db_table]
        )
        definitions = [row[0] for row in cursor.fetchall()]
    assert not [d for d in definitions if "pattern_ops" in d]
    assert any("UNIQUE" in d and "(dedup_key)" in d for d in definitions)
    assert any("(topic)" in d for d in definitions)
    fields = {"kind": "k", "to_email": "a@example.org", "language": "en", "subject": "s"}
    Outbox.objects.create(dedup_key="same", body_text="1", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Outbox.objects.create(dedup_key="same", body_text="2", **fields)
    written = outbox_write(
        dedup_key="same",
        kind="k",
        to_email="a@example.org",
        language="en",
        message=RenderedMessage(subject="s", text="3"),
    )
    assert written[1] is False
    assert Outbox.objects.get(dedup_key="same").body_text == "1"


@pytest.mark.postgres
def test_the_outbox_bodies_are_compressed_with_lz4():
    """PostgreSQL compresses a reminder-sized body with lz4, cheaper to write and read back
    than its own pglz (messaging 0003); the text reads back the same."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        if not (cursor.fetchone() or [False])[0]:  # PostgreSQL < 14, or built without lz4
            pytest.skip("this PostgreSQL has no lz4: the migration leaves pglz")
        cursor.execute(
            "SELECT attname, attcompression FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attname IN ('body_text', 'body_html', 'subject')",
            [Outbox._meta.db_table],
        )
        compression = dict(cursor.fetchall())
    assert compression == {"body_text": "l", "body_html": "l", "subject": ""}
    html = "<p>Hello Zoé, a reminder for the Betacooks lunch.</p>\n" * 80
    row, _created = outbox_write(
        dedup_key="lz4",
        kind="k",
        to_email="a@example.org",
        language="en",
        message=RenderedMessage(subject="s", text="t", html=html),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_compression(body_html) FROM members_outbox WHERE id = %s",
            [row.pk],
        )
        assert cursor.fetchone() == ("lz4",)
    assert Outbox.objects.get(pk=row.pk).body_html == html
