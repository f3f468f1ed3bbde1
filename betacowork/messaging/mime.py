"""From an outbox row to the bytes the mail server receives, and what its answers mean.

`MessageBuilder` builds each row's MIME message; within one batch it builds each distinct
attachment part once (a reminder sweep's rows all carry the same .ics) and reuses it, and
folds each distinct header line once (`email`'s folding of a header costs more than sending
it: a batch repeats the subject, the sender and every part's headers).

The bytes of an ordinary row (UTF-8, a plain-text body with an optional HTML alternative
and attachments, no line over 998 bytes, none of the headers Django sets itself) are written
directly (`_Wire`), without building Django's and `email`'s message objects: the same bytes,
checked against Django's in tests/messaging/test_mime.py and test_mime_speed.py, for a few
per cent of the CPU (a reminder of bench/reminders.py: some 16 µs against 700). Any other
row goes through Django's `message()` and the standard generator.
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
from django.core.signals import setting_changed
from django.dispatch import receiver

from .models import Outbox


def message_id_for(row: Outbox) -> str:
    """Deterministic Message-ID: a copy sent again in the unavoidable window is recognisable.

    A staff resend bumps `X-Betacowork-Resend`, giving the resent copy a new Message-ID (mail
    clients would otherwise hide it as a duplicate).
    """
    resend = str(row.headers.get("X-Betacowork-Resend", "0"))
    digest = hashlib.sha256(f"{row.dedup_key}|{resend}".encode()).hexdigest()[:32]
    return f"<{digest}@{_site()[1]}>"


@functools.cache
def _site() -> tuple[bool, str]:
    """(DEFAULT_CHARSET is UTF-8, the host of SITE_URL), read once: a setting read costs
    about as much as writing a header line. Read again when a test changes either."""
    host = urlsplit(settings.SITE_URL).hostname or "betacowork.local"
    return settings.DEFAULT_CHARSET.lower() == "utf-8", host


@receiver(setting_changed)
def _site_setting_changed(*, setting: str, **kwargs) -> None:
    if setting in ("DEFAULT_CHARSET", "SITE_URL"):
        _site.cache_clear()


def _extra_headers(row: Outbox) -> dict:
    """The row's own headers, then those every message carries (`_common_headers`)."""
    return {
        **row.headers,
        "Message-ID": message_id_for(row),
        "X-Betacowork-Message": row.dedup_key[:200],
        **_common_headers(row.language),
    }


def _common_headers(language: str) -> dict:
    """Every message is written by the site, not typed by a person (RFC 3834: no vacation
    or out-of-office reply to it, and filters may tell it apart), in the recipient's
    language (RFC 3282: screen readers and translation offers go by it)."""
    headers = {"Auto-Submitted": "auto-generated"}
    if language:
        headers["Content-Language"] = language
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
        return _plain_fold(name, value)
    return _POLICY.fold_binary(name, value)


def _plain_fold(name: str, value: str) -> bytes:
    """`_fold` of a printable ASCII value (the caller has checked it)."""
    if len(name) + len(value) <= 76:
        return f"{name}: {value}\r\n".encode("ascii")
    if " " in value or ";" in value or "," in value:  # where compat32 may fold
        return _POLICY.fold_binary(name, value)
    return f"{name}: \r\n {value}\r\n".encode("ascii")


_POLICY = compat32.clone(linesep="\r\n")
_NEWLINES = re.compile(rb"\r\n|\r|\n")
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
_LIMIT = RFC5322_EMAIL_LINE_LENGTH_LIMIT
# Every boundary is 15 "=", 19 digits and "==" (email.generator's `_make_boundary`): a piece
# of a message without 15 "=" in a row cannot hold one.
_MARKER = b"=" * 15
# `random.randrange(sys.maxsize)` as the standard library draws it (`_randbelow`): a number of
# sys.maxsize's bits, drawn again until below it; the same numbers for the same seed.
_TOKEN_BITS = sys.maxsize.bit_length()


