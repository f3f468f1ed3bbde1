"""Email: the transport (EMAIL_URL), the senders' addresses, the outbox's sending and retries,
and the beat periods of the sweeps that write and send messages."""

from betacowork.environment import refuse as _refuse
from betacowork.mail_url import filemail_path

from .base import BASE_DIR, VAR_DIR, env

# EMAIL — every message goes through the outbox (betacowork.messaging); EMAIL_URL: transport.
# ------------------------------------------------------------------------------
EMAIL_URL = env.str("EMAIL_URL", default="consolemail://")
try:
    _email = env.email_url_config(EMAIL_URL)
except Exception as exc:
    _refuse(f"EMAIL_URL is malformed ({exc}); e.g. smtp+tls://user:password@host:587.")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
if EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":
    # consolemail://: each email framed on the console at INFO (betacowork/console_email.py).
    EMAIL_BACKEND = "betacowork.console_email.ConsoleEmailBackend"
EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS", False))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL", False))


EMAIL_FILE_PATH = str(VAR_DIR / "mail")
if EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend":
    EMAIL_FILE_PATH = filemail_path(EMAIL_URL, base_dir=BASE_DIR, default=VAR_DIR / "mail")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10, minimum=1)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Betacowork <community@betacowork.test>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=120, minimum=1)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=6, minimum=1)
OUTBOX_RETRY_BASE_SECONDS = env.int("OUTBOX_RETRY_BASE_SECONDS", default=60)
# Rows a task sends over one SMTP connection: 200 spreads a batch's fixed cost (claim, checks,
# task, connection): +12-15 % msg/s for 7,000 reminders against 50 (bench/README.md).
OUTBOX_BATCH_SIZE = env.int("OUTBOX_BATCH_SIZE", default=200, minimum=1)
# The due rows one outbox sweep hands out by id (in tasks of OUTBOX_BATCH_SIZE), and, for a
# larger backlog, how many self-continuing batch tasks it starts besides for the rest.
OUTBOX_SWEEP_ROWS = env.int("OUTBOX_SWEEP_ROWS", default=10_000, minimum=1)
OUTBOX_SWEEP_FANOUT = env.int("OUTBOX_SWEEP_FANOUT", default=4, minimum=1)
# Beat periods (seconds) of the outbox sweep and of the reminder sweep.
OUTBOX_SWEEP_SECONDS = env.float("OUTBOX_SWEEP_SECONDS", default=60.0, minimum=1)
REMINDER_SWEEP_SECONDS = env.float("REMINDER_SWEEP_SECONDS", default=180.0, minimum=1)
# A reminder due within this many seconds is written now and sent when its time comes (0: only
# when due). Above REMINDER_SWEEP_SECONDS, every reminder is written before its time.
REMINDER_WRITE_AHEAD_SECONDS = env.float("REMINDER_WRITE_AHEAD_SECONDS", default=600.0, minimum=0)
# How often beat deletes the directory search rows' changes no count needs (PostgreSQL).
SEARCH_CHANGES_PRUNE_SECONDS = env.float("SEARCH_CHANGES_PRUNE_SECONDS", default=600.0, minimum=1)
