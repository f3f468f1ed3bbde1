"""The embedded default's email backend: each message, framed, on the console.

Django's console backend writes raw MIME to stdout; inside a Celery worker stdout is
redirected to the `celery.redirected` logger at WARNING, so every email looked like a warning.
This backend logs each message as one INFO record on the `betacowork.email` logger (its own
handler in settings.LOGGING prints the frame without a log prefix):

    ── email to katia@betacowork.test: [Betacowork] Password reset ──────────────────
    │ From: Betacowork <community@betacowork.test>
    │
    │ Hello Katia, …
    ╰── end of email to katia@betacowork.test (with an HTML version) ───────────────
"""

from __future__ import annotations

import logging

from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger("betacowork.email")

WIDTH = 79
# Headers worth seeing on the console, in this order (the rest is transport detail).
SHOWN_HEADERS = ("Reply-To", "List-Unsubscribe", "X-Betacowork-Message")


def _rule(text: str, corner: str = "──") -> str:
    line = f"{corner} {text} "
    return line + "─" * max(3, WIDTH - len(line))


def _size(n: int) -> str:
    return f"{n} bytes" if n < 1024 else f"{n / 1024:.1f} kB"


def _extras(message) -> list[str]:
    """What the plain-text body does not show: an HTML version, attachments."""
    extras = []
    for _content, mimetype in getattr(message, "alternatives", None) or []:
        extras.append("an HTML version" if mimetype == "text/html" else f"a {mimetype} version")
    for attachment in message.attachments:
        if isinstance(attachment, tuple):
            name, content = attachment[0], attachment[1]
            size = len(content) if content is not None else 0
            extras.append(f"attachment {name or 'unnamed'} ({_size(size)})")
        else:  # a MIMEBase instance
            extras.append(f"attachment {attachment.get_filename() or 'unnamed'}")
    return extras


def frame(message) -> str:
    """The console text of one EmailMessage."""
    recipients = ", ".join(message.to + message.cc) or "(no visible recipient)"
    lines = [_rule(f"email to {recipients}: {message.subject}")]
    lines.append(f"│ From: {message.from_email}")
    if message.cc:
        lines.append(f"│ Cc: {', '.join(message.cc)}")
    if message.bcc:
        lines.append(f"│ Bcc: {', '.join(message.bcc)}")
    headers = {k.lower(): (k, v) for k, v in (message.extra_headers or {}).items()}
    for name in SHOWN_HEADERS:
        if name.lower() in headers:
            key, value = headers[name.lower()]
            lines.append(f"│ {key}: {value}")
    lines.append("│")
    body = message.body if isinstance(message.body, str) else str(message.body)
    lines.extend(f"│ {line}".rstrip() for line in body.rstrip().splitlines())
    extras = _extras(message)
    closing = f"end of email to {recipients}"
    if extras:
        closing += f" (with {', '.join(extras)})"
    lines.append(_rule(closing, corner="╰──"))
    return "\n".join(lines)


class ConsoleEmailBackend(BaseEmailBackend):
    """Logs every message at INFO on `betacowork.email`, framed; never sends anything."""

    def send_messages(self, email_messages) -> int:
        sent = 0
        for message in email_messages or []:
            try:
                message.message()  # the checks a real backend makes (e.g. header injection)
                logger.info("%s", frame(message))
            except Exception:
                if not self.fail_silently:
                    raise
            else:
                sent += 1
        return sent
