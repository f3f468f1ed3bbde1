"""Logging filters used by settings.LOGGING: the console says what matters, once."""

from __future__ import annotations

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """On `django.request`: a 4xx (a PermissionDenied, a 404) is expected behaviour, so its
    record keeps its one line ("Forbidden (Permission denied): /budget/") and loses the
    traceback. 5xx records are untouched."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True


class DropMessage(logging.Filter):
    """Drops records whose message starts with `prefix` (a warning that carries no news)."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.prefix)
