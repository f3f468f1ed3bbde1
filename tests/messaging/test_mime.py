"""From a row to bytes (betacowork/messaging/mime.py): a batch builds each attachment part
and folds each header once, and the bytes are those Django's SMTP backend would send."""

from __future__ import annotations

import re

import pytest

from betacowork.messaging.mime import MessageBuilder, message_id_for
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
    from betacowork.messaging import mime

    tokens = iter([1, 2, 3])
    monkeypatch.setattr(mime.random, "randrange", lambda _limit: next(tokens))
    taken = "=" * 15 + "0000000000000000001=="
    text = f"Bonjour Léa,\r\n--{taken}\r\n".encode()
    assert mime._FoldingMemo._make_boundary(text) == "=" * 15 + "0000000000000000002=="
    assert mime._FoldingMemo._make_boundary(None).startswith("=" * 15)
