"""Rendering a message: subject, plain text and (optional) HTML, in one language."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str = ""


# The outbox keeps this much of a subject (`Outbox.subject`).
SUBJECT_MAX_LENGTH = 255


# Line breaks, tabs and runs of spaces, but not the non-breaking spaces French typography puts
# before ":", "?", "!" and ";" and inside « » (the catalogues' "inscrit\u00a0: …").
_SPACES = re.compile(r"[^\S\u00a0\u202f]+")


def subject_line(subject: str) -> str:
    """`subject` on one line, its spaces single, its non-breaking spaces kept."""
    return _SPACES.sub(" ", subject).strip()


def subject_fit(subject: str, limit: int = SUBJECT_MAX_LENGTH) -> str:
    """`subject_line(subject)`; one longer than `limit` (an event's and an organiser's long
    titles together) is cut after its last whole word and ends with "…", where the outbox
    would cut it in the middle of a word."""
    subject = subject_line(subject)
    if len(subject) <= limit:
        return subject
    cut = subject[: limit - 1]
    if subject[limit - 1] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:\u00a0\u202f\u00b7\u2013\u2014-") + "…"


def message_render(*, template_prefix: str, context: dict, language: str) -> RenderedMessage:
    """Render `<prefix>_subject.txt`, `<prefix>.txt` and (optional) `<prefix>.html`."""
    with translation.override(language):
        subject = subject_fit(render_to_string(f"{template_prefix}_subject.txt", context))
        text = render_to_string(f"{template_prefix}.txt", context)
        try:
            html = render_to_string(f"{template_prefix}.html", context)
        except TemplateDoesNotExist:
            html = ""
    return RenderedMessage(subject=subject, text=text, html=html)


# A token that `reverse()` writes as it is (signed tokens: URL-safe base64, ":" and ".").
_URL_SAFE_TOKEN = re.compile(r"[A-Za-z0-9_.:-]+")
_MARKER = "0betacoworktoken0"


def token_path(name: str, token: str) -> str:
    """`reverse(name, kwargs={"token": token})` for the links a message carries per person
    (cancel, unsubscribe): the path is reversed once per name and language around a marker
    and the token put in its place — a sweep writes thousands of them."""
    if not _URL_SAFE_TOKEN.fullmatch(token):
        return reverse(name, kwargs={"token": token})
    prefix, suffix = _token_path_parts(
        name,
        translation.get_language(),
        get_script_prefix(),
        get_urlconf() or settings.ROOT_URLCONF,
    )
    return f"{prefix}{token}{suffix}"


def token_paths(name: str):
    """`token_path` for the many tokens of a sweep: a function of the token, the context
    (language, script prefix, URLconf) read once, when it is made."""
    prefix, suffix = _token_path_parts(
        name,
        translation.get_language(),
        get_script_prefix(),
        get_urlconf() or settings.ROOT_URLCONF,
    )

    def path(token: str) -> str:
        if not _URL_SAFE_TOKEN.fullmatch(token):
            return reverse(name, kwargs={"token": token})
        return f"{prefix}{token}{suffix}"

    return path


class KeptKeySigner(signing.Signer):
    """`signing.Signer` whose HMAC key (derived from the salt and SECRET_KEY at every
    signature by Django) is derived once: the same signatures, for a sweep's thousands.
    Verifying with a fallback key (`key` given) is Django's own."""

    def signature(self, value, key=None):
        if key is not None:
            return super().signature(value, key)
        mac = getattr(self, "_mac", None)
        if mac is None:
            salt = self.salt + "signer"
            mac = self._mac = salted_hmac(salt, b"", self.key, algorithm=self.algorithm)
        mac = mac.copy()
        mac.update(force_bytes(value))
        return signing.b64_encode(mac.digest()).decode()


class KeptKeyTimestampSigner(KeptKeySigner, signing.TimestampSigner):
    """`signing.dumps()`'s signer (a timestamp in each value) with the key derived once."""


@functools.lru_cache(maxsize=64)
def _token_path_parts(name: str, *context) -> tuple[str, str]:
    """The path around the token, for one name in one context (language, script prefix,
    URLconf: everything `reverse()` depends on)."""
    prefix, suffix = reverse(name, kwargs={"token": _MARKER}).split(_MARKER)
    return prefix, suffix
