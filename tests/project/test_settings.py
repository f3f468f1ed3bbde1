"""Settings come from the environment only: defaults that run, refusals that explain.

Each case starts a fresh Python process with a controlled environment, because settings are
read once at import and a refusal ends the process.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parents[2]
PRINT_SETTINGS = """
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "betacowork.settings"
from django.conf import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG,
    "ENGINE": s.DATABASES["default"]["ENGINE"],
    "DB_OPTIONS": s.DATABASES["default"].get("OPTIONS", {}),
    "DB_NAME": str(s.DATABASES["default"]["NAME"]),
    "BROKER": s.CELERY_BROKER_URL,
    "BROKER_OPTIONS": s.CELERY_BROKER_TRANSPORT_OPTIONS,
    "EMAIL_BACKEND": s.EMAIL_BACKEND,
    "EMAIL_HOST": s.EMAIL_HOST,
    "CACHE": s.CACHES["default"]["BACKEND"],
    "SITE_URL": s.SITE_URL,
    "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "DEFAULT_FROM_EMAIL": s.DEFAULT_FROM_EMAIL,
    "SSL_REDIRECT": s.SECURE_SSL_REDIRECT,
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "HSTS": s.SECURE_HSTS_SECONDS,
    "TIME_ZONE": s.TIME_ZONE,
    "USE_TZ": s.USE_TZ,
}))
"""


def production_secret() -> str:
    return secrets.token_urlsafe(45)[:60]


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    """Run Python in a clean environment: only PATH/HOME and the variables given."""
    clean = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    clean.update(ENV_FILE="", PYTHONDONTWRITEBYTECODE="1", **env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def settings_with(**env: str) -> dict:
    result = run(["-c", PRINT_SETTINGS], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def assert_refused(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Betacowork refuses to start:")
    for word in words:
        assert word in lines[0]


def test_no_environment_runs_the_embedded_default():
    s = settings_with()
    assert s["DEBUG"] is True
    assert s["ENGINE"] == "django.db.backends.sqlite3"
    assert s["DB_NAME"].endswith("db.sqlite3")
    assert s["DB_OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in s["DB_OPTIONS"]["init_command"]
    assert s["BROKER"] == "filesystem://"
    # consolemail:// prints each email framed, at INFO (betacowork/console_email.py).
    assert s["EMAIL_BACKEND"] == "betacowork.console_email.ConsoleEmailBackend"
    assert s["CACHE"] == "django.core.cache.backends.locmem.LocMemCache"
    assert s["SITE_URL"] == "http://127.0.0.1:8000"
    assert s["SSL_REDIRECT"] is False
    assert s["TIME_ZONE"] == "Europe/Brussels"
    assert s["USE_TZ"] is True


def test_production_variables_are_read():
    s = settings_with(
        DEBUG="0",
        SECRET_KEY=production_secret(),
        ALLOWED_HOSTS="betacowork.example,www.betacowork.example",
        DATABASE_URL="postgres://app:pw@db.internal:5432/betacowork",
        CELERY_BROKER_URL="redis://redis.internal:6379/0",
        EMAIL_URL="smtp+tls://mailer:pw@smtp.example:587",
        CACHE_URL="redis://redis.internal:6379/1",
        DEFAULT_FROM_EMAIL="Betacowork <hello@betacowork.example>",
        SITE_URL="https://betacowork.example/",
    )
    assert s["DEBUG"] is False
    assert s["ENGINE"] == "django.db.backends.postgresql"
    assert s["DB_NAME"] == "betacowork"
    assert s["BROKER"] == "redis://redis.internal:6379/0"
    # A dead broker must never hang a request: short socket timeouts.
    assert s["BROKER_OPTIONS"]["socket_connect_timeout"] <= 2
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert s["EMAIL_HOST"] == "smtp.example"
    # Redis, behind a wrapper that treats an outage as a miss (betacowork/cache.py).
    assert s["CACHE"] == "betacowork.cache.ResilientRedisCache"
    assert s["ALLOWED_HOSTS"] == ["betacowork.example", "www.betacowork.example"]
    assert s["DEFAULT_FROM_EMAIL"] == "Betacowork <hello@betacowork.example>"
    assert s["SITE_URL"] == "https://betacowork.example"
    assert s["SSL_REDIRECT"] is True
    assert s["SESSION_COOKIE_SECURE"] is True
    assert s["HSTS"] >= 31_536_000


def test_debug_off_without_a_secret_refuses_to_start():
    assert_refused(run(["manage.py", "check"], DEBUG="0"), "SECRET_KEY")


def test_debug_off_with_the_dev_secret_or_a_short_one_refuses_to_start():
    assert_refused(
        run(["manage.py", "check"], DEBUG="0", SECRET_KEY="django-insecure-" + "x" * 60),
        "SECRET_KEY",
    )
    assert_refused(run(["manage.py", "check"], DEBUG="0", SECRET_KEY="short"), "SECRET_KEY")


@pytest.mark.parametrize(
    "url",
    [
        "mysql://root@localhost/betacowork",
        "postgres://user@host:notaport/betacowork",
        "postgres://user@host:5432",
        "betacowork",
    ],
)
def test_malformed_database_url_refuses_with_one_line(url):
    assert_refused(run(["manage.py", "check"], DATABASE_URL=url), "DATABASE_URL")


@pytest.mark.parametrize(
    ("variable", "value"),
    [("EMAIL_URL", "carrier-pigeon://coop"), ("CACHE_URL", "floppy://a"), ("SITE_URL", "x")],
)
def test_other_malformed_urls_refuse_with_one_line(variable, value):
    assert_refused(run(["manage.py", "check"], **{variable: value}), variable)


def test_check_deploy_passes_with_production_variables(tmp_path):
    production = {
        "DEBUG": "0",
        "SECRET_KEY": production_secret(),
        "ALLOWED_HOSTS": "betacowork.example",
        "SITE_URL": "https://betacowork.example",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    # As the Dockerfile builds the image: collected first (betacowork.E001 otherwise).
    collected = run(["manage.py", "collectstatic", "--noinput", "-v", "0"], **production)
    assert collected.returncode == 0, collected.stdout + collected.stderr
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **production)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_content_security_policy_header_is_sent(client, db):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy


def test_test_settings_never_read_a_dotenv_file():
    assert os.environ["ENV_FILE"] == ""
    assert settings.TIME_ZONE == "Europe/Brussels"


def test_every_variable_settings_reads_is_documented():
    source = "".join(p.read_text() for p in (BASE_DIR / "betacowork" / "settings").glob("*.py"))
    variables = set(
        re.findall(r"env\.(?:str|bool|int|float|list|cache_url)\(\s*\"([A-Z_]+)\"", source)
    )
    assert {"SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL"} <= variables
    example = (BASE_DIR / ".env.example").read_text()
    readme = (BASE_DIR / "README.md").read_text()
    missing = sorted(v for v in variables if v not in example or f"`{v}`" not in readme)
    assert not missing, f"undocumented in .env.example or README: {missing}"


def test_an_empty_secret_key_counts_as_unset():
    assert settings_with(SECRET_KEY="")["DEBUG"] is True
    assert_refused(run(["manage.py", "check"], DEBUG="0", SECRET_KEY=""), "SECRET_KEY")
