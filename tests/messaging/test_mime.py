"""From a row to bytes (betacowork/messaging/mime.py): a batch builds each attachment part
and folds each header once, and the bytes are those Django's SMTP backend would send."""

from __future__ import annotations

import random
import re
import string
from email import policy as email_policy
from email.parser import BytesParser

import pytest
from django.conf import settings
from django.core.mail.message import sanitize_address

from betacowork.messaging import mime, wire
from betacowork.messaging.headers import message_id_for
from betacowork.messaging.mime import MessageBuilder
from betacowork.messaging.models import Outbox

ICS = {"filename": "betacooks.ics", "content": "BEGIN:VCALENDAR\r\nX:é\r\nEND:VCALENDAR",
       "mimetype": "text/calendar"}  # fmt: skip


def _row(i: int) -> Outbox:
    return Outbox(
        pk=i,
        dedup_key=f"reminder-1440m:reg{i}:v1",
        kind="events.reminder",
        to_email=f"person{i}@example.test",
        language="fr",
        subject="Rappel : Betacooks · jeudi 3 déc. à 12:30, au Betacowork, Ixelles (Bruxelles)",
        body_text="Bonjour Léa,\n" + "une ligne\n" * 50,
        body_html="<p>Bonjour Léa</p>",
        headers={"List-Unsubscribe": f"<https://x.test/u/{i}>"},
        attachments=[ICS],
    )


def _normalised(raw: bytes) -> bytes:
    raw = re.sub(rb"Date: [^\r]*\r\n", b"", raw)
    return re.sub(rb"={15}\d+==", b"BOUNDARY", raw)


@pytest.mark.parametrize("i", [1, 2, 3])
def test_a_batch_sends_the_bytes_django_would(i):
    builder = MessageBuilder()
    for earlier in range(i):  # the memo is warm with the batch's earlier messages
        builder.envelope(_row(earlier))
    sender, recipients, raw = builder.envelope(_row(i))
    theirs = MessageBuilder().email(_row(i)).message().as_bytes(linesep="\r\n")
    assert _normalised(raw) == _normalised(theirs)
    assert recipients == [f"person{i}@example.test"]
    assert "community@betacowork.test" in sender
    assert f"Message-ID: {message_id_for(_row(i))}".encode() in raw


def test_the_attachment_part_is_built_once_per_batch():
    builder = MessageBuilder()
    first = builder.email(_row(1), shared_parts=True).attachments[0]
    second = builder.email(_row(2), shared_parts=True).attachments[0]
    assert first is second
    # Outside a batch's bytes, Django's usual (filename, content, mimetype) tuples.
    assert builder.email(_row(3)).attachments[0] == (
        "betacooks.ics",
        ICS["content"],
        "text/calendar",
    )


def test_a_boundary_that_appears_in_the_message_is_drawn_again(monkeypatch):
    tokens = iter([1, 2, 3])
    monkeypatch.setattr(mime.random, "randrange", lambda _limit: next(tokens))
    taken = "=" * 15 + "0000000000000000001=="
    text = f"Bonjour Léa,\r\n--{taken}\r\n".encode()
    assert mime._FoldingMemo._make_boundary(text) == "=" * 15 + "0000000000000000002=="
    assert mime._FoldingMemo._make_boundary(None).startswith("=" * 15)


# The bytes of ordinary rows are written directly (wire.Wire): they must be the bytes
# Django's message() and the standard generator write, for every shape of row.

PDF = {"filename": "programme-été.pdf", "content": "%PDF-1.4 \x00\x01 fin",
       "mimetype": "application/pdf"}  # fmt: skip
LONG_ASCII_SUBJECT = "Reminder: Speed Networking at Betacowork " + "and the regional IT day " * 4


def _numbered(raw: bytes) -> bytes:
    """Date removed, each distinct boundary numbered in order of appearance."""
    raw = re.sub(rb"Date: [^\r]*\r\n", b"", raw)
    seen: dict[bytes, bytes] = {}
    return re.sub(
        rb"={15}\d{19}==",
        lambda m: seen.setdefault(m.group(0), b"BOUNDARY-%d" % len(seen)),
        raw,
    )


