"""The bytes of an ordinary outbox row written directly (`Wire`), as Django's `message()`
flattened by the standard generator would write them, for a few per cent of the CPU (a
reminder of bench/reminders.py: some 16 µs against 700).

An ordinary row: UTF-8, a plain-text body with an optional HTML alternative and attachments,
no line over 998 bytes, none of the headers Django sets itself. `Wire.envelope()` returns None
for any other row, which `mime.MessageBuilder` then builds through Django and the standard
generator. The bytes are checked against Django's in tests/messaging/test_mime.py and
test_mime_speed.py.
"""

from __future__ import annotations

import random
import re
import sys
import time
from email._policybase import compat32
from email.utils import formatdate
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail.message import RFC5322_EMAIL_LINE_LENGTH_LIMIT, forbid_multi_line_headers

from .headers import common_headers, message_id_for, site_info
from .models import Outbox

if TYPE_CHECKING:
    from .mime import MessageBuilder


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


class Wire:
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
        self.common: dict[str, bytes] = {}  # `common_headers`' lines, by language
        self.attachments: dict[bytes, _Part] = {}
        self.last_attachments: tuple[list[dict], tuple[_Part, ...]] = ([], ())
        self.date: tuple[int, bytes] = (-1, b"")

    def envelope(self, row: Outbox) -> tuple[str, list[str], bytes] | None:
        if not site_info()[0] or not row.body_text:
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
                [self.shared_line(*header) for header in common_headers(language).items()]
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
