"""From an outbox row to the bytes the mail server receives, and what its answers mean.

`MessageBuilder` builds each row's MIME message; within one batch it builds each distinct
attachment part once (a reminder sweep's rows all carry the same .ics) and reuses it, and
folds each distinct header line once (`email`'s folding of a header costs more than sending
it: a batch repeats the subject, the sender and every part's headers).

The bytes of an ordinary row are written directly (`wire.Wire`), without building Django's
and `email`'s message objects; any other row goes through Django's `message()` and the
standard generator. Every message's own header lines: `headers.py`.
"""

from __future__ import annotations

import io
import random
import smtplib
import sys
from email.generator import BytesGenerator
from email.mime.base import MIMEBase

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import sanitize_address

from .headers import extra_headers
from .models import Outbox
from .wire import Wire


class _FoldingMemo(BytesGenerator):
    """`BytesGenerator` that folds each distinct (name, text value) header once per batch.

    Folding is a pure function of the policy, the name and the value, so the bytes are the
    ones the standard generator writes. Multipart boundaries are drawn like the standard
    generator's, but checked against the text with a substring search (stricter than its
    per-boundary regular expression, which it compiles anew for every message part)."""

    @classmethod
    def _make_boundary(cls, text=None):
        while True:
            boundary = "=" * 15 + f"{random.randrange(sys.maxsize):019d}" + "=="
            # BytesGenerator hands over the parts' bytes.
            needle = boundary.encode("ascii") if isinstance(text, bytes) else boundary
            if text is None or needle not in text:
                return boundary

    def __init__(self, *args, memo: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self._memo = memo

    def clone(self, fp):
        return type(self)(fp, self._mangle_from_, None, policy=self.policy, memo=self._memo)

    def _write_headers(self, msg):
        for name, value in msg.raw_items():
            if not isinstance(value, str):
                self._fp.write(self.policy.fold_binary(name, value))
                continue
            key = (self.policy, name, value)
            folded = self._memo.get(key)
            if folded is None:
                folded = self._memo[key] = self.policy.fold_binary(name, value)
            self._fp.write(folded)
        self.write(self._NL)


class MessageBuilder:
    """Builds the messages of one batch; attachment parts are built once per batch, and
    header lines folded once."""

    def __init__(self) -> None:
        self._parts: dict[tuple, MIMEBase] = {}
        self._folded: dict[tuple, bytes] = {}
        self._senders: dict[tuple, str] = {}
        self._wire: Wire | None = None

    def email(self, row: Outbox, connection=None, *, shared_parts=False) -> EmailMultiAlternatives:
        """The row as a Django email; with `shared_parts` its attachments are MIME parts
        built once per batch (for the bytes only: Django's backends that read
        `email.attachments`, like the test backend, get the usual tuples)."""
        email = EmailMultiAlternatives(
            subject=row.subject,
            body=row.body_text,
            from_email=row.from_email or settings.DEFAULT_FROM_EMAIL,
            to=[row.to_email],
            headers=extra_headers(row),
            connection=connection,
        )
        if row.body_html:
            email.attach_alternative(row.body_html, "text/html")
        for item in row.attachments:
            if shared_parts:
                email.attach(self._part(email, item))
            else:
                email.attach(item["filename"], item["content"], item.get("mimetype", "text/plain"))
        return email

    def _part(self, email: EmailMultiAlternatives, item: dict) -> MIMEBase:
        mimetype = item.get("mimetype", "text/plain")
        key = (item["filename"], mimetype, item["content"])
        part = self._parts.get(key)
        if part is None:
            # Django's own encoding of the attachment (charset, transfer encoding, filename).
            part = email._create_attachment(item["filename"], item["content"], mimetype)
            self._parts[key] = part
        return part

    def envelope(self, row: Outbox) -> tuple[str, list[str], bytes]:
        """(from, [to], bytes) as Django's SMTP backend would send them."""
        if self._wire is None:
            self._wire = Wire(self)
        envelope = self._wire.envelope(row)
        if envelope is not None:
            return envelope
        email = self.email(row, shared_parts=True)
        encoding = email.encoding or settings.DEFAULT_CHARSET
        out = io.BytesIO()
        message = email.message()
        _FoldingMemo(out, mangle_from_=False, policy=message.policy, memo=self._folded).flatten(
            message, linesep="\r\n"
        )
        return (
            self.sender(email.from_email, encoding),
            [sanitize_address(addr, encoding) for addr in email.recipients()],
            out.getvalue(),
        )

    def sender(self, from_email: str, encoding: str) -> str:
        """The envelope's sender, sanitised once per batch (one sender, as a rule)."""
        sender = self._senders.get((from_email, encoding))
        if sender is None:
            sender = self._senders[(from_email, encoding)] = sanitize_address(from_email, encoding)
        return sender

    def attachment_bytes(self, item: dict) -> bytes:
        """One attachment as a flattened MIME part (Django's encoding), once per batch."""
        key = ("bytes", item["filename"], item.get("mimetype", "text/plain"), item["content"])
        data = self._parts.get(key)
        if data is None:
            part = self._part(EmailMultiAlternatives(), item)
            out = io.BytesIO()
            _FoldingMemo(out, mangle_from_=False, policy=part.policy, memo=self._folded).flatten(
                part, linesep="\r\n"
            )
            data = self._parts[key] = out.getvalue()
        return data


def smtp_error_is_permanent(exc: BaseException) -> bool:
    """5xx replies are final (bounced address, refused content); 4xx and I/O errors are not."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600
    return False


def connection_broken(exc: BaseException) -> bool:
    """True when the SMTP connection cannot carry the next message (reopen it)."""
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code == 421  # "service closing transmission channel"
    if isinstance(exc, smtplib.SMTPException):
        return False  # e.g. recipients refused: the server said no, the session goes on
    return isinstance(exc, OSError)  # socket errors, timeouts
