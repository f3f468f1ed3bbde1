"""
Betacowork settings: one module, configured by the environment only.

Every variable is documented in `.env.example` and in the README. With no environment at all
the site runs on the *embedded default*: SQLite (WAL, IMMEDIATE transactions), a Celery broker
on the filesystem (no server needed), console email, DEBUG on.

Django settings reference: https://docs.djangoproject.com/en/5.2/ref/settings/
"""

import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.utils.translation import gettext_lazy as _

from betacowork.environment import Env
from betacowork.environment import refuse as _refuse
from betacowork.log import logging_config
from betacowork.mail_url import filemail_path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


env = Env()
# A local `.env` is a convenience for development; production passes real variables, which
# always win over the file. ENV_FILE names another file; ENV_FILE="" reads none (tests).
_env_file = env.str("ENV_FILE", default=str(BASE_DIR / ".env"))
if _env_file and Path(_env_file).is_file():
    env.read_env(_env_file, overwrite=False)


# GENERAL
# ------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=True)
_DEV_SECRET = "django-insecure-dev-only-never-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default="") or _DEV_SECRET  # empty counts as unset
if not DEBUG and (SECRET_KEY == _DEV_SECRET or SECRET_KEY.startswith("django-insecure")):
    _refuse("DEBUG is off and SECRET_KEY is not set to a real secret (50+ random characters).")
if not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    _refuse("SECRET_KEY is too weak for production: use at least 50 random characters.")
ALLOWED_HOSTS = [
    host.strip()
    for host in env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
    if host.strip()
]
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
_site = urlsplit(SITE_URL)
if _site.scheme not in ("http", "https") or not _site.netloc:
    _refuse(f"SITE_URL must be an absolute http(s) URL, got {SITE_URL!r}.")


def _host_allowed(host: str, patterns: list[str]) -> bool:
    """Django's ALLOWED_HOSTS matching (django.http.request.validate_host), without Django."""
    host = host.lower()
    for pattern in (p.lower() for p in patterns):
        if pattern == "*" or pattern == host:
            return True
        if pattern.startswith(".") and (host.endswith(pattern) or host == pattern[1:]):
            return True
    return False


if not DEBUG and not ALLOWED_HOSTS:
    # gunicorn would start all the same, and answer every request with a 400.
    _refuse("DEBUG is off and ALLOWED_HOSTS is empty: set the site's host names, comma-separated.")
if not DEBUG and not _host_allowed(_site.hostname or "", ALLOWED_HOSTS):
    # Every link in every email would lead to a 400.
    _refuse(
        f"SITE_URL's host {_site.hostname!r} is not in ALLOWED_HOSTS "
        f"({','.join(ALLOWED_HOSTS)}): the links in emails would be refused."
    )
CSRF_TRUSTED_ORIGINS = env.list(
    "CSRF_TRUSTED_ORIGINS", default=[f"{_site.scheme}://{_site.netloc}"]
)
# The benchmarks' one-query yardstick page /bench/reference/ (bench/README.md): mounted only
# when a benchmark's server asks for it, never in production.
BENCH_REFERENCE_VIEW = env.bool("BENCH_REFERENCE_VIEW", default=False)

TIME_ZONE = "Europe/Brussels"
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("nl", _("Dutch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our own date formats per language, beside Django's (betacowork/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["betacowork.formats"]
LANGUAGE_COOKIE_NAME = "betacowork_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"

# DATABASES
# ------------------------------------------------------------------------------
# DATABASE_URL switches between the embedded SQLite file and PostgreSQL.
# `manage.py runserver`: a development server, a new thread for each request.
_RUNSERVER = sys.argv[1:2] == ["runserver"]
_DB_ENGINES = {
    "sqlite": "django.db.backends.sqlite3",
    "postgres": "django.db.backends.postgresql",
    "postgresql": "django.db.backends.postgresql",
    "pgsql": "django.db.backends.postgresql",
    "psql": "django.db.backends.postgresql",
}
DATABASE_URL = env.str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")


def _database_from_url(url: str) -> dict:
    scheme = urlsplit(url).scheme
    if scheme not in _DB_ENGINES:
        _refuse(
            "DATABASE_URL is malformed: expected postgres://user@host:port/name or "
            f"sqlite:///path, got scheme {scheme or '(none)'!r}."
        )
    try:
        config = environ.Env.db_url_config(url)
    except Exception as exc:
        _refuse(f"DATABASE_URL is malformed ({exc}).")
    if not config.get("NAME"):
        _refuse("DATABASE_URL names no database (sqlite:///path or postgres://.../name).")
    config["ENGINE"] = _DB_ENGINES[scheme]
    if scheme == "sqlite":
        # Web, worker and beat share the file: WAL lets readers run beside the one writer,
        # and IMMEDIATE transactions take the write lock at BEGIN, so SQLite serialises
        # writers. That is what keeps registration correct where select_for_update is a no-op.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    else:
        # runserver (`make run`) answers each request on a new thread, and a persistent
        # connection belongs to its thread: each request would leave one open until
        # PostgreSQL refuses clients. It closes them after each request unless told otherwise.
        config["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if _RUNSERVER else 60)
        config["CONN_HEALTH_CHECKS"] = True
        config.setdefault("OPTIONS", {})["connect_timeout"] = 5
    return config


DATABASES = {"default": _database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# URLs typed without a scheme are https:// (Django 6's default; opting in now also keeps every
# form of ours and of the admin from warning about it).
FORMS_URLFIELD_ASSUME_HTTPS = True

# APPS
# ------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "csp",
    "import_export",
    "rules.apps.AutodiscoverRulesConfig",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "betacowork.messaging",  # the outbox, its sender, preferences, message kinds
    "betacowork.submissions",  # forms that create something are acted on once
    "members",
    "events",
    "collaborations",
    "api",
]

MIDDLEWARE = [
    # X-Request-ID on the response and on each log line of the request (betacowork/log.py).
    "betacowork.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The member's language first: a refused request's 400 page is in it too.
    "members.middleware.UserLanguageMiddleware",
    "betacowork.middleware.BadInputMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "members.middleware.AccountRefusalStatusMiddleware",
]

ROOT_URLCONF = "betacowork.urls"
WSGI_APPLICATION = "betacowork.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "betacowork.context_processors.site",
            ],
        },
    },
]

