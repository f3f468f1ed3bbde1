"""Ops audit: `make run` when its port is taken (another `make run`, another program).

It used to start web, then - because *something* answered on the port - a second Celery
worker and a second beat on the same broker and schedule, printed "Betacowork is running"
with the demo logins, and only then said that the web server had exited: the newcomer read
a banner for a site that was not theirs, and the extra worker could take the first run's
tasks. Now it says so in one line before starting anything, and exits non-zero.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest

from tests.project.test_run_embedded import SUPERVISOR, _environment

pytestmark = pytest.mark.timeout(120)


def test_a_taken_port_stops_make_run_at_once_with_one_clear_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, str(SUPERVISOR), "--port", str(port)],
            env=_environment(tmp_path),
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
        elapsed = time.monotonic() - started
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Betacowork is running" not in output
    assert "worker" not in output.lower().replace("web, worker and beat", "")
    assert f"port {port}" in output
    assert "in use" in output
    assert "PORT=" in output  # how to choose another
    assert "Traceback" not in output
    # Nothing was started: no Django, no Celery.
    assert elapsed < 5, elapsed
    assert not (tmp_path / "broker").exists()
