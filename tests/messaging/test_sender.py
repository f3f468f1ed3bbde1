"""The sender (betacowork/messaging/sender.py): leases, deterministic Message-IDs, retries
and permanent failures, one connection per batch, lease renewal, rendering rows written as
data."""

from __future__ import annotations

import re
import smtplib
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from betacowork.messaging.claim import outbox_claim
from betacowork.messaging.headers import message_id_for
from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_deliver, outbox_send_due
from tests.factories import UserFactory

from .factories import write

pytestmark = pytest.mark.django_db


def test_claim_commits_a_lease_that_a_second_claimer_respects():
    row, _ = write()
    claimed = outbox_claim()
    assert [r.pk for r in claimed] == [row.pk]
    row.refresh_from_db()
    assert row.claim_token
    assert row.claimed_until > timezone.now()
    assert outbox_claim() == []  # held: nobody else gets it


def test_a_claim_by_ids_takes_only_those_still_due_oldest_first_up_to_the_limit():
    now = timezone.now()
    rows = [write(f"k{i}")[0] for i in range(6)]
    # rows[0] is due last; rows[1] already sent; rows[2] held by a live lease; rows[3] due
    # later; rows[4] held by an expired lease (claimable again).
    Outbox.objects.filter(pk=rows[0].pk).update(next_attempt_at=now - timedelta(seconds=1))
    Outbox.objects.filter(pk=rows[1].pk).update(status=Outbox.Status.SENT)
    Outbox.objects.filter(pk=rows[2].pk).update(
        claimed_until=now + timedelta(minutes=5), claim_token="other"
    )
    Outbox.objects.filter(pk=rows[3].pk).update(next_attempt_at=now + timedelta(hours=1))
    Outbox.objects.filter(pk=rows[4].pk).update(
        claimed_until=now - timedelta(seconds=1), claim_token="gone",
        next_attempt_at=now - timedelta(minutes=1),
    )  # fmt: skip
    ids = [r.pk for r in rows[:5]]  # rows[5] is due too, but not asked for
    assert [r.pk for r in outbox_claim(ids=ids)] == [rows[4].pk, rows[0].pk]
    Outbox.objects.filter(pk__in=ids).update(claimed_until=None, claim_token="")
    assert [r.pk for r in outbox_claim(ids=ids, limit=1)] == [rows[4].pk]
    assert outbox_claim(ids=[rows[1].pk, rows[3].pk]) == []


def test_a_row_leased_by_another_claimer_since_it_was_read_is_not_leased_again(monkeypatch):
    """Without row locks (SQLite), two claimers may read the same due row: the second's
    lease must not overwrite the first's, or both would send it."""
    from betacowork.messaging import claim

    row, _ = write()
    (first,) = outbox_claim()
    monkeypatch.setattr(claim, "_claimable", lambda now, ids, limit: [row.pk])  # a stale read
    assert outbox_claim() == []
    row.refresh_from_db()
    assert row.claim_token == first.claim_token


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


@pytest.mark.parametrize("by_ids", [False, True], ids=["all-due", "by-ids"])
def test_a_claimed_row_carries_the_row_s_values_and_its_recipient_s_preferences(by_ids):
    """A claim, of all due rows or of a batch task's ids (on PostgreSQL one statement that
    locks, leases and reads: claim.py `_claim_ids`), reads the rows' values, not model
    instances; they are the row's own (the JSON fields decoded), and the recipient's two
    fields the delivery check reads."""
    member = UserFactory(email_opt_outs=["reminder"])
    ics = {"filename": "e.ics", "content": "BEGIN:VCALENDAR\r\nEND:VCALENDAR", "mimetype": "x"}
    written = [
        write(
            f"v{i}",
            recipient=member if i else None,
            to=f"p{i}@example.test",
            headers={"List-Unsubscribe": f"<https://x.test/u/{i}>"},
            attachments=[ics],
        )[0]
        for i in range(3)
    ]
    Outbox.objects.filter(pk=written[2].pk).update(payload={"registration": 7})
    ids = [row.pk for row in reversed(written)] if by_ids else None
    with CaptureQueriesContext(connection) as queries:
        claimed = outbox_claim(ids=ids)
    if by_ids and connection.vendor == "postgresql":
        assert len(queries) == 1  # locked, leased and read at once
    assert [r.pk for r in claimed] == [r.pk for r in written]  # oldest first
    for row, mine in zip(claimed, Outbox.objects.order_by("pk"), strict=True):
        assert not isinstance(row, Outbox)
        for field in Outbox._meta.concrete_fields:
            assert getattr(row, field.attname) == getattr(mine, field.attname), field.name
        assert row.payload == mine.payload
        assert mine.claim_token  # the lease is taken
        assert mine.claimed_until > timezone.now()
    assert claimed[0].recipient is None
    assert (claimed[1].recipient.pk, claimed[1].recipient.is_active) == (member.pk, True)
    assert claimed[1].recipient.email_opt_outs == ["reminder"]
    assert claimed[1].attachments is claimed[2].attachments  # the same JSON decoded once
    assert outbox_claim(ids=ids) == []  # held: nobody else gets them


