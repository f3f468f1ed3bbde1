"""settings.LOGGING and its filters: the console says what matters, once."""

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


def logging_config(*, level: str, task_level: str, filesystem_broker: bool) -> dict:
    """One line per record on stderr. Emails of the console backend get a handler of their own
    that prints their frame as is. A 4xx keeps its one line but not its traceback (it is
    expected); Django's own console handler is dropped, so nothing is printed twice.
    `task_level` is the per-task chatter of the worker and beat."""
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
            "bare": {"format": "%(message)s"},
        },
        "filters": {
            "client_errors_without_traceback": {
                "()": "betacowork.log.ClientErrorsWithoutTraceback"
            },
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "plain"},
            "email": {"class": "logging.StreamHandler", "formatter": "bare"},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django": {"handlers": [], "level": "INFO", "propagate": True},
            "django.request": {"filters": ["client_errors_without_traceback"]},
            "django.db.backends": {"level": "INFO"},
            "celery": {"level": "INFO"},
            "celery.app.trace": {"level": task_level},
            "celery.worker.strategy": {"level": task_level},
            "celery.beat": {"level": task_level},
            "betacowork.email": {"handlers": ["email"], "level": "INFO", "propagate": False},
        },
    }
    if filesystem_broker:
        # The filesystem broker has no host, yet kombu warns on every connection that none was
        # supplied. Dropped for it only: with a real broker the warning means something.
        config["filters"]["no_hostname"] = {
            "()": "betacowork.log.DropMessage",
            "prefix": "No hostname was supplied",
        }
        config["loggers"]["kombu.connection"] = {"filters": ["no_hostname"]}
    return config