SHAPES = {
    "reminder": {},
    "ascii only (7bit)": {"subject": "Betacooks", "body_text": "Hello\n", "body_html": "<p>Hi</p>"},
    "text only": {"body_html": "", "attachments": []},
    "text and html": {"attachments": []},
    "text and attachment": {"body_html": ""},
    "two attachments, one binary": {"attachments": [ICS, PDF]},
    "long ascii subject": {"subject": LONG_ASCII_SUBJECT},
    "mixed line endings": {"body_text": "un\r\ndeux\rtrois\nquatre", "body_html": "a\rb"},
    "no headers": {"headers": {}},
    "long header": {"headers": {"List-Unsubscribe": "<https://x.test/u/" + "a" * 120 + ">",
                                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}},
    "accented header": {"headers": {"X-Chapter": "Liège"}},
    "accented sender": {"from_email": "Bétacowork Liège <liege@betacowork.test>"},
    "resend": {"headers": {"X-Betacowork-Resend": "2"}},
}  # fmt: skip
GENERAL_PATH = {
    "a line over 998 bytes": {"body_text": "x" * 1200 + "\n"},
    "an international address": {"to_email": "léa@exemple.test"},
    "a quoted local part": {"to_email": '"lea dubois"@example.test'},
    "a reply-to header": {"headers": {"Reply-To": "org@example.test"}},
    "a header that is not text": {"headers": {"X-Betacowork-Resend": 2}},
    "no text body": {"body_text": ""},
}  # fmt: skip


def _shaped(i: int, changes: dict) -> Outbox:
    row = _row(i)
    for name, value in changes.items():
        setattr(row, name, value)
    return row


def _django_bytes(row: Outbox) -> bytes:
    return MessageBuilder().email(row).message().as_bytes(linesep="\r\n")


@pytest.mark.parametrize("shape", SHAPES)
def test_ordinary_rows_are_written_directly_with_django_s_bytes(shape, monkeypatch):
    builder = MessageBuilder()
    for i in range(3):  # the batch's memos are warm after the first
        row = _shaped(i, SHAPES[shape])
        theirs = _django_bytes(row)
        with monkeypatch.context() as patched:  # the direct path builds no Django email
            patched.setattr(MessageBuilder, "email", lambda *a, **k: pytest.fail("general path"))
            sender, recipients, raw = builder.envelope(row)
        assert _numbered(raw) == _numbered(theirs)
        assert recipients == [sanitize_address(row.to_email, "utf-8")]
        assert sender == sanitize_address(row.from_email or settings.DEFAULT_FROM_EMAIL, "utf-8")


@pytest.mark.parametrize("shape", GENERAL_PATH)
def test_other_rows_take_django_s_general_path(shape):
    row = _shaped(1, GENERAL_PATH[shape])
    _sender, recipients, raw = MessageBuilder().envelope(row)
    assert _numbered(raw) == _numbered(_django_bytes(row))
    assert recipients == [sanitize_address(row.to_email, "utf-8")]


def test_the_direct_path_parses_back_to_the_same_message():
    raw = MessageBuilder().envelope(_row(7))[2]
    parsed = BytesParser(policy=email_policy.default).parsebytes(raw)
    assert parsed["To"] == "person7@example.test"
    assert str(parsed["Subject"]).strip().startswith("Rappel : Betacooks · jeudi")
    body = parsed.get_body(("plain",)).get_content()
    assert body.startswith("Bonjour Léa,\r\n")
    assert body.count("une ligne\r\n") == 50
    assert parsed.get_body(("html",)).get_content().strip() == "<p>Bonjour Léa</p>"
    (ics,) = parsed.iter_attachments()
    assert ics.get_filename() == "betacooks.ics"
    assert "X:é" in ics.get_content()


@pytest.mark.parametrize(
    ("alphabet", "longest"),
    [
        (string.ascii_letters + string.digits + "<>@.:/;,=-_?\"' \t()[]é\x7f", 90),
        (string.ascii_letters + string.digits + "<>@.:/=-_?\"'()[]!#$%&*+~", 300),  # no fold point
    ],
)
def test_a_header_line_is_written_as_the_standard_folding_would(alphabet, longest):
    random.seed(14)
    for _ in range(3000):
        name = random.choice(["To", "Message-ID", "List-Unsubscribe", "X-Betacowork-Resend", "X"])
        value = "".join(random.choice(alphabet) for _ in range(random.randint(0, longest)))
        assert wire._fold(name, value) == wire._POLICY.fold_binary(name, value), value


@pytest.mark.parametrize(
    "address",
    ["a@b.c", "person.12@example.test", "o'brien+tag@Example.COM", "x_y-z@sub-1.example.test",
     "#!$%&'*+-/=?^_`{}|~@example.test", "a@localhost"],
)  # fmt: skip
def test_a_plain_address_is_its_own_sanitised_form(address):
    assert wire.PLAIN_ADDRESS.fullmatch(address)
    assert sanitize_address(address, "utf-8") == address


@pytest.mark.parametrize(
    "address",
    [".a@b.c", "a..b@c.d", "a.@b.c", "léa@b.c", "a@b..c", "a b@c.d", '"a"@b.c', "a@" + "b" * 64],
)
def test_other_addresses_are_not_taken_for_plain_ones(address):
    assert not wire.PLAIN_ADDRESS.fullmatch(address)
