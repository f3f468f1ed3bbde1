"""settings.LOGGING and its filters: the console says what matters, once."""

from __future__ import annotations

import contextvars
import logging

# The id of the request being served on this thread (betacowork.middleware.RequestIdMiddleware);
# "-" outside a request (Celery, management commands).
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


_base_record_factory = logging.getLogRecordFactory()


def _record_with_request_id(*args, **kwargs) -> logging.LogRecord:
    """Each record carries `request_id`, the X-Request-ID of its request (the response's
    header, gunicorn's access line), so that two web processes' interleaved lines, a
    traceback included, can be told apart and matched with the access log."""
    record = _base_record_factory(*args, **kwargs)
    record.request_id = request_id.get()
    return record


class RequestIdFilter(logging.Filter):
    """On the handlers, for a record made by another factory than ours: the format needs
    `request_id`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


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


class RefusedRequestsAsWarnings(ClientErrorsWithoutTraceback):
    """On the handler of `django.security`: Django logs a SuspiciousOperation (a Host header
    not in ALLOWED_HOSTS, sent by every scanner that reaches the site by its address) as an
    ERROR with its traceback, once per request. The request got a 400: one WARNING line."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500 and record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return super().filter(record)


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
    if logging.getLogRecordFactory() is _base_record_factory:
        logging.setLogRecordFactory(_record_with_request_id)
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
            "bare": {"format": "%(message)s"},
        },
        "filters": {
            "client_errors_without_traceback": {
                "()": "betacowork.log.ClientErrorsWithoutTraceback"
            },
            "refused_requests_as_warnings": {"()": "betacowork.log.RefusedRequestsAsWarnings"},
            "request_id": {"()": "betacowork.log.RequestIdFilter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "filters": ["request_id"],
            },
            # django.security.<Exception> records: a logger's filter would not see its
            # children's records, a handler's does.
            "security": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "filters": ["refused_requests_as_warnings", "request_id"],
            },
            "email": {"class": "logging.StreamHandler", "formatter": "bare"},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django": {"handlers": [], "level": "INFO", "propagate": True},
            "django.request": {"filters": ["client_errors_without_traceback"]},
            "django.security": {"handlers": ["security"], "level": "INFO", "propagate": False},
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
