"""Ops audit: a bad value in the environment stops start-up with one line naming the variable
(never a traceback from deep in Django, logging or a request much later), and every variable
the project reads is documented.

Each case runs `manage.py check` in a fresh process with a controlled environment, as
tests/project/test_settings.py does.
"""

import re
from pathlib import Path

import pytest

from tests.project.test_settings import (
    BASE_DIR,
    assert_refused,
    production_secret,
    run,
    settings_with,
)

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "",  # filled per test: a fresh secret
    "ALLOWED_HOSTS": "betacowork.example",
    "SITE_URL": "https://betacowork.example",
}


def production(**env: str) -> dict:
    return {**PRODUCTION, "SECRET_KEY": production_secret(), **env}


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("EMAIL_TIMEOUT", "ten"),
        ("OUTBOX_BATCH_SIZE", "x"),
        ("OUTBOX_LEASE_SECONDS", "2m"),
        ("OUTBOX_SWEEP_SECONDS", "fast"),
        ("REMINDER_SWEEP_SECONDS", "3 minutes"),
        ("ALLAUTH_TRUSTED_PROXY_COUNT", "one"),
        ("SECURE_HSTS_SECONDS", "a year"),
        ("CELERY_DB_REUSE_MAX", "lots"),
        ("DIRECTORY_CACHE_SECONDS", "1.5"),
    ],
)
def test_a_number_that_is_not_one_refuses_with_one_line(variable, value):
    assert_refused(run(["manage.py", "check"], **{variable: value}), variable, repr(value))


def test_conn_max_age_that_is_not_a_number_refuses_with_one_line():
    result = run(
        ["manage.py", "check"], DATABASE_URL="postgres://u@127.0.0.1:9/db", CONN_MAX_AGE="1h"
    )
    assert_refused(result, "CONN_MAX_AGE")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("OUTBOX_BATCH_SIZE", "0"),
        ("OUTBOX_SWEEP_FANOUT", "-1"),
        ("OUTBOX_MAX_ATTEMPTS", "0"),
        ("EMAIL_TIMEOUT", "0"),
        ("OUTBOX_SWEEP_SECONDS", "0"),
        ("REMINDER_SWEEP_SECONDS", "-5"),
        ("DIRECTORY_CACHE_SECONDS", "-1"),
    ],
)
def test_a_number_out_of_range_refuses_with_one_line(variable, value):
    assert_refused(run(["manage.py", "check"], **{variable: value}), variable)


@pytest.mark.parametrize("variable", ["DEBUG", "SECURE_SSL_REDIRECT", "PREPARED_STATEMENTS"])
@pytest.mark.parametrize("value", ["maybe", "ture", "2"])
def test_a_yes_no_variable_with_another_value_refuses_instead_of_meaning_off(variable, value):
    # DEBUG=maybe used to mean "off" (and then blamed SECRET_KEY); SECURE_SSL_REDIRECT=ture
    # turned the redirect off in production without a word.
    assert_refused(run(["manage.py", "check"], **{variable: value}), variable, repr(value))


@pytest.mark.parametrize(("value", "debug"), [("yes", True), ("On", True), ("no", False)])
def test_the_usual_spellings_of_yes_and_no_are_understood(value, debug):
    env = production(DEBUG=value) if not debug else {"DEBUG": value}
    assert settings_with(**env)["DEBUG"] is debug


@pytest.mark.parametrize("value", ["", ",", " "])
def test_production_with_no_allowed_host_refuses_with_one_line(value):
    # Without it every request is a 400 (gunicorn starts all the same).
    assert_refused(run(["manage.py", "check"], **production(ALLOWED_HOSTS=value)), "ALLOWED_HOSTS")


def test_production_whose_site_url_host_is_not_allowed_refuses_with_one_line():
    # Every link in every email would lead to a 400.
    env = production(ALLOWED_HOSTS="betacowork.example", SITE_URL="https://www.betacowork.be")
    assert_refused(run(["manage.py", "check"], **env), "SITE_URL", "ALLOWED_HOSTS")


@pytest.mark.parametrize("hosts", [".betacowork.example", "*", "BETACOWORK.example,other"])
def test_a_site_url_host_matched_by_a_pattern_is_allowed(hosts):
    env = production(ALLOWED_HOSTS=hosts, SITE_URL="https://betacowork.example")
    assert settings_with(**env)["DEBUG"] is False


