"""From an outbox row to the bytes the mail server receives, and what its answers mean.

`MessageBuilder` builds each row's MIME message; within one batch it builds each distinct
attachment part once (a reminder sweep's rows all carry the same .ics) and reuses it, and
folds each distinct header line once (`email`'s folding of a header costs more than sending
it: a batch repeats the subject, the sender and every part's headers).

The bytes of an ordinary row (UTF-8, a plain-text body with an optional HTML alternative
and attachments, no line over 998 bytes, none of the headers Django sets itself) are written
directly (`_Wire`), without building Django's and `email`'s message objects: the same bytes,
checked against Django's in tests/messaging/test_mime.py, for about a fifth of the CPU. Any
other row goes through Django's `message()` and the standard generator.
"""

from __future__ import annotations

import functools
import hashlib
import io
import random
import re
import smtplib
import sys
import time
from email._policybase import compat32
from email.generator import BytesGenerator
from email.mime.base import MIMEBase
from email.utils import formatdate
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import (
    RFC5322_EMAIL_LINE_LENGTH_LIMIT,
    forbid_multi_line_headers,
    sanitize_address,
)

from .models import Outbox


def message_id_for(row: Outbox) -> str:
    """Deterministic Message-ID: a copy sent again in the unavoidable window is recognisable.

    A staff resend bumps `X-Betacowork-Resend`, giving the resent copy a new Message-ID (mail
    clients would otherwise hide it as a duplicate).
    """
    resend = str(row.headers.get("X-Betacowork-Resend", "0"))
    digest = hashlib.sha256(f"{row.dedup_key}|{resend}".encode()).hexdigest()[:32]
    return f"<{digest}@{_host(settings.SITE_URL)}>"


@functools.lru_cache(maxsize=8)
def _host(site_url: str) -> str:
    return urlsplit(site_url).hostname or "betacowork.local"


def _extra_headers(row: Outbox) -> dict:
    """The row's own headers, then those every message carries (`_common_headers`)."""
    return {
        **row.headers,
        "Message-ID": message_id_for(row),
        "X-Betacowork-Message": row.dedup_key[:200],
        **_common_headers(row),
    }


def _common_headers(row: Outbox) -> dict:
    """Every message is written by the site, not typed by a person (RFC 3834: no vacation
    or out-of-office reply to it, and filters may tell it apart), in the recipient's
    language (RFC 3282: screen readers and translation offers go by it)."""
    headers = {"Auto-Submitted": "auto-generated"}
    if row.language:
        headers["Content-Language"] = row.language
    return headers


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
        self._wire: _Wire | None = None

    def email(self, row: Outbox, connection=None, *, shared_parts=False) -> EmailMultiAlternatives:
        """The row as a Django email; with `shared_parts` its attachments are MIME parts
        built once per batch (for the bytes only: Django's backends that read
        `email.attachments`, like the test backend, get the usual tuples)."""
        email = EmailMultiAlternatives(
            subject=row.subject,
            body=row.body_text,
            from_email=row.from_email or settings.DEFAULT_FROM_EMAIL,
            to=[row.to_email],
            headers=_extra_headers(row),
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
            self._wire = _Wire(self)
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


def _fold(name: str, value: str) -> bytes:
    """`name: value` as the standard generator folds it (compat32). Printable ASCII is
    written directly: a line that fits as it is, a longer value with nowhere to fold it (no
    space, ";" or ",": an unsubscribe link) on a line of its own."""
    if value.isascii() and value.isprintable():
        if len(name) + len(value) <= 76:
            return f"{name}: {value}\r\n".encode("ascii")
        if not _FOLD_POINTS.search(value):
            return f"{name}: \r\n {value}\r\n".encode("ascii")
    return _POLICY.fold_binary(name, value)


_POLICY = compat32.clone(linesep="\r\n")
_NEWLINES = re.compile(r"\r\n|\r|\n")
_FOLD_POINTS = re.compile(r"[ ;,]")  # where compat32 may fold printable ASCII
# A plain address is its own sanitised form (sanitize_address parses it to the same string):
# a dot-atom local part, a domain of ASCII labels of 1 to 63 characters.
PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9-]{1,63}\.)*[A-Za-z0-9-]{1,63}"
)
# Headers Django's message() sets or treats apart: a row carrying one takes the general path.
_OWN_HEADERS = frozenset(
    {"from", "to", "cc", "bcc", "reply-to", "date", "message-id", "subject", "mime-version",
     "content-type", "content-transfer-encoding", "x-betacowork-message"}
)  # fmt: skip
# A multipart Content-Type is folded once per subtype with a stand-in of the boundary's
# length (every boundary is 15 "=", 19 digits, "=="), then the real boundary put in.
_BOUNDARY_STAND_IN = "=" * 15 + "9" * 19 + "=="