# AUTHENTICATION (django-allauth: https://docs.allauth.org/en/latest/account/configuration.html)
# ------------------------------------------------------------------------------
AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    # Object permissions: every "may this person do this?" (see members/rules.py).
    "rules.permissions.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "name*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
# A signed-in session alone (a shared computer at the space) does not let anyone take the
# account over: changing its addresses, deleting it (members.views.account) and creating an
# API token (api.views.tokens) ask for the password again, good for
# ACCOUNT_REAUTHENTICATION_TIMEOUT (allauth's default, 5 minutes). An account without a
# usable password (imported, never set one) is not asked: allauth has nothing to ask.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
# The owner is told by email (through the outbox, in their language) when the primary address
# changes (at the old one), an address is removed, or the password is changed, set or reset.
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "members.forms.SignupForm"
# allauth's forms with the site's sentence-case labels ("Remember me", "Current password").
ACCOUNT_FORMS = {
    "login": "members.account_forms.LoginForm",
    "change_password": "members.account_forms.ChangePasswordForm",
    "reset_password_from_key": "members.account_forms.ResetPasswordKeyForm",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Betacowork] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = _site.scheme
# Behind the reverse proxy every request comes from the proxy's address: the rate limits read
# the visitor's from the X-Forwarded-For entry the proxies append (how many proxies we run,
# 1 in docker-compose.yml), or from a header the proxy sets instead (e.g. X-Real-IP).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env.str("ALLAUTH_TRUSTED_CLIENT_IP_HEADER", default="") or None
# Wrong passwords (README, "Configuration"): 10 a minute per address, 5 per 15 minutes per
# address *and* account (members.adapters keys them so: a stranger cannot lock a member out),
# and a softer 50 an hour per account from all addresses together.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/15m/key",
    "login_failed_account": "50/h/key",
}
# Guest registrations one visitor (address) may send (events.views.registration): each takes a
# seat or emails an address's owner their registration again. allauth's rate syntax.
GUEST_REGISTRATION_RATE = env.str("GUEST_REGISTRATION_RATE", default="20/h/ip")
if not re.fullmatch(r"[1-9]\d*/\d*[smhd]/ip(,[1-9]\d*/\d*[smhd]/ip)*", GUEST_REGISTRATION_RATE):
    _refuse(
        "GUEST_REGISTRATION_RATE must be registrations per period per address, e.g. 20/h/ip "
        f"or 5/m/ip,20/h/ip, got {GUEST_REGISTRATION_RATE!r}."
    )

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
    for _sub in ("queue", "processed", "control"):
        (CELERY_BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        # Exchange tables; kombu's default is ./control in whatever directory we run from.
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
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

# STATIC AND MEDIA
# ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
# Uploads are never served as static files: members.views serves them after a privacy check.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 5_242_880
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# SECURITY (https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/)
# ------------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Health checks come from inside the private network over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp 4: https://django-csp.readthedocs.io/): everything
# is served by the app itself; no inline script and no style attributes in templates.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# API (Django REST framework https://www.django-rest-framework.org/api-guide/settings/ and
# drf-spectacular https://drf-spectacular.readthedocs.io/en/latest/settings.html): read-only,
# JSON only, personal tokens or the site's session, rate-limited in the shared cache.
# ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.api_exception_handler",
    "URL_FORMAT_OVERRIDE": None,
    "UNICODE_JSON": True,
}
# Requests per caller (a token, a logged-in session, or an address for anonymous callers).
# What api.throttling.parse_rate reads: checked here, or every API call would be a 500.
_RATE_PERIODS = ("s", "second", "m", "minute", "h", "hour", "d", "day")


def _api_rate(var: str, default: str) -> str:
    rate = env.str(var, default=default)
    count, _sep, period = rate.partition("/")
    if not (count.strip().isdigit() and int(count) > 0 and period.strip().lower() in _RATE_PERIODS):
        _refuse(
            f"{var} must be a number of requests per period, e.g. 60/minute "
            f"(periods: {', '.join(_RATE_PERIODS)}), got {rate!r}."
        )
    return rate


API_RATE_LIMITS = {
    "anonymous": _api_rate("API_RATE_ANONYMOUS", "60/minute"),
    "token": _api_rate("API_RATE_TOKEN", "600/minute"),
    "session": _api_rate("API_RATE_TOKEN", "600/minute"),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Betacowork API",
    "DESCRIPTION": (
        "Read-only access to the community's events, chapters, spaces, companies, members "
        "directory and micro-economy dashboard. Anonymous callers see what the public site "
        "shows; a personal token (account settings → API tokens) sees what its member sees."
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's files from drf-spectacular-sidecar, served by whitenoise: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

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