def test_a_secret_of_one_repeated_character_refuses_to_start():
    env = production(SECRET_KEY="a" * 60)
    assert_refused(run(["manage.py", "check"], **env), "SECRET_KEY")


@pytest.mark.parametrize("variable", ["LOG_LEVEL", "TASK_LOG_LEVEL"])
def test_a_log_level_in_lower_case_works(variable):
    result = run(["manage.py", "check"], **{variable: "warning"})
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("variable", ["LOG_LEVEL", "TASK_LOG_LEVEL"])
def test_an_unknown_log_level_refuses_with_one_line(variable):
    assert_refused(run(["manage.py", "check"], **{variable: "verbose"}), variable, "'verbose'")


@pytest.mark.parametrize("variable", ["API_RATE_ANONYMOUS", "API_RATE_TOKEN"])
@pytest.mark.parametrize("value", ["lots", "60/minutes", "60", "x/minute", "0/minute"])
def test_a_malformed_api_rate_refuses_at_start_not_on_every_api_call(variable, value):
    assert_refused(run(["manage.py", "check"], **{variable: value}), variable)


@pytest.mark.parametrize("value", ["100/hour", "5/s", "1000/d"])
def test_well_formed_api_rates_are_accepted(value):
    result = run(["manage.py", "check"], API_RATE_ANONYMOUS=value)
    assert result.returncode == 0, result.stderr


def _settings_source() -> str:
    """The settings package's modules, as one text."""
    folder = BASE_DIR / "betacowork" / "settings"
    return "".join(p.read_text() for p in sorted(folder.glob("*.py")))


def test_every_variable_the_project_reads_is_documented():
    """The settings package, gunicorn.conf.py and docker-compose.yml: each name in .env.example and,
    between backquotes, in the README."""
    example = (BASE_DIR / ".env.example").read_text()
    readme = (BASE_DIR / "README.md").read_text()
    settings_source = _settings_source()
    names = set(re.findall(r"env\.\w+\(\s*\"([A-Z_]+)\"", settings_source))
    gunicorn = (BASE_DIR / "betacowork" / "gunicorn.conf.py").read_text()
    names |= set(re.findall(r"environ\.get\(\"([A-Z_]+)\"", gunicorn))
    compose = (BASE_DIR / "docker-compose.yml").read_text()
    names |= set(re.findall(r"\$\{([A-Z_]+)", compose))
    assert {"SECRET_KEY", "GUNICORN_BIND", "WORKER_CONCURRENCY", "POSTGRES_PASSWORD"} <= names
    missing = sorted(n for n in names if n not in example or f"`{n}`" not in readme)
    assert not missing, f"undocumented in .env.example or README: {missing}"


def test_every_variable_the_readme_documents_is_read_somewhere():
    readme = (BASE_DIR / "README.md").read_text()
    table = readme[readme.index("## Configuration") : readme.index("Bad configuration stops")]
    documented = set(re.findall(r"^\| `([A-Z_]+)`", table, re.MULTILINE))
    documented |= set(re.findall(r"^\| `[A-Z_]+`, `([A-Z_]+)`", table, re.MULTILINE))
    sources = _settings_source() + "".join(
        (BASE_DIR / p).read_text()
        for p in (
            "betacowork/gunicorn.conf.py",
            "docker-compose.yml",
            "scripts/run_embedded.py",
        )
    )
    unread = sorted(n for n in documented if f'"{n}"' not in sources and f"{{{n}" not in sources)
    assert not unread, f"documented but never read: {unread}"


def test_compose_requires_the_host_names_and_the_site_url():
    """Left unset, ALLOWED_HOSTS used to default to localhost (+127.0.0.1 for the health
    check): the container reported healthy while every visitor got a 400."""
    compose = (BASE_DIR / "docker-compose.yml").read_text()
    assert "${ALLOWED_HOSTS:?" in compose
    assert "${SITE_URL:?" in compose


assert Path(BASE_DIR, "manage.py").is_file()


def test_the_filesystem_broker_is_polled_often_enough_for_a_first_email_to_be_quick():
    """kombu polls the filesystem broker once a second by default, and with prefetch 1 a
    worker of 2 processes then takes about 2 tasks a second: after a first `make run` (the
    demo seed leaves ~50 send tasks queued) a newcomer's sign-up confirmation was printed
    36 s after the sign-up. Polled every 0.1 s, the queue drains in a few seconds."""
    options = settings_with(CELERY_BROKER_URL="filesystem://")["BROKER_OPTIONS"]
    assert options.get("polling_interval", 1.0) <= 0.1
