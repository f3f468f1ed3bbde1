"""The header lines every outgoing message carries besides its own: the Message-ID, our
message key, the auto-generated marker and the language (`extra_headers()`); read by both ways
of writing a row's bytes (`mime.MessageBuilder` and `wire.Wire`)."""

from __future__ import annotations

import functools
import hashlib
from urllib.parse import urlsplit

from django.conf import settings
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
    return f"<{digest}@{site_info()[1]}>"


@functools.cache
def site_info() -> tuple[bool, str]:
    """(DEFAULT_CHARSET is UTF-8, the host of SITE_URL), read once: a setting read costs
    about as much as writing a header line. Read again when a test changes either."""
    host = urlsplit(settings.SITE_URL).hostname or "betacowork.local"
    return settings.DEFAULT_CHARSET.lower() == "utf-8", host


@receiver(setting_changed)
def _site_setting_changed(*, setting: str, **kwargs) -> None:
    if setting in ("DEFAULT_CHARSET", "SITE_URL"):
        site_info.cache_clear()


def extra_headers(row: Outbox) -> dict:
    """The row's own headers, then those every message carries (`common_headers`)."""
    return {
        **row.headers,
        "Message-ID": message_id_for(row),
        "X-Betacowork-Message": row.dedup_key[:200],
        **common_headers(row.language),
    }


def common_headers(language: str) -> dict:
    """Every message is written by the site, not typed by a person (RFC 3834: no vacation
    or out-of-office reply to it, and filters may tell it apart), in the recipient's
    language (RFC 3282: screen readers and translation offers go by it)."""
    headers = {"Auto-Submitted": "auto-generated"}
    if language:
        headers["Content-Language"] = language
    return headers
