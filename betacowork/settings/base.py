"""The settings every process needs first: the environment, the site, the database, the apps,
static files and security. The other modules of this package read `env` and these from here.
"""

import sys
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.utils.translation import gettext_lazy as _

from betacowork.environment import Env
from betacowork.environment import refuse as _refuse

BASE_DIR = Path(__file__).resolve().parent.parent.parent
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
    # Innermost: its page passes through the headers and messages middleware above.
    "betacowork.middleware.MethodNotAllowedPageMiddleware",
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
# A form refused by the CSRF check (a stale form: another tab, an ended session) gets the
# site's page saying so, with the way back, instead of Django's bare one.
CSRF_FAILURE_VIEW = "betacowork.views.csrf_failure"
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
