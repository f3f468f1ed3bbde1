"""Issue 13, defect 8: `/bench/reference/` exists only where a setting asks for it."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import clear_url_caches

import betacowork.urls

BASE_DIR = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


@pytest.fixture
def reload_urls():
    """Reload the URLconf under the settings of the test, and restore it afterwards."""

    def _reload():
        importlib.reload(betacowork.urls)
        clear_url_caches()

    yield _reload
    _reload()


def test_the_reference_page_is_not_served_by_default(client, reload_urls):
    reload_urls()
    assert client.get("/bench/reference/").status_code == 404


def test_the_reference_page_is_served_when_the_setting_asks(client, reload_urls):
    with override_settings(BENCH_REFERENCE_VIEW=True):
        reload_urls()
        response = client.get("/bench/reference/")
    assert response.status_code == 200
    assert "<h1>Reference</h1>" in response.content.decode()


@pytest.mark.parametrize(("value", "expected"), [(None, "False"), ("1", "True"), ("0", "False")])
def test_the_setting_comes_from_the_environment(value, expected):
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env.update(ENV_FILE="", DJANGO_SETTINGS_MODULE="betacowork.settings")
    if value is not None:
        env["BENCH_REFERENCE_VIEW"] = value
    code = "from django.conf import settings; print(settings.BENCH_REFERENCE_VIEW)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert out.stdout.strip() == expected


@pytest.mark.parametrize("script", ["directory.py", "dashboard.py", "registration.py"])
def test_the_benchmarks_that_use_it_turn_it_on(script):
    assert '"BENCH_REFERENCE_VIEW": "1"' in (BASE_DIR / "bench" / script).read_text()
