"""Rendering a message: subject, plain text and (optional) HTML, in one language."""

from __future__ import annotations

from dataclasses import dataclass

from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str = ""


def message_render(*, template_prefix: str, context: dict, language: str) -> RenderedMessage:
    """Render `<prefix>_subject.txt`, `<prefix>.txt` and (optional) `<prefix>.html`."""
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template_prefix}_subject.txt", context).split())
        text = render_to_string(f"{template_prefix}.txt", context)
        try:
            html = render_to_string(f"{template_prefix}.html", context)
        except TemplateDoesNotExist:
            html = ""
    return RenderedMessage(subject=subject, text=text, html=html)
