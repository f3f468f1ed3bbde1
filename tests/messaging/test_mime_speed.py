"""The shortcuts of the direct path (betacowork/messaging/wire.py, `Wire`): what a batch
shares is built once, boundaries are drawn as the standard library draws them and searched
for only where they could occur, a text's lines are measured without splitting it. Each
must leave the bytes those of Django's `message()` and the standard generator."""

from __future__ import annotations

import random
import re
import sys
from email import policy as email_policy
from email.generator import Generator
from email.parser import BytesParser
from urllib.parse import urlsplit

import pytest
from django.core.mail.message import RFC5322_EMAIL_LINE_LENGTH_LIMIT

from betacowork.messaging import wire
from betacowork.messaging.headers import message_id_for
from betacowork.messaging.mime import MessageBuilder
from tests.messaging.test_mime import ICS, PDF, _django_bytes, _numbered, _row, _shaped

LIMIT = RFC5322_EMAIL_LINE_LENGTH_LIMIT


def _boundary(token: int) -> bytes:
    return b"=" * 15 + b"%019d" % token + b"=="


def _boundary_of(raw: bytes, subtype: str) -> bytes:
    found = re.search(rb"multipart/%s;\s+boundary=\"([^\"]+)\"" % subtype.encode(), raw)
    return found.group(1)


def _direct(builder: MessageBuilder, row, monkeypatch) -> bytes:
    """The row's bytes, which must come from the direct path."""
    with monkeypatch.context() as patched:
        patched.setattr(MessageBuilder, "email", lambda *a, **k: pytest.fail("general path"))
        return builder.envelope(row)[2]


def _tokens(monkeypatch, *tokens: int) -> None:
    """The direct path's next boundaries (it draws them with random.getrandbits)."""
    drawn = iter(tokens)
    monkeypatch.setattr(wire.random, "getrandbits", lambda _bits: next(drawn))


# Boundaries ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(20))
def test_a_boundary_is_the_one_the_standard_library_would_draw(seed):
    random.seed(seed)
    theirs = Generator._make_boundary()
    random.seed(seed)
    assert wire._draw_boundary(()) == theirs.encode("ascii")
    random.seed(seed)
    assert theirs == "=" * 15 + f"{random.randrange(sys.maxsize):019d}" + "=="


def test_a_draw_of_sys_maxsize_or_more_is_drawn_again_as_randrange_does(monkeypatch):
    _tokens(monkeypatch, sys.maxsize, 2**63 - 1, 7)
    assert wire._draw_boundary(()) == _boundary(7)


def test_a_boundary_found_in_the_text_is_drawn_again(monkeypatch):
    """The alternative's first draw occurs in the text, the mixed part's first draw is the
    alternative's boundary: both are drawn again."""
    row = _row(1)
    row.body_text = f"Bonjour,\n--{_boundary(1).decode()}\nfin\n"
    theirs = _django_bytes(row)
    _tokens(monkeypatch, 1, 2, 2, 3)
    raw = _direct(MessageBuilder(), row, monkeypatch)
    assert _boundary_of(raw, "mixed") == _boundary(3)
    assert _boundary_of(raw, "alternative") == _boundary(2)
    assert raw.count(_boundary(1)) == 1  # only in the text
    assert _numbered(raw) == _numbered(theirs)
    parsed = BytesParser(policy=email_policy.default).parsebytes(raw)
    body = parsed.get_body(("plain",)).get_content()
    assert f"--{_boundary(1).decode()}\r\n" in body


@pytest.mark.parametrize("where", ["content", "filename"])
def test_a_boundary_found_in_an_attachment_is_drawn_again(where, monkeypatch):
    taken = _boundary(5).decode()
    item = {**ICS, "content": f"BEGIN:VCALENDAR\r\nX:--{taken}\r\nEND:VCALENDAR"}
    if where == "filename":
        item = {**ICS, "filename": f"x{taken}.ics"}
    row = _row(1)
    row.attachments = [item]
    theirs = _django_bytes(row)
    _tokens(monkeypatch, 1, 5, 1, 6)  # the mixed part: the attachment's, the alternative's
    raw = _direct(MessageBuilder(), row, monkeypatch)
    assert _boundary_of(raw, "mixed") == _boundary(6)
    assert _boundary_of(raw, "alternative") == _boundary(1)
    assert _numbered(raw) == _numbered(theirs)


def test_a_text_with_a_run_of_equal_signs_is_written_directly(monkeypatch):
    row = _shaped(1, {"body_text": "=" * 60 + "\n" + "=" * 15 + "123==\n", "body_html": "=" * 40})
    theirs = _django_bytes(row)
    raw = _direct(MessageBuilder(), row, monkeypatch)
    assert _numbered(raw) == _numbered(theirs)


def test_the_multipart_heads_hold_no_run_of_equal_signs_but_the_boundary():
    """Header lines are not searched for a parent's boundary (wire.Wire.multipart)."""
    for before, after in wire._MULTIPART_HEADS.values():
        assert wire._MARKER not in before + after
        assert not before.endswith(b"=")
        assert not after.startswith(b"=")
    for head in wire._TEXT_HEADS.values():
        assert wire._MARKER not in head


