"""Test settings: the real settings, with only what tests need changed."""

import os
import tempfile
from urllib.parse import urlsplit, urlunsplit

# Tests never read a developer's .env; the environment alone decides (CI sets the URLs).
os.environ["ENV_FILE"] = ""
os.environ.setdefault("DEBUG", "1")

from betacowork.settings import *  # noqa: F403
from betacowork.settings import CELERY_BROKER_URL, DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="betacowork-media-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SECURE_SSL_REDIRECT = False
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# allauth's rate limits would make repeated logins in tests flaky.
ACCOUNT_RATE_LIMITS = False
OUTBOX_RETRY_BASE_SECONDS = 1

# No persistent connections in tests: a connection left open by another thread (live server,
# a thread started by a test) would keep the test database from being dropped at the end.
DATABASES["default"]["CONN_MAX_AGE"] = 0
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # In-memory test database; WAL pragmas do not apply to it.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE"}
STATIC_ROOT = tempfile.mkdtemp(prefix="betacowork-static-")

# pytest-xdist: each worker gets a Redis database of its own (CI's db 0 → gw0 uses 1, gw1 2, …),
# so one worker's real Celery workers never take another's tasks and a purge stays local.
# PostgreSQL needs nothing here: pytest-django names each worker's test database
# test_<name>_gw<N>. The environment variable is rewritten too: Celery lets it win.
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _XDIST_WORKER.startswith("gw") and CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    _parts = urlsplit(CELERY_BROKER_URL)
    _base_db = int(_parts.path.strip("/") or 0)
    _db = (_base_db + 1 + int(_XDIST_WORKER[2:])) % 16
    CELERY_BROKER_URL = urlunsplit(_parts._replace(path=f"/{_db}"))
    os.environ["CELERY_BROKER_URL"] = CELERY_BROKER_URL

if CELERY_BROKER_URL.startswith("filesystem://"):
    # Tests publish to a private folder: a `make run` worker must never consume their tasks.
    _broker = tempfile.mkdtemp(prefix="betacowork-broker-")
    os.makedirs(os.path.join(_broker, "processed"))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": _broker,
        "data_folder_out": _broker,
        "processed_folder": os.path.join(_broker, "processed"),
        "control_folder": os.path.join(_broker, "control"),
        "store_processed": False,
    }