def _draw_boundary(check: tuple[bytes, ...]) -> bytes:
    """A boundary as the standard generator draws it, drawn again while it occurs in one of
    the pieces of `check`."""
    while True:
        token = random.getrandbits(_TOKEN_BITS)
        if token >= sys.maxsize:
            continue
        boundary = b"===============%019d==" % token
        for piece in check:
            if piece.find(boundary) >= 0:
                break
        else:
            return boundary


def _multipart_head(subtype: str) -> tuple[bytes, bytes]:
    """A multipart part's header lines, before and after its boundary: the Content-Type is
    folded with a stand-in of the boundary's length (every boundary is 15 "=", 19 digits and
    "=="), the real boundary put in its place."""
    stand_in = b"=" * 15 + b"9" * 19 + b"=="
    folded = _POLICY.fold_binary(
        "Content-Type", f'multipart/{subtype}; boundary="{stand_in.decode()}"'
    )
    before, after = folded.split(stand_in)
    return before, after + b"MIME-Version: 1.0\r\n"


_MULTIPART_HEADS = {subtype: _multipart_head(subtype) for subtype in ("alternative", "mixed")}
# A text part's header lines, as SafeMIMEText writes them: by subtype and whether it is ASCII.
_TEXT_HEADS = {
    (subtype, ascii_only): (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\nMIME-Version: 1.0\r\n'
        f"Content-Transfer-Encoding: {'7bit' if ascii_only else '8bit'}\r\n"
    ).encode("ascii")
    for subtype in ("plain", "html")
    for ascii_only in (True, False)
}

# A part: (its header lines, the pieces of its content, the pieces of both in which a
# boundary drawn for a parent might occur: those holding 15 "=" in a row, and the part's own
# boundaries, which a parent's boundary may only equal).
_Part = tuple[tuple[bytes, ...], list[bytes], tuple[bytes, ...]]