def test_a_batch_is_sent_without_a_model_instance_per_row(scripted):
    """Claiming, checking, sending and recording a batch builds no outbox row and no
    recipient account (a batch of 200 built 400 of them)."""
    from django.db.models.signals import post_init

    member = UserFactory()
    for i in range(5):
        write(f"n{i}", recipient=member, to=f"p{i}@example.test")
    built: list[type] = []

    def note(sender, **kwargs):
        built.append(sender)

    post_init.connect(note)
    try:
        assert outbox_send_due() == 5
    finally:
        post_init.disconnect(note)
    assert len(scripted.sent) == 5
    assert Outbox not in built
    assert type(member) not in built
    assert set(Outbox.objects.values_list("status", flat=True)) == {Outbox.Status.SENT}


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


@pytest.mark.postgres
def test_the_sent_record_is_prepared_once_per_connection(scripted):
    """PostgreSQL plans the "sent" UPDATE once per connection, not once per message; a row
    whose lease another sender holds now is still not overwritten by it."""
    from django.db import connection

    from betacowork.messaging import records

    def prepared() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return [s for (s,) in cursor.fetchall() if "UPDATE members_outbox" in s]

    write("p1")
    write("p2")
    assert outbox_send_due() == 2
    assert outbox_send_due() == 0
    third, _ = write("p3")
    assert outbox_send_due() == 1
    assert len(prepared()) == 1
    assert set(Outbox.objects.values_list("status", flat=True)) == {Outbox.Status.SENT}
    # The prepared statement keeps its claim-token condition: a stale holder writes nothing.
    Outbox.objects.filter(pk=third.pk).update(status=Outbox.Status.PENDING, claim_token="new")
    third.refresh_from_db()
    third.claim_token = "stale"
    with records.Recorder() as recorder:
        recorder.sent(third)
    third.refresh_from_db()
    assert (third.status, third.claim_token) == (Outbox.Status.PENDING, "new")


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


def test_a_message_that_fails_to_render_does_not_hold_up_its_batch(scripted, monkeypatch, caplog):
    from events import messages as event_messages
    from events import services
    from tests.events.factories import EventFactory

    event = EventFactory(capacity=5)
    good = services.event_register(event=event, user=UserFactory())
    bad = services.event_register(event=event, user=UserFactory())
    original = event_messages.RegistrationConfirmed.render

    def render(self, row, batch=None):
        if row.payload["registration"] == bad.pk:
            raise ValueError("template broke")
        return original(self, row, batch)

    monkeypatch.setattr(event_messages.RegistrationConfirmed, "render", render)
    caplog.set_level(
        "CRITICAL", logger="betacowork.messaging.sender"
    )  # the expected log, not a failure
    assert outbox_send_due() == 1
    rows = {r.payload["registration"]: r for r in Outbox.objects.all()}
    assert rows[good.pk].status == Outbox.Status.SENT
    assert rows[bad.pk].status == Outbox.Status.CANCELLED
    assert "template broke" in rows[bad.pk].last_error