class _Wire:
    """The bytes of an ordinary row written directly, as Django's `message()` flattened by
    the standard generator would write them (see the module's docstring); `envelope()`
    returns None for any row it does not cover.

    A part is held as (its header lines, the pieces of its content) and the message joined
    once at the end: no part is copied into its parent's bytes, nor the top part split again
    to put the message's headers after its own."""

    def __init__(self, builder: MessageBuilder) -> None:
        self.builder = builder
        self.multipart_heads: dict[str, bytes] = {}
        self.lines: dict[tuple[str, str], bytes] = {}  # shared header lines, once per batch
        self.attachments: dict[bytes, tuple[bytes, list[bytes]]] = {}
        self.date: tuple[int, str] = (-1, "")

    def envelope(self, row: Outbox) -> tuple[str, list[str], bytes] | None:
        if (
            settings.DEFAULT_CHARSET.lower() != "utf-8"
            or not row.body_text
            or any(
                name.lower() in _OWN_HEADERS or not isinstance(value, str)
                for name, value in row.headers.items()
            )
            or not PLAIN_ADDRESS.fullmatch(row.to_email)
        ):
            return None
        part = self.text_part("plain", row.body_text)
        if part is None:
            return None
        if row.body_html:
            html = self.text_part("html", row.body_html)
            if html is None:
                return None
            part = self.multipart("alternative", [part, html])
        if row.attachments:
            parts = [self.attachment(item) for item in row.attachments]
            part = self.multipart("mixed", [part, *parts])
        head, content = part
        from_email = row.from_email or settings.DEFAULT_FROM_EMAIL
        lines = [
            head,
            self.shared_line("Subject", row.subject),
            self.shared_line("From", from_email),
            self.line("To", row.to_email),
            self.shared_line("Date", self.now()),
        ]
        for name, value in row.headers.items():
            lines.append(self.line(name, value))
        lines.append(self.line("Message-ID", message_id_for(row)))
        lines.append(self.line("X-Betacowork-Message", row.dedup_key[:200]))
        for name, value in _common_headers(row).items():
            lines.append(self.shared_line(name, value))
        lines.append(b"\r\n")
        lines += content
        return self.builder.sender(from_email, "utf-8"), [row.to_email], b"".join(lines)

    def now(self) -> str:
        """The Date header's value, formatted once a second."""
        second = int(time.time())
        if self.date[0] != second:
            self.date = (second, formatdate(second, localtime=settings.EMAIL_USE_LOCALTIME))
        return self.date[1]

    def shared_line(self, name: str, value: str) -> bytes:
        """A header line the batch's messages share (subject, sender, date), once a batch:
        encoded as Django's SafeMIME classes encode it, then folded."""
        line = self.lines.get((name, value))
        if line is None:
            line = self.lines[(name, value)] = _fold(
                *forbid_multi_line_headers(name, value, "utf-8")
            )
        return line

    def line(self, name: str, value: str) -> bytes:
        """A header line of this message alone. Printable ASCII (the rule: an address, an
        id, a link) is what `forbid_multi_line_headers` leaves as it is, but for a subject."""
        if value.isascii() and value.isprintable() and name.lower() != "subject":
            return _fold(name, value)
        return self.shared_line(name, value)

    @staticmethod
    def text_part(subtype: str, text: str) -> tuple[bytes, list[bytes]] | None:
        """A text part as SafeMIMEText writes it: UTF-8, 7bit or 8bit; None when a line is
        too long (Django then uses quoted-printable) or the text cannot be encoded."""
        try:
            if "\r" in text:
                data = _NEWLINES.sub("\r\n", text).encode("utf-8")
            else:
                data = text.replace("\n", "\r\n").encode("utf-8")
        except UnicodeEncodeError:
            return None
        limit = RFC5322_EMAIL_LINE_LENGTH_LIMIT
        if len(data) > limit and max(map(len, data.split(b"\r\n"))) > limit:
            return None
        return _TEXT_HEADS[(subtype, data.isascii())], [data]

    def attachment(self, item: dict) -> tuple[bytes, list[bytes]]:
        """An attachment part (flattened once per batch), as (header lines, content)."""
        data = self.builder.attachment_bytes(item)
        part = self.attachments.get(data)
        if part is None:
            head, content = data.split(b"\r\n\r\n", 1)
            part = self.attachments[data] = (head + b"\r\n", [content])
        return part

    def multipart(
        self, subtype: str, parts: list[tuple[bytes, list[bytes]]]
    ) -> tuple[bytes, list[bytes]]:
        """A multipart part of `parts`; its boundary is drawn as `_FoldingMemo` draws it for
        the flattened parts (each piece is searched: the boundary holds no line break, so
        it cannot straddle two pieces, every piece but a content's starting or ending one)."""
        while True:
            boundary = _FoldingMemo._make_boundary()
            needle = boundary.encode("ascii")
            if not any(needle in head or any(needle in p for p in body) for head, body in parts):
                break
        head = self.multipart_heads.get(subtype)
        if head is None:
            head = self.multipart_heads[subtype] = (
                _POLICY.fold_binary(
                    "Content-Type", f'multipart/{subtype}; boundary="{_BOUNDARY_STAND_IN}"'
                )
                + b"MIME-Version: 1.0\r\n"
            )
        separator = b"\r\n--" + needle + b"\r\n"
        pieces = [b"--" + needle + b"\r\n"]
        for index, (part_head, body) in enumerate(parts):
            if index:
                pieces.append(separator)
            pieces.append(part_head)
            pieces.append(b"\r\n")
            pieces += body
        pieces.append(b"\r\n--" + needle + b"--\r\n")
        return head.replace(_BOUNDARY_STAND_IN.encode("ascii"), needle), pieces


# A text part's header lines, as SafeMIMEText writes them: by subtype and whether it is ASCII.
_TEXT_HEADS = {
    (subtype, ascii_only): (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\nMIME-Version: 1.0\r\n'
        f"Content-Transfer-Encoding: {'7bit' if ascii_only else '8bit'}\r\n"
    ).encode("ascii")
    for subtype in ("plain", "html")
    for ascii_only in (True, False)
}


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