class _Wire:
    """The bytes of an ordinary row written directly, as Django's `message()` flattened by
    the standard generator would write them (see the module's docstring); `envelope()`
    returns None for any row it does not cover.

    A part is held as pieces (`_Part`) and the message joined once at the end: no part is
    copied into its parent's bytes, nor the top part split again to put the message's
    headers after its own. What the rows of a batch share is built once: the header lines of
    the subject, the sender, the date (once a second), the language; the attachments."""

    def __init__(self, builder: MessageBuilder) -> None:
        self.builder = builder
        self.lines: dict[tuple[str, str], bytes] = {}  # shared header lines, once per batch
        self.common: dict[str, bytes] = {}  # `_common_headers`' lines, by language
        self.attachments: dict[bytes, _Part] = {}
        self.last_attachments: tuple[list[dict], tuple[_Part, ...]] = ([], ())
        self.date: tuple[int, bytes] = (-1, b"")

    def envelope(self, row: Outbox) -> tuple[str, list[str], bytes] | None:
        if not _site()[0] or not row.body_text:
            return None
        headers = row.headers
        for name, value in headers.items():
            if name.lower() in _OWN_HEADERS or not isinstance(value, str):
                return None
        to_email = row.to_email
        if not PLAIN_ADDRESS.fullmatch(to_email):
            return None
        part = self.text_part("plain", row.body_text)
        if part is None:
            return None
        if row.body_html:
            html = self.text_part("html", row.body_html)
            if html is None:
                return None
            part = self.multipart("alternative", (part, html))
        if row.attachments:
            part = self.multipart("mixed", (part, *self.attachment_parts(row.attachments)))
        head, content, _check = part
        from_email = row.from_email or settings.DEFAULT_FROM_EMAIL
        lines = [
            *head,
            self.shared_line("Subject", row.subject),
            self.shared_line("From", from_email),
            _plain_fold("To", to_email),  # a plain address is printable ASCII
            self.date_line(),
        ]
        for name, value in headers.items():
            lines.append(self.line(name, value))
        lines.append(self.line("Message-ID", message_id_for(row)))
        lines.append(self.line("X-Betacowork-Message", row.dedup_key[:200]))
        language = row.language
        common = self.common.get(language)
        if common is None:
            common = self.common[language] = b"".join(
                [self.shared_line(*header) for header in _common_headers(language).items()]
            )
        lines.append(common)
        lines.append(b"\r\n")
        lines += content
        return self.builder.sender(from_email, "utf-8"), [to_email], b"".join(lines)

    def date_line(self) -> bytes:
        """The Date header's line, formatted once a second."""
        second = int(time.time())
        if self.date[0] != second:
            date = formatdate(second, localtime=settings.EMAIL_USE_LOCALTIME)
            self.date = (second, self.shared_line("Date", date))
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
        """A header line of this message alone, never its subject (the row's headers hold
        none: `_OWN_HEADERS`). Printable ASCII (the rule: an id, a link) is what
        `forbid_multi_line_headers` leaves as it is but for a subject."""
        if value.isascii() and value.isprintable():
            if len(name) + len(value) <= 76:
                return f"{name}: {value}\r\n".encode("ascii")
            return _plain_fold(name, value)
        return self.shared_line(name, value)

    @staticmethod
    def text_part(subtype: str, text: str) -> _Part | None:
        """A text part as SafeMIMEText writes it: UTF-8, 7bit or 8bit; None when a line is
        over 998 bytes (Django then uses quoted-printable) or the text cannot be encoded."""
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:
            return None
        # UTF-8 writes a line break as its one byte and no other character holds that byte.
        data = _NEWLINES.sub(b"\r\n", data) if "\r" in text else data.replace(b"\n", b"\r\n")
        # Each line ends with a CR now: from a line's start, the last CR within 999 bytes
        # ends a line; the lines up to it are no longer than 998 bytes, the next starts
        # after its LF. No CR there: the line is too long.
        size, start = len(data), 0
        while size - start > _LIMIT:
            end = data.rfind(b"\r", start, start + _LIMIT + 1)
            if end < 0:
                return None
            start = end + 2
        head = _TEXT_HEADS[(subtype, data.isascii())]
        return (head,), [data], (data,) if data.find(_MARKER) >= 0 else ()

    def attachment_parts(self, attachments: list[dict]) -> tuple[_Part, ...]:
        """The parts of a row's attachments; a batch's rows carry the same, as a rule."""
        last, parts = self.last_attachments
        if attachments != last:
            parts = tuple(map(self.attachment, attachments))
            # A copy: what a row's attachments become after this is no business of the next.
            self.last_attachments = ([{**item} for item in attachments], parts)
        return parts

    def attachment(self, item: dict) -> _Part:
        """An attachment part (flattened once per batch)."""
        data = self.builder.attachment_bytes(item)
        part = self.attachments.get(data)
        if part is None:
            head, content = data.split(b"\r\n\r\n", 1)
            head += b"\r\n"
            check = tuple(piece for piece in (head, content) if piece.find(_MARKER) >= 0)
            part = self.attachments[data] = ((head,), [content], check)
        return part

    @staticmethod
    def multipart(subtype: str, parts: tuple[_Part, ...]) -> _Part:
        """A multipart part of `parts`; its boundary is drawn as the standard generator
        draws it, again while it occurs in one of the parts.

        Only the pieces that hold 15 "=" in a row (`_MARKER`) are searched, and the parts'
        own boundaries compared: a boundary starts with 15 "=" and holds no line break.
        Content and an attachment's header lines start and end at a line break, so that a
        boundary is within such a piece or not in it. A part's own boundary is written
        between "--" or a quote and a line break or a quote, and a text part's or a
        multipart's header lines hold no other run of 15 "=": a boundary found there is
        that boundary (tests/messaging/test_mime_speed.py)."""
        check: tuple[bytes, ...] = ()
        for part in parts:
            check += part[2]
        boundary = _draw_boundary(check)
        before, after = _MULTIPART_HEADS[subtype]
        body = [b"--", boundary, b"\r\n"]
        first = True
        for head, content, _check in parts:
            if not first:
                body += (b"\r\n--", boundary, b"\r\n")
            first = False
            body += head
            body.append(b"\r\n")
            body += content
        body += (b"\r\n--", boundary, b"--\r\n")
        return (before, boundary, after), body, (*check, boundary)


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