def _backend(session):
    """Django's SMTP backend on `session` (a scripted smtplib session, no socket)."""
    from django.core.mail.backends.smtp import EmailBackend

    class Backend(EmailBackend):
        def open(self):
            self.connection = session

        def close(self):
            pass

    return Backend()


class _Server(smtplib.SMTP):
    """An SMTP session without a socket that, at each DATA command, notes which messages the
    database already shows sent (read on this test's own connection: committed over the
    recorder's asynchronous connection)."""

    def __init__(self):
        super().__init__()  # no host: nothing is connected
        self.accepted: list[str] = []
        self.unrecorded_at_data: list[list[str]] = []
        self.mail_at: list[float] = []
        self.reply = (250, b"ok")

    def ehlo_or_helo_if_needed(self):
        pass

    def putcmd(self, cmd, args=""):
        self.reply = (250, b"ok")
        if cmd == "mail":
            self.mail_at.append(time.monotonic())
        elif cmd == "data":
            sent = set(
                Outbox.objects.filter(status=Outbox.Status.SENT).values_list("dedup_key", flat=True)
            )
            self.unrecorded_at_data.append([key for key in self.accepted if key not in sent])
            self.reply = (354, b"go")

    def send(self, s):
        self.accepted.append(re.search(rb"X-Betacowork-Message: (\S+)", s).group(1).decode())
        self.reply = (250, b"ok")

    def getreply(self):
        return self.reply

    def close(self):
        pass


@pytest.mark.postgres
@pytest.mark.parametrize("waits", [True, False], ids=["settled", "negative-control"])
def test_no_message_goes_out_while_the_one_before_is_unrecorded(
    transactional_db, monkeypatch, waits
):
    """The "sent" UPDATE is sent over the recorder's asynchronous connection and runs while
    the next envelope goes out (the overlap is real: the next MAIL starts before the record
    can have ended), and the next DATA waits for its answer: at most one accepted message
    is ever unrecorded. Without the wait (negative control), messages go out while the one
    before is still unrecorded."""
    from betacowork.messaging import records, sender

    server = _Server()
    handed: list[float] = []
    send = records._Pipe.send

    def noted_send(self, params):
        handed.append(time.monotonic())
        return send(self, params)

    # A database that takes 50 ms to write each record (prepared by a new connection).
    slow = records._SENT_SQL + " AND pg_sleep(0.05) IS NOT NULL"
    monkeypatch.setattr(records, "_SENT_SQL", slow)
    monkeypatch.setattr(records._Pipe, "send", noted_send)
    monkeypatch.setattr(sender, "get_connection", lambda **kwargs: _backend(server))
    if not waits:
        monkeypatch.setattr(records.Recorder, "settle", lambda self: None)
    records.recorder_connection_close()
    try:
        rows = [write(f"k{i}")[0] for i in range(5)]
        assert outbox_send_due() == 5
    finally:
        records.recorder_connection_close()  # the slow statement goes with its connection
    assert server.accepted == [row.dedup_key for row in rows]
    assert len(handed) == 5
    assert Outbox.objects.filter(status=Outbox.Status.SENT).count() == 5
    assert server.mail_at[1] - handed[0] < 0.05  # the overlap
    if waits:
        assert server.unrecorded_at_data == [[]] * 5
    else:
        assert any(server.unrecorded_at_data)


@pytest.mark.postgres
def test_a_record_whose_answer_is_lost_is_written_again_before_the_next_data(
    transactional_db, monkeypatch
):
    """The recorder's connection breaks after a record committed, before its answer came:
    the record is written again on the sender's own connection, before the next message's
    DATA — and counts its attempt once (the UPDATE asks for a pending row)."""
    import psycopg2

    from betacowork.messaging import records, sender

    server = _Server()
    answer = records._Pipe.answer
    broken: list[int] = []

    def break_once(self):
        if not broken:
            broken.append(1)
            answer(self)  # the UPDATE has committed…
            self.conn.close()
            raise psycopg2.OperationalError("the answer was lost")  # …which the sender cannot know
        return answer(self)

    monkeypatch.setattr(records._Pipe, "answer", break_once)
    monkeypatch.setattr(sender, "get_connection", lambda **kwargs: _backend(server))
    rows = [write(f"b{i}")[0] for i in range(3)]
    try:
        assert outbox_send_due() == 3
    finally:
        records.recorder_connection_close()
    assert broken
    assert server.unrecorded_at_data == [[]] * 3
    assert Outbox.objects.filter(status=Outbox.Status.SENT).count() == 3
    assert list(Outbox.objects.order_by("pk").values_list("attempts", flat=True)) == [1, 1, 1]
    assert [r.dedup_key for r in rows] == server.accepted


