"""The services beside the database: the cache (Redis in production) and what is cached, the
Celery broker and workers, and logging."""

from pathlib import Path

from betacowork.environment import refuse as _refuse
from betacowork.log import logging_config

from .base import TIME_ZONE, VAR_DIR, env

# CACHE — Redis in production (allauth's rate limits must be shared by all web processes).
# ------------------------------------------------------------------------------
try:
    CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://betacowork")}
except Exception as exc:
    _refuse(f"CACHE_URL is malformed ({exc}); e.g. redis://127.0.0.1:6379/1.")
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # A Redis outage is a cache miss, not a 500 (betacowork/cache.py); short socket timeouts
    # keep a hung server from holding up a page.
    CACHES["default"]["BACKEND"] = "betacowork.cache.ResilientRedisCache"
    _cache_options = CACHES["default"].setdefault("OPTIONS", {})
    _cache_options.setdefault("socket_connect_timeout", 0.5)
    _cache_options.setdefault("socket_timeout", 0.5)
# Rendered directory results are cached this long (0 = off); any profile, term, company, space
# or membership change invalidates them at once. Needs a shared cache (Redis) with several
# web processes, else each process only forgets its own copy.
DIRECTORY_CACHE_SECONDS = env.int("DIRECTORY_CACHE_SECONDS", default=120)
# "People you should meet" is cached per member this long (0 = off), under the directory's
# version: a change to my terms or to a suggested profile shows at once.
SUGGESTIONS_CACHE_SECONDS = env.int("SUGGESTIONS_CACHE_SECONDS", default=600)
# The directory's statements are prepared once per database connection (betacowork/db.py),
# and the registration function lives in each connection's pg_temp (events/services/
# seat_queue.py); 0 behind a transaction-pooling PgBouncer, which keeps no session per client.
PREPARED_STATEMENTS = env.bool("PREPARED_STATEMENTS", default=True)
# The micro-economy dashboard's figures, cached per audience and language (0 = off); a
# confirmation, edit or verification invalidates them on commit.
COLLABORATIONS_DASHBOARD_CACHE = env.int("COLLABORATIONS_DASHBOARD_CACHE", default=300)
# /healthz shows its details (latencies, transport, errors) to staff and to requests that send
# "Authorization: Bearer <HEALTHZ_TOKEN>"; everyone else sees only what is up (empty: staff only).
HEALTHZ_TOKEN = env.str("HEALTHZ_TOKEN", default="")

# CELERY (https://docs.celeryq.dev/en/stable/userguide/configuration.html)
# ------------------------------------------------------------------------------
# Default: kombu's filesystem transport, a real broker that needs no server, so `make run`
# runs a separate worker and beat process without Redis. Production: redis://.
# Short socket timeouts and no reconnect-and-sleep loop (kombu waits `interval_start`,
# 2 s, before its first retry): publishing to a dead broker fails in ~0.05 s when the port
# refuses and in ~1 s when the server hangs, so it never holds up a web request.
REDIS_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 1,
    "max_retries": 0,
    "visibility_timeout": 3600,
}
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_DIR = Path(env.str("CELERY_BROKER_DIR", default=str(VAR_DIR / "broker")))
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's transport, made safe for several processes (betacowork/broker.py): a message is
    # renamed into the queue once written, and a file a worker cannot read (empty, cut short)
    # is left for a later poll, then moved to broken/ - kombu's own stopped the worker.
    CELERY_BROKER_TRANSPORT = "betacowork.broker:FilesystemTransport"
    for _sub in ("queue", "processed", "control", "broken"):
        (CELERY_BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        # Exchange tables; kombu's default is ./control in whatever directory we run from.
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
        # Where a message file still unreadable a minute after it was written is moved.
        "broken_folder": str(CELERY_BROKER_DIR / "broken"),
        # kombu polls every 1 s by default; with prefetch 1 a worker then takes ~2 tasks a
        # second (a first `make run` printed a sign-up's email 36 s late). Polling an idle
        # folder 10 times a second costs the worker under 1 % of a core (0.2 % measured).
        "polling_interval": 0.1,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = dict(REDIS_BROKER_TRANSPORT_OPTIONS)
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
# Our tasks are idempotent (the database decides what is done), so a task is acknowledged
# only once it finished, and a task whose worker died is handed to another worker.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# 0: Celery's Django fixup closes every connection after every task; else betacowork/celery.py
# closes what Django would close around a request (CONN_MAX_AGE, unusable connections).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=500)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"messaging.tasks.outbox_send*": {"queue": "mail"}}
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(
    Path(env.str("CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule")))
)

# LOGGING (betacowork/log.py): one line per record on stderr, each email `make run` prints
# framed as is, a 4xx without its traceback, nothing printed twice. TASK_LOG_LEVEL sets the
# per-task chatter of the worker and beat (`make run` sets WARNING: emails stand out).
# ------------------------------------------------------------------------------
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _log_level(var: str) -> str:
    """A level name, in any case (`LOG_LEVEL=info` used to be a traceback from logging)."""
    level = env.str(var, default="INFO").strip().upper() or "INFO"
    if level not in _LOG_LEVELS:
        _refuse(f"{var} must be one of {', '.join(_LOG_LEVELS)}, got {env.str(var)!r}.")
    return level


LOGGING = logging_config(
    level=_log_level("LOG_LEVEL"),
    task_level=_log_level("TASK_LOG_LEVEL"),
    filesystem_broker=CELERY_BROKER_URL.startswith("filesystem://"),
)