# Line lengths -------------------------------------------------------------------------------


def _long_line_by_splitting(text: str) -> bool:
    data = re.sub(rb"\r\n|\r|\n", b"\r\n", text.encode("utf-8"))
    return max(map(len, data.split(b"\r\n"))) > LIMIT


@pytest.mark.parametrize(
    ("text", "direct"),
    [
        ("x" * LIMIT, True),
        ("x" * (LIMIT + 1), False),
        ("é" * (LIMIT // 2), True),  # 998 bytes
        ("é" * (LIMIT // 2) + "x", False),  # 999 bytes, 500 characters
        ("court\n" * 1000, True),  # 6,000 bytes, no line over 998
        ("court\n" * 1000 + "x" * (LIMIT + 1), False),  # the last line
        ("court\n" * 200 + "x" * (LIMIT + 1) + "\ncourt\n" * 200, False),  # one in the middle
        (("x" * LIMIT + "\n") * 5, True),
        (("x" * LIMIT + "\r") * 5, True),
        (("x" * LIMIT + "\r\n") * 5 + "x" * (LIMIT + 1), False),
    ],
)
def test_a_text_part_is_none_when_a_line_is_over_998_bytes(text, direct):
    assert (wire.Wire.text_part("plain", text) is not None) is direct
    assert _long_line_by_splitting(text) is not direct


def test_the_line_length_check_agrees_with_splitting_the_text():
    random.seed(14)
    pieces = ["x", "é", "€", "😀", "\n", "\r\n", "\r", " "]
    for _ in range(1500):
        lines = []
        for _line in range(random.randint(1, 6)):
            width = random.choice([0, 1, 300, 497, 498, 499, 996, 997, 998, 999, 1000, 1500])
            line = "".join(random.choice(pieces[:4]) for _ in range(random.randint(0, 4)))
            lines.append("x" * width + line)
        text = "".join(line + random.choice(pieces[4:7]) for line in lines)
        part = wire.Wire.text_part("plain", text)
        assert (part is None) is _long_line_by_splitting(text), [len(x) for x in lines]


@pytest.mark.parametrize(
    "body_text",
    ["court\n" * 500, "court\n" * 500 + "x" * (LIMIT + 1) + "\n", "é" * 600 + "\nfin"],
)
def test_a_long_text_has_django_s_bytes_on_either_path(body_text):
    row = _shaped(1, {"body_text": body_text})
    raw = MessageBuilder().envelope(row)[2]
    assert _numbered(raw) == _numbered(_django_bytes(row))


# What a batch shares ------------------------------------------------------------------------


def test_shared_lines_do_not_leak_between_rows_of_a_batch(monkeypatch):
    """Subject, sender, language and repeated headers are built once per batch and value:
    each row still gets its own."""
    builder = MessageBuilder()
    variants = [
        {},
        {"language": "nl", "subject": "Herinnering"},
        {"language": "", "from_email": "Liège <liege@betacowork.test>"},
        {"headers": {"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}},
        {"language": "fr", "headers": {"List-Unsubscribe-Post": "autre"}},
        {"body_html": "", "attachments": []},
        {"language": None, "subject": "Rappel"},
        {"attachments": [ICS, PDF]},
        {"attachments": [PDF]},
        {},
    ]
    for i, changes in enumerate(variants * 2):
        row = _shaped(i, changes)
        raw = _direct(builder, row, monkeypatch)
        assert _numbered(raw) == _numbered(_django_bytes(row)), changes
        assert (b"Content-Language: " in raw) is bool(row.language)


def test_an_attachment_changed_after_its_row_was_built_is_built_again(monkeypatch):
    builder = MessageBuilder()
    item = dict(ICS)
    first, second = _row(1), _row(2)
    first.attachments = second.attachments = [item]
    _direct(builder, first, monkeypatch)
    item["content"] = "BEGIN:VCALENDAR\r\nX:autre\r\nEND:VCALENDAR"
    raw = _direct(builder, second, monkeypatch)
    assert b"X:autre" in raw
    assert _numbered(raw) == _numbered(_django_bytes(second))


def test_a_changed_charset_setting_takes_the_general_path(settings, monkeypatch):
    builder = MessageBuilder()
    _direct(builder, _row(1), monkeypatch)  # the settings read
    settings.DEFAULT_CHARSET = "iso-8859-1"
    assert wire.Wire(builder).envelope(_row(2)) is None
    settings.DEFAULT_CHARSET = "utf-8"
    assert wire.Wire(builder).envelope(_row(2)) is not None


def test_a_changed_site_url_changes_the_message_id(settings, monkeypatch):
    before = message_id_for(_row(1))
    assert before.endswith(f"@{urlsplit(settings.SITE_URL).hostname}>")
    settings.SITE_URL = "https://autre.example.test"
    after = message_id_for(_row(1))
    assert after == before.split("@")[0] + "@autre.example.test>"
    raw = _direct(MessageBuilder(), _row(1), monkeypatch)
    assert f"Message-ID: {after}\r\n".encode() in raw