@pytest.mark.postgres
def test_a_database_that_does_not_answer_the_recorder_in_time_records_here(
    transactional_db, monkeypatch
):
    """The recorder's connection gets no answer in PIPE_TIMEOUT (a database dropping
    packets; 0 here): each record is written on the sender's own connection instead, before
    the next DATA — the batch neither hangs nor leaves a message unrecorded."""
    from betacowork.messaging import records, sender

    server = _Server()
    monkeypatch.setattr(records, "PIPE_TIMEOUT", 0.0)
    monkeypatch.setattr(sender, "get_connection", lambda **kwargs: _backend(server))
    records.recorder_connection_close()
    rows = [write(f"t{i}")[0] for i in range(3)]
    try:
        assert outbox_send_due() == 3
    finally:
        records.recorder_connection_close()
    assert server.unrecorded_at_data == [[]] * 3
    assert Outbox.objects.filter(status=Outbox.Status.SENT).count() == 3
    assert [r.dedup_key for r in rows] == server.accepted


@pytest.mark.postgres
def test_records_go_out_unprepared_behind_a_transaction_pooler(
    transactional_db, monkeypatch, settings
):
    """PREPARED_STATEMENTS=0 (a transaction-pooling PgBouncer): the recorder's connection
    sends the plain UPDATE, and every message is recorded before the next DATA."""
    from betacowork.messaging import records, sender

    settings.PREPARED_STATEMENTS = False
    server = _Server()
    monkeypatch.setattr(sender, "get_connection", lambda **kwargs: _backend(server))
    records.recorder_connection_close()
    try:
        for i in range(3):
            write(f"u{i}")
        assert outbox_send_due() == 3
        assert records._pipe().prepared is False
    finally:
        records.recorder_connection_close()
    assert server.unrecorded_at_data == [[]] * 3
    assert Outbox.objects.filter(status=Outbox.Status.SENT).count() == 3


class _Scripted(smtplib.SMTP):
    """An smtplib session without a socket: the replies to MAIL, RCPT, DATA and the message
    come from a script; what is sent (commands, the message's bytes) is noted. smtplib's own
    `sendmail` runs on it unchanged (its `mail`, `rcpt`, `data`, `rset` end up here)."""

    def __init__(self, mail, rcpts, data, gone=False):
        super().__init__()  # no host: nothing is connected
        self.does_esmtp, self.esmtp_features = True, {"size": ""}
        self.replies = {"mail": [mail], "rcpt": list(rcpts), "data": [(354, b"go")]}
        self.replies["message"] = [data]
        self.gone, self.calls, self.expecting = gone, [], None

    def ehlo_or_helo_if_needed(self):
        pass

    def putcmd(self, cmd, args=""):
        self.calls.append((cmd, args))
        self.expecting = cmd
        if cmd == "rset" and self.gone:
            raise smtplib.SMTPServerDisconnected("gone")

    def send(self, s):
        self.calls.append(("message", bytes(s)))
        self.expecting = "message"

    def getreply(self):
        self.calls.append(("reply",))
        return OK if self.expecting == "rset" else self.replies[self.expecting].pop(0)

    def close(self):
        self.calls.append(("close",))


OK, REFUSED, CLOSING, LATER = (250, b"ok"), (550, b"no"), (421, b"bye"), (451, b"later")


