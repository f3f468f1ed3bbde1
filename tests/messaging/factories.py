"""A pre-rendered outbox row, as the services write them."""

from __future__ import annotations

from betacowork.messaging.outbox import outbox_write
from betacowork.messaging.rendering import RenderedMessage


def write(key="k1", *, kind="test", recipient=None, to="katia@example.test", **kwargs):
    row, created = outbox_write(
        dedup_key=key,
        kind=kind,
        to_email=to,
        language="en",
        message=RenderedMessage(subject="Hello", text="Body", html="<p>Body</p>"),
        recipient=recipient,
        send_now=False,
        **kwargs,
    )
    return row, created
