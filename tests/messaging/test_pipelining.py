"""SMTP PIPELINING (RFC 2920) in the sender (betacowork/messaging/smtp.py): where the server
offers it, each message's envelope (MAIL, RCPT, DATA) goes out as one group behind the
previous message's end — one round trip a message instead of four — with the same refusals
as the exchange without it, and still never two accepted messages unrecorded."""

from __future__ import annotations

import re
import smtplib
import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from bench.procs import SinkHandler, SmtpSink
from betacowork.messaging import sender as sender_module
from betacowork.messaging import smtp as smtp_module
from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_send_due

from .conftest import SMTP_PORT
from .factories import write

pytestmark = pytest.mark.django_db

SINK_PORT = SMTP_PORT + 5  # this suite's ports: see conftest.py


@pytest.fixture
def smtp_to_sink(settings):
    """Django's SMTP backend, pointed at an aiosmtpd sink on SINK_PORT."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", SINK_PORT
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10


@pytest.fixture
def wire(monkeypatch):
    """What each SMTP session writes and reads, in order: ("group", [commands]),
    ("content", message key), ("cmd", name) for a command sent alone, ("reply", code)."""
    log: list[tuple] = []
    send, getreply, putcmd = smtplib.SMTP.send, smtplib.SMTP.getreply, smtplib.SMTP.putcmd

    def sending(self, s):
        raw = s.encode() if isinstance(s, str) else bytes(s)
        key = re.search(rb"X-Betacowork-Message: (\S+)", raw)
        if key:
            log.append(("content", key.group(1).decode()))
        elif raw.count(b"\r\n") > 1:  # a command alone is logged by putcmd
            commands = [line.split(b" ")[0].decode().lower() for line in raw.split(b"\r\n")]
            log.append(("group", [c for c in commands if c]))
        return send(self, s)

    def putting(self, cmd, args=""):
        log.append(("cmd", cmd.lower()))
        return putcmd(self, cmd, args)

    def replying(self):
        code, text = getreply(self)
        log.append(("reply", code))
        return code, text

    monkeypatch.setattr(smtplib.SMTP, "send", sending)
    monkeypatch.setattr(smtplib.SMTP, "putcmd", putting)
    monkeypatch.setattr(smtplib.SMTP, "getreply", replying)
    return log


def _keys(sink: SmtpSink) -> list[str]:
    return [message["X-Betacowork-Message"] for _rcpts, message in sink.messages]


def test_the_sink_offers_pipelining_only_when_asked():
    for offered in (True, False):
        with SmtpSink(SINK_PORT, pipelining=offered), smtplib.SMTP("127.0.0.1", SINK_PORT) as c:
            c.ehlo()
            assert c.has_extn("pipelining") is offered


@pytest.mark.parametrize("offered", [True, False], ids=["pipelining", "without"])
def test_a_batch_goes_out_in_one_round_trip_a_message_where_the_server_offers_it(
    smtp_to_sink, wire, offered
):
    """Offered: one group (MAIL, RCPT, DATA) per message, the next one written behind each
    message's end before its 250 is read; not offered: each command waits for its reply, as
    smtplib does. Either way every message arrives once, in order, over one connection."""
    rows = [write(f"p{i}", to=f"p{i}@example.test")[0] for i in range(4)]
    with SmtpSink(SINK_PORT, pipelining=offered) as sink:
        assert outbox_send_due() == 4
    assert _keys(sink) == [row.dedup_key for row in rows]
    assert Outbox.objects.filter(status=Outbox.Status.SENT).count() == 4
    exchange = [entry for entry in wire if entry != ("cmd", "ehlo")]
    groups = [entry for entry in exchange if entry[0] == "group"]
    if offered:
        assert groups == [("group", ["mail", "rcpt", "data"])] * 4
        assert ("cmd", "mail") not in exchange
        assert ("cmd", "data") not in exchange
        # The next group goes out after a message's content and before its reply is read.
        for key in ("p0", "p1", "p2"):
            at = exchange.index(("content", key))
            assert exchange[at + 1][0] == "group"
            assert exchange[at + 2] == ("reply", 250)
        # One round trip a message: a content, the next group, then the 4 replies.
        assert exchange.count(("reply", 354)) == 4
    else:
        assert groups == []
        assert [e for e in exchange if e[0] == "cmd"][:3] == [
            ("cmd", "mail"),
            ("cmd", "rcpt"),
            ("cmd", "data"),
        ]


def test_a_pipelining_session_does_not_hold_its_groups_back_for_nagle(smtp_to_sink, monkeypatch):
    """A group written behind a message's end must leave at once (TCP_NODELAY), not when the
    end is acknowledged: measured, Nagle with delayed ACKs cost a round trip or two more."""
    seen = []
    sendmail = smtp_module.sendmail

    def noting(smtp, *args, **kwargs):
        sendmail(smtp, *args, **kwargs)
        seen.append(smtp.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    monkeypatch.setattr(sender_module, "sendmail", noting)
    for offered in (True, False):
        write(f"n{offered}")
        with SmtpSink(SINK_PORT, pipelining=offered):
            assert outbox_send_due() == 1
    assert [bool(flag) for flag in seen] == [True, False]


def test_a_refused_message_in_the_middle_does_not_disturb_the_group_behind_it(smtp_to_sink, wire):
    """The server refuses the second message's content (554) while the third message's
    group is already on its way: no RSET (it would be read as the third's content), the
    third and fourth are delivered on the same connection, the second fails permanently."""
    rows = [write(f"r{i}", to=f"r{i}@example.test")[0] for i in range(4)]
    with SmtpSink(SINK_PORT, refuse=["", "554 5.7.1 Refused"]) as sink:
        assert outbox_send_due() == 3
    assert _keys(sink) == ["r0", "r2", "r3"]
    assert ("cmd", "rset") not in wire
    assert sum(1 for entry in wire if entry == ("cmd", "ehlo")) == 1
    states = {row.dedup_key: row.status for row in Outbox.objects.all()}
    assert states == {"r0": "sent", "r1": "failed", "r2": "sent", "r3": "sent"}
    assert rows[1].dedup_key == "r1"


def test_a_server_closing_after_a_message_loses_nothing_of_the_group_behind_it(smtp_to_sink, wire):
    """421 after the second message's content, with the third's group already sent: the
    connection is closed, a new one opened, and the third sent there (its group again)."""
    for i in range(3):
        write(f"c{i}", to=f"c{i}@example.test")
    with SmtpSink(SINK_PORT, refuse=["", "421 4.3.2 Closing"]) as sink:
        assert outbox_send_due() == 2
    assert _keys(sink) == ["c0", "c2"]
    assert sum(1 for entry in wire if entry == ("cmd", "ehlo")) == 2
    rows = {row.dedup_key: row for row in Outbox.objects.all()}
    assert rows["c1"].status == Outbox.Status.PENDING  # a temporary failure: tried again later
    assert rows["c1"].attempts == 1
    assert rows["c2"].status == Outbox.Status.SENT


def test_a_row_whose_lease_is_lost_after_its_group_went_out_is_not_delivered(
    smtp_to_sink, monkeypatch
):
    """The third row's group went out behind the second message (its lease looked fresh),
    then its lease turns out lost before its content: the connection is dropped without
    ending the message (nothing delivered: its new holder sends it), the rest of the batch
    goes on over a new connection."""
    for i in range(4):
        write(f"l{i}", to=f"l{i}@example.test")
    fresh = sender_module._lease_fresh
    asked: dict[int, int] = {}

    def lease_fresh(row):
        if row.dedup_key == "l2":
            asked[row.pk] = asked.get(row.pk, 0) + 1
            return asked[row.pk] == 1  # fresh when its group goes out, not afterwards
        return fresh(row)

    keep = sender_module._leases_keep
    monkeypatch.setattr(sender_module, "_lease_fresh", lease_fresh)
    monkeypatch.setattr(
        sender_module,
        "_leases_keep",
        lambda rows: {pk for pk in keep(rows) if pk != Outbox.objects.get(dedup_key="l2").pk},
    )
    with SmtpSink(SINK_PORT) as sink:
        assert outbox_send_due() == 3
    assert _keys(sink) == ["l0", "l1", "l3"]
    assert sink.handler.data_commands == 3  # l2's DATA was answered 354, never ended
    assert Outbox.objects.get(dedup_key="l2").status == Outbox.Status.PENDING


# The exchange's refusals, against a scripted pipelining server ------------------------------


class _PipeliningServer(smtplib.SMTP):
    """A pipelining session without a socket: replies are queued as the commands are
    written (a group at once), then read in order; MAIL, RCPT and the content take their
    replies from a script, DATA gets 354 only when the transaction has a recipient."""

    def __init__(self, mail, rcpts, data):
        super().__init__()  # no host: nothing is connected
        self.does_esmtp = True
        self.esmtp_features = {"size": "", "pipelining": ""}
        self.script = {"mail": [mail], "rcpt": list(rcpts), "content": [data]}
        self.queue: list[tuple[int, bytes]] = []
        self.commands: list[str] = []
        self.mail_ok = False
        self.recipients = 0

    def ehlo_or_helo_if_needed(self):
        pass

    def send(self, s):
        raw = s.encode() if isinstance(s, str) else bytes(s)
        if raw.lower().startswith((b"mail ", b"rset")):
            lines = [line for line in raw.split(b"\r\n") if line]
        elif raw.endswith(b"\r\n.\r\n") or raw == b".\r\n":
            lines = [b"<content>"]
        else:
            lines = [line for line in raw.split(b"\r\n") if line]
        for line in lines:
            name = line.split(b" ")[0].decode().lower()
            self.commands.append(name)
            if name == "mail":
                reply = self.script["mail"].pop(0)
                self.mail_ok = reply[0] == 250
            elif name == "rcpt":
                reply = self.script["rcpt"].pop(0)
                self.recipients += reply[0] in (250, 251) and self.mail_ok
            elif name == "data":
                reply = (354, b"go") if self.recipients else (503, b"need RCPT")
            elif name == "<content>":
                reply = self.script["content"].pop(0)
            else:  # rset, quit
                reply = (250, b"ok")
            self.queue.append(reply)

    def putcmd(self, cmd, args=""):
        self.send(f"{cmd} {args}".strip() + "\r\n")

    def getreply(self):
        return self.queue.pop(0)

    def close(self):
        self.commands.append("close")


OK, REFUSED, CLOSING, LATER = (250, b"ok"), (550, b"no"), (421, b"bye"), (451, b"later")


@pytest.mark.parametrize(
    ("mail", "rcpts", "data", "raised", "delivered"),
    [
        (OK, [OK, OK], OK, None, True),
        (REFUSED, [OK, OK], OK, smtplib.SMTPSenderRefused, False),
        (CLOSING, [OK, OK], OK, smtplib.SMTPSenderRefused, False),
        (OK, [REFUSED, OK], OK, None, True),
        (OK, [REFUSED, REFUSED], OK, smtplib.SMTPRecipientsRefused, False),
        (OK, [LATER, LATER], OK, smtplib.SMTPRecipientsRefused, False),
        (OK, [CLOSING, OK], OK, smtplib.SMTPRecipientsRefused, False),
        (OK, [OK, OK], REFUSED, smtplib.SMTPDataError, True),
        (OK, [OK, OK], CLOSING, smtplib.SMTPDataError, True),
    ],
)
def test_a_pipelined_exchange_refuses_as_smtplib_does(mail, rcpts, data, raised, delivered):
    """The group (MAIL, both RCPT, DATA) is written at once and the previous record waited
    for after it; refusals raise what `smtplib.SMTP.sendmail` raises; the content goes out
    only when the server said 354 (never after a refused envelope); a refused envelope is
    reset (as smtplib resets after any refusal), a closing server closed."""
    from betacowork.messaging.smtp import sendmail

    server = _PipeliningServer(mail, rcpts, data)
    steps: list[str] = []
    try:
        sendmail(
            server,
            "a@x.test",
            ["b@x.test", "Name <c@x.test>"],
            b"Hi",
            before_data=lambda: steps.append("settled"),
        )
        got = None
    except smtplib.SMTPException as exc:
        got = type(exc)
    assert got is raised
    assert server.commands[:4] == ["mail", "rcpt", "rcpt", "data"]
    assert steps == ["settled"]  # once, after the group was written
    assert ("<content>" in server.commands) is delivered
    closing = CLOSING in (mail, *rcpts[:1], data)
    assert ("close" in server.commands) is closing
    assert ("rset" in server.commands) is (raised is not None and not closing)


def test_the_pipelined_exchange_writes_the_commands_smtplib_writes():
    """Same MAIL (with SIZE), RCPT and DATA lines as smtplib's `sendmail`, grouped."""
    from betacowork.messaging.smtp import sendmail

    written = []

    class Recording(_PipeliningServer):
        def send(self, s):
            written.append(s if isinstance(s, str) else bytes(s).decode())
            super().send(s)

    sendmail(
        Recording(OK, [OK, OK], OK),
        "Community <a@x.test>",
        ["b@x.test", "Name <c@x.test>"],
        b"..line\r\nlast",
        before_data=lambda: None,
    )
    assert written[0] == (
        "mail FROM:<a@x.test> size=12\r\nrcpt TO:<b@x.test>\r\nrcpt TO:<c@x.test>\r\ndata\r\n"
    )
    assert written[1] == "...line\r\nlast\r\n.\r\n"  # dot-stuffed as smtplib's data() does


class _RecordingServer(_PipeliningServer):
    """Accepts everything; at each message's content notes which messages it accepted before
    are not yet shown sent by the database (read on the test's own connection)."""

    def __init__(self):
        super().__init__(OK, [], OK)
        self.accepted: list[str] = []
        self.unrecorded_at_content: list[list[str]] = []

    def send(self, s):
        raw = s.encode() if isinstance(s, str) else bytes(s)
        key = re.search(rb"X-Betacowork-Message: (\S+)", raw)
        if key:
            sent = set(
                Outbox.objects.filter(status=Outbox.Status.SENT).values_list("dedup_key", flat=True)
            )
            self.unrecorded_at_content.append([k for k in self.accepted if k not in sent])
            self.accepted.append(key.group(1).decode())
        self.script = {"mail": [OK], "rcpt": [OK] * 5, "content": [OK]}
        super().send(s)


@pytest.mark.postgres
@pytest.mark.parametrize("waits", [True, False], ids=["settled", "negative-control"])
def test_pipelined_messages_never_go_out_while_the_one_before_is_unrecorded(
    transactional_db, monkeypatch, waits
):
    """With the next group written before a message's 250 is read, the next CONTENT still
    waits for the previous "sent" record (a database taking 50 ms a record here): at most
    one accepted message is ever unrecorded. Without the wait (negative control), content
    goes out while the message before is unrecorded."""
    from betacowork.messaging import records

    from .test_sender import _backend

    server = _RecordingServer()
    monkeypatch.setattr(records, "_SENT_SQL", records._SENT_SQL + " AND pg_sleep(0.05) IS NOT NULL")
    monkeypatch.setattr(sender_module, "get_connection", lambda **kwargs: _backend(server))
    if not waits:
        monkeypatch.setattr(records.Recorder, "settle", lambda self: None)
    records.recorder_connection_close()
    try:
        rows = [write(f"w{i}")[0] for i in range(5)]
        assert outbox_send_due() == 5
    finally:
        records.recorder_connection_close()
    assert server.accepted == [row.dedup_key for row in rows]
    assert server.commands.count("mail") == 5  # pipelined: one group a message
    assert Outbox.objects.filter(status=Outbox.Status.SENT).count() == 5
    if waits:
        assert server.unrecorded_at_content == [[]] * 5
    else:
        assert any(server.unrecorded_at_content)


# Servers that refuse in the middle of a transaction -----------------------------------------


class _KeepsEnvelopeOnRefusedData(SMTP):
    """Refuses the first DATA of a transaction for bad@… with 451 and, as a policy service
    behind Postfix may, keeps the envelope open: the next MAIL would be 'nested'."""

    refused = 0

    async def smtp_DATA(self, arg):
        if any(r.startswith("bad") for r in self.envelope.rcpt_tos) and not self.refused:
            type(self).refused += 1
            await self.push("451 4.3.0 Try again later")
            return
        await super().smtp_DATA(arg)


class _Recording(SinkHandler):
    async def handle_DATA(self, server, session, envelope):
        self.got.append((list(envelope.rcpt_tos), len(envelope.content or b"")))
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.parametrize("offered", [True, False], ids=["pipelining", "without"])
def test_a_refused_data_command_resets_the_envelope_and_delivers_nothing_blank(
    smtp_to_sink, offered
):
    """DATA refused (451) with the envelope kept by the server: the sender resets it, so
    the next message starts a transaction of its own — no empty message delivered to both
    recipients, the next message sent, the refused one tried again later."""
    for key, to in [("d0", "d0@example.test"), ("d1", "bad@example.test"), ("d2", "d2@x.test")]:
        write(key, to=to)
    _KeepsEnvelopeOnRefusedData.refused = 0
    handler = _Recording(pipelining=offered)
    handler.got = []

    class Server(Controller):
        def factory(self):
            return _KeepsEnvelopeOnRefusedData(self.handler, hostname="sink")

    server = Server(handler, hostname="127.0.0.1", port=SINK_PORT, ready_timeout=10)
    server.start()
    try:
        assert outbox_send_due() == 2
    finally:
        server.stop()
    assert [rcpts for rcpts, _size in handler.got] == [["d0@example.test"], ["d2@x.test"]]
    assert all(size > 0 for _rcpts, size in handler.got)
    rows = {row.dedup_key: row for row in Outbox.objects.all()}
    assert rows["d2"].status == Outbox.Status.SENT
    assert rows["d1"].status == Outbox.Status.PENDING  # 451: tried again later
    assert rows["d1"].attempts == 1


class _ClosesOnBadRecipient(SinkHandler):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bad"):
            return "421 4.7.0 Closing"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.mark.parametrize("offered", [True, False], ids=["pipelining", "without"])
def test_a_server_closing_at_a_recipient_costs_the_next_message_nothing(smtp_to_sink, offered):
    """421 to RCPT: the session is closed, and the next message goes out over a new one —
    not failed with "please run connect() first" and a backoff it did not earn."""
    for key, to in [("e0", "e0@example.test"), ("e1", "bad@example.test"), ("e2", "e2@x.test")]:
        write(key, to=to)
    sink = SmtpSink(SINK_PORT, pipelining=offered)
    sink.handler.__class__ = _ClosesOnBadRecipient
    with sink:
        assert outbox_send_due() == 2
    assert _keys(sink) == ["e0", "e2"]
    rows = {row.dedup_key: row for row in Outbox.objects.all()}
    assert rows["e2"].status == Outbox.Status.SENT
    assert rows["e2"].attempts == 1
    assert rows["e1"].status == Outbox.Status.PENDING
