"""The SMTP exchange of one message, as `smtplib.SMTP.sendmail` runs it for bytes (same
commands, replies and exceptions), with the two pauses the sender needs (see `sendmail`).

Where the server offers PIPELINING (RFC 2920: Postfix, Exim, Amazon SES, Gmail… do), the
envelope goes out as one group — MAIL, every RCPT and DATA written at once, their replies
read in order — behind the previous message's end when there is one: a message costs one
round trip to the server instead of four (a provider 10 ms away: 10 ms a message instead of
40). The commands, the bytes and the refusals raised stay those of the exchange without it."""

from __future__ import annotations

import contextlib
import functools
import re
import smtplib
import socket

from .wire import PLAIN_ADDRESS


def sendmail(
    smtp: smtplib.SMTP,
    sender: str,
    recipients: list[str],
    data: bytes,
    *,
    before_data,
    while_server_reads=None,
) -> None:
    """`smtplib.SMTP.sendmail` for bytes (same commands, replies and exceptions), with two
    hooks: `before_data()` between the envelope (MAIL, RCPT) and DATA — the previous
    message's record is waited for there, so it overlaps this envelope's round trips and
    never this message's delivery — and `while_server_reads()` after the message's bytes
    are sent and before the server's reply is read: the next message is built while the
    server takes this one in.

    With PIPELINING, `while_server_reads()` may return the next message's envelope
    `(sender, recipients, data)`: its group goes out at once, behind this message's end
    (RFC 2920 lets the message's content open a group), so each message costs ONE round
    trip; the next call finds its group sent (`PENDING`) and reads its replies. The next
    message's own bytes still wait for `before_data()`."""
    smtp.ehlo_or_helo_if_needed()
    pipelining = smtp.does_esmtp and smtp.has_extn("pipelining")
    if pipelining and not getattr(smtp, NO_DELAY, False):
        _no_delay(smtp)
    pending = getattr(smtp, PENDING, None)
    if pending is not None:
        setattr(smtp, PENDING, None)
        if pending != (sender, tuple(recipients)):
            # Never the case from the sender (a row skipped after its group went out closes
            # the connection); the server waits for another message's content: end nothing.
            smtp.close()
            raise smtplib.SMTPServerDisconnected("A pipelined envelope of another message.")
        before_data()
        _read_group(smtp, sender, recipients)
    elif pipelining:
        _send_group(smtp, sender, recipients, data)
        before_data()
        _read_group(smtp, sender, recipients)
    else:
        _envelope(smtp, sender, recipients, _size_option(smtp, data))
        before_data()
        smtp.putcmd("data")
        code, reply = smtp.getreply()
        if code != 354:
            # smtplib's own sendmail leaves the envelope open here; some servers keep it (a
            # DATA refused by a policy), and the next message's MAIL would be "nested".
            _abandon(smtp, closing=code == 421)
            raise smtplib.SMTPDataError(code, reply)
    if data.startswith(b".") or b"\n." in data:  # dot-stuffing, as smtplib's data() does
        data = re.sub(rb"(?m)^\.", b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    smtp.send(data + b".\r\n")
    following = while_server_reads() if while_server_reads is not None else None
    if pipelining and following is not None:
        _send_group(smtp, *following)
        setattr(smtp, PENDING, (following[0], tuple(following[1])))
    code, reply = smtp.getreply()
    if code != 250:
        if code == 421 or getattr(smtp, PENDING, None) is None:
            _abandon(smtp, closing=code == 421)
        # else: the next message's group follows; a RSET now would be read as its content
        # (the refused message's transaction is over anyway).
        raise smtplib.SMTPDataError(code, reply)


# The envelope `(sender, recipients)` whose group went out behind the previous message's end,
# kept on the session: a new session (a reopened connection) has none.
PENDING = "betacowork_pipelined_envelope"


# Set once a session pipelines: a group written behind a message's end is not held back by
# Nagle's algorithm until that end is acknowledged (with the receiver's delayed ACK, up to
# 40 ms a message: a round trip or two more, measured with bench/reminders.py --rtt-ms).
NO_DELAY = "betacowork_no_delay"


def _no_delay(smtp: smtplib.SMTP) -> None:
    setattr(smtp, NO_DELAY, True)
    with contextlib.suppress(AttributeError, OSError):  # no socket (a test's session), not TCP
        smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _size_option(smtp: smtplib.SMTP, data: bytes) -> str:
    return f" size={len(data)}" if smtp.does_esmtp and smtp.has_extn("size") else ""


def _envelope(smtp: smtplib.SMTP, sender: str, recipients: list[str], options: str) -> None:
    """MAIL and each RCPT, every command waiting for its reply (smtplib's own way)."""
    smtp.putcmd("mail", f"FROM:{_quoted(sender)}{options}")
    code, reply = smtp.getreply()
    if code != 250:
        _abandon(smtp, closing=code == 421)
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    refused = {}
    for recipient in recipients:
        smtp.putcmd("rcpt", f"TO:{_quoted(recipient)}")
        code, reply = smtp.getreply()
        if code not in (250, 251):
            refused[recipient] = (code, reply)
        if code == 421:
            _abandon(smtp, closing=True)
            raise smtplib.SMTPRecipientsRefused(refused)
    if len(refused) == len(recipients):
        _abandon(smtp, closing=False)
        raise smtplib.SMTPRecipientsRefused(refused)


def _send_group(smtp: smtplib.SMTP, sender: str, recipients: list[str], data: bytes) -> None:
    """MAIL, each RCPT and DATA written at once (RFC 2920); `_read_group` reads the replies."""
    commands = [("mail", f"FROM:{_quoted(sender)}{_size_option(smtp, data)}")]
    commands += [("rcpt", f"TO:{_quoted(recipient)}") for recipient in recipients]
    commands.append(("data", ""))
    smtp.send("".join(_command_line(cmd, args) for cmd, args in commands))


def _read_group(smtp: smtplib.SMTP, sender: str, recipients: list[str]) -> None:
    """The replies to a group, in order: the same refusals as `_envelope` followed by DATA
    (a refused MAIL or every RCPT refused: DATA is refused too, and the transaction reset)."""
    code, reply = smtp.getreply()
    if code == 421:  # closing: no other reply comes
        _abandon(smtp, closing=True)
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    mail_refused = None if code == 250 else (code, reply)
    refused = {}
    for recipient in recipients:
        code, reply = smtp.getreply()
        if code == 421:
            _abandon(smtp, closing=True)
            if mail_refused:
                raise smtplib.SMTPSenderRefused(*mail_refused, sender)
            refused[recipient] = (code, reply)
            raise smtplib.SMTPRecipientsRefused(refused)
        if code not in (250, 251):
            refused[recipient] = (code, reply)
    code, reply = smtp.getreply()  # DATA's
    if mail_refused or len(refused) == len(recipients):
        # A server that said 354 to DATA without a transaction of ours may hold one left
        # open by a refusal before: ending it (even empty) could deliver it. The socket is
        # closed without the end; the next message opens a new session.
        _abandon(smtp, closing=code in (354, 421))
        if mail_refused:
            raise smtplib.SMTPSenderRefused(*mail_refused, sender)
        raise smtplib.SMTPRecipientsRefused(refused)
    if code != 354:
        # Nothing is pipelined behind DATA: the envelope is reset (a server may keep it
        # after refusing DATA, and the next MAIL would be "nested"), or closed on 421.
        _abandon(smtp, closing=code == 421)
        raise smtplib.SMTPDataError(code, reply)


def _command_line(cmd: str, args: str) -> str:
    """A command as `smtplib.SMTP.putcmd` writes it (and refuses it)."""
    line = f"{cmd} {args}" if args else cmd
    if "\r" in line or "\n" in line:
        line = line.replace("\n", "\\n").replace("\r", "\\r")
        raise ValueError(f"command and arguments contain prohibited newline characters: {line}")
    return f"{line}\r\n"


def _quoted(address: str) -> str:
    """`<address>` as smtplib's `quoteaddr` writes it; a plain address without parsing it."""
    return f"<{address}>" if PLAIN_ADDRESS.fullmatch(address) else _quoted_parsed(address)


@functools.lru_cache(maxsize=64)
def _quoted_parsed(address: str) -> str:
    return smtplib.quoteaddr(address)  # e.g. the sender, with its display name


def _abandon(smtp: smtplib.SMTP, *, closing: bool) -> None:
    """After a refusal: close when the server is closing (421), else reset the mail
    transaction (a server already gone is ignored there, as in smtplib's own `sendmail`: the
    refusal is what is raised)."""
    if closing:
        smtp.close()
    else:
        with contextlib.suppress(smtplib.SMTPServerDisconnected):
            smtp.rset()