@pytest.mark.parametrize(
    ("mail", "rcpts", "data", "gone"),
    [
        (OK, [OK, OK], OK, False),
        (REFUSED, [], OK, False),
        (CLOSING, [], OK, False),
        (OK, [REFUSED, OK], OK, False),
        (OK, [REFUSED, REFUSED], OK, False),
        (OK, [REFUSED, REFUSED], OK, True),
        (OK, [CLOSING], OK, False),
        (OK, [OK, OK], REFUSED, False),
        (OK, [OK, OK], CLOSING, False),
        (OK, [OK, OK], LATER, True),
    ],
)
@pytest.mark.parametrize(
    "message", [b"Hi", b"Hi\r\n", b".A line with a dot\r\n..two\r\nend .\r\n.\r\nlast"]
)
def test_the_exchange_answers_as_smtplib_s_own_sendmail(mail, rcpts, data, gone, message):
    """`sendmail` (the envelope, a pause for the previous record, DATA, the next message
    built before the reply is read) sends the same commands and bytes, and raises the same
    refusals, as `smtplib.SMTP.sendmail`."""
    from betacowork.messaging.smtp import sendmail

    outcomes = []
    for ours in (True, False):
        session = _Scripted(mail, rcpts + [OK] * 2, data, gone)
        try:
            if ours:
                sendmail(
                    session,
                    "a@x.test",
                    ["b@x.test", "Name <c@x.test>"],
                    message,
                    before_data=lambda s=session: s.calls.append(("pause",)),
                    while_server_reads=lambda s=session: s.calls.append(("building",)),
                )
            else:
                smtplib.SMTP.sendmail(session, "a@x.test", ["b@x.test", "Name <c@x.test>"], message)
            raised = None
        except smtplib.SMTPException as exc:
            raised = (type(exc), exc.args)
        names = [call[0] for call in session.calls]
        if ours:
            # The pause comes right before DATA, and only when DATA is sent; the next
            # message is built after this one's bytes are sent, before its reply is read.
            assert ("data" in names) == ("pause" in names)
            if "data" in names:
                assert names.index("pause") == names.index("data") - 1
            assert ("message" in names) == ("building" in names)
            if "message" in names:
                assert names[names.index("message") + 1 : names.index("message") + 3] == [
                    "building",
                    "reply",
                ]
        mine = {("pause",), ("building",)}
        outcomes.append((raised, [call for call in session.calls if call not in mine]))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][1][0] == ("mail", f"FROM:<a@x.test> size={len(message)}")


def test_the_next_message_is_built_while_the_server_reads_one_and_its_error_stays_its_own(
    monkeypatch,
):
    """Each message's bytes are built while the server takes in the one before (after its
    bytes are sent, before the reply is read); a message that cannot be built fails alone,
    when its turn comes, and the batch goes on."""
    from betacowork.messaging import sender
    from betacowork.messaging.mime import MessageBuilder

    server, steps, reading = _Server(), [], []
    send, getreply, build = server.send, server.getreply, MessageBuilder.envelope

    def sending(s):  # a message's bytes: the next reply is the server's answer to it
        send(s)
        steps.append(("sent", server.accepted[-1]))
        reading.append(server.accepted[-1])

    def replying():
        if reading:
            steps.append(("accepted", reading.pop()))
        return getreply()

    def envelope(self, row):
        steps.append(("built", row.dedup_key))
        if row.dedup_key == "k1":
            raise ValueError("cannot build k1")
        return build(self, row)

    monkeypatch.setattr(server, "send", sending)
    monkeypatch.setattr(server, "getreply", replying)
    monkeypatch.setattr(MessageBuilder, "envelope", envelope)
    monkeypatch.setattr(sender, "get_connection", lambda **kwargs: _backend(server))
    for i in range(3):
        write(f"k{i}")
    assert outbox_send_due() == 2
    assert steps == [
        ("built", "k0"),
        ("sent", "k0"),
        ("built", "k1"),
        ("accepted", "k0"),
        ("built", "k2"),
        ("sent", "k2"),
        ("accepted", "k2"),
    ]
    rows = {row.dedup_key: row for row in Outbox.objects.all()}
    assert rows["k0"].status == rows["k2"].status == Outbox.Status.SENT
    assert rows["k1"].status == Outbox.Status.PENDING
    assert rows["k1"].last_error == "ValueError: cannot build k1"
    assert server.accepted == ["k0", "k2"]
