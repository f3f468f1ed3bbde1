"""Every API error is JSON: `{"detail": "...", "errors": {field: [messages]}}`.

DRF's own handler answers its exceptions (with `Retry-After` on a 429 and
`WWW-Authenticate` on a 401); this one gives every body the same shape, so a caller reads
one field whatever went wrong.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.views import exception_handler


def _messages(value) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]


def api_exception_handler(exc, context):
    response = exception_handler(exc, context)
    if response is None:
        return None  # not an API exception: Django's handlers (outage → 503) decide
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        if isinstance(data, dict):
            errors = {key: _messages(value) for key, value in data.items()}
        else:
            errors = {"non_field_errors": _messages(data)}
        first = next(iter(errors.values()))[0] if errors else ""
        response.data = {"detail": first or _("Invalid request."), "errors": errors}
        response.status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(data, dict) and "detail" in data:
        response.data = {"detail": str(data["detail"])}
    else:
        response.data = {"detail": str(data)}
    return response
