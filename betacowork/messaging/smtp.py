"""The SMTP exchange of one message, as `smtplib.SMTP.sendmail` runs it for bytes (same
commands, replies and exceptions), with the two pauses the sender needs (see `sendmail`)."""

from __future__ import annotations

import contextlib
import functools
import re
import smtplib

from .mime import PLAIN_ADDRESS


def sendmail(
    smtp: smtplib.SMTP,
    sender: str,
    recipients: list[str],
    data: bytes,
    *,
    before_data,
    while_server_reads=None,
):
    """`smtplib.SMTP.sendmail` for bytes (same commands, replies and exceptions), with two
    hooks: `before_data()` between the envelope (MAIL, RCPT) and DATA — the previous
    message's record is waited for there, so it overlaps this envelope's round trips and
    never this message's delivery — and `while_server_reads()` after the message's bytes
    are sent and before the server's reply is read: the next message is built while the
    server takes this one in (the exchange stays one command, one reply)."""
    smtp.ehlo_or_helo_if_needed()
    options = f" size={len(data)}" if smtp.does_esmtp and smtp.has_extn("size") else ""
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
    before_data()
    smtp.putcmd("data")
    code, reply = smtp.getreply()
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    if data.startswith(b".") or b"\n." in data:  # dot-stuffing, as smtplib's data() does
        data = re.sub(rb"(?m)^\.", b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    smtp.send(data + b".\r\n")
    if while_server_reads is not None:
        while_server_reads()
    code, reply = smtp.getreply()
    if code != 250:
        _abandon(smtp, closing=code == 421)
        raise smtplib.SMTPDataError(code, reply)


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
