"""What the event pages share: an .ics response and a service error as messages."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.http import HttpResponse

TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _ics_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _validation_messages(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]
