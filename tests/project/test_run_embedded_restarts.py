"""`make run`'s supervisor starts a worker or beat that died again, and stops the site only when
one keeps dying as it starts.

QA: one unreadable broker message stopped the worker, and the supervisor then stopped web and
beat with it ("worker exited (1); stopping the others"): /healthz refused connections. The
supervision is tested here on stand-in children (short Python commands), with short delays.
"""

from __future__ import annotations

import importlib.util
import sys
import time

import pytest

from tests.project.test_run_embedded import SUPERVISOR

pytestmark = pytest.mark.timeout(60)

_spec = importlib.util.spec_from_file_location("run_embedded", SUPERVISOR)
run_embedded = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_embedded)

SERVES = [sys.executable, "-c", "import time; time.sleep(60)"]
DIES = [sys.executable, "-c", "import sys; sys.exit(1)"]


@pytest.fixture
def supervisor():
    supervisor = run_embedded.Supervisor("127.0.0.1", 8000, grace=1.0)
    yield supervisor
    supervisor.stop()


def _children(supervisor, **commands):
    env = {"PATH": "/usr/bin:/bin"}
    supervisor.children = [run_embedded.Child(name, args, env) for name, args in commands.items()]


def _supervise_for(supervisor, seconds: float) -> int | None:
    """Run the supervision loop (as `watch` does) for `seconds`, or until it says stop."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = supervisor.supervise(time.monotonic())
        if status is not None:
            return status
        time.sleep(0.02)
    return None


def _by_name(supervisor) -> dict:
    return {child.name: child for child in supervisor.children}


def test_a_worker_that_exits_is_started_again_and_the_site_stays_up(supervisor, capsys):
    supervisor.restarts["worker"] = run_embedded.Restarts(delays=(0.1, 0.2))
    _children(supervisor, web=SERVES, worker=SERVES, beat=SERVES)
    web, first = _by_name(supervisor)["web"], _by_name(supervisor)["worker"]
    first.proc.terminate()  # stands for "Unrecoverable error": the worker's process ends
    first.proc.wait(timeout=10)

    assert _supervise_for(supervisor, 1.0) is None
    again = _by_name(supervisor)["worker"]
    assert again is not first
    assert again.alive
    assert again.args == first.args
    assert web.alive  # the site was not stopped
    assert _by_name(supervisor)["beat"].alive
    console = capsys.readouterr().err
    assert (
        f"run_embedded: worker exited ({first.proc.returncode}); starting it again in 0.1 s."
        in (console)
    )
    assert "run_embedded: worker started again." in console
    assert "stopping the others" not in console


def test_beat_is_started_again_too_with_a_growing_delay(supervisor, capsys):
    supervisor.restarts["beat"] = run_embedded.Restarts(limit=100, delays=(0.1, 0.3))
    _children(supervisor, web=SERVES, beat=DIES)
    assert _supervise_for(supervisor, 1.5) is None
    console = capsys.readouterr().err
    assert "beat exited (1); starting it again in 0.1 s." in console
    assert "beat exited (1); starting it again in 0.3 s." in console
    assert console.count("beat started again.") >= 2
    assert _by_name(supervisor)["web"].alive


def test_a_worker_that_keeps_dying_as_it_starts_stops_everything(supervisor, capsys):
    supervisor.restarts["worker"] = run_embedded.Restarts(limit=3, delays=(0.05,))
    _children(supervisor, web=SERVES, worker=DIES, beat=SERVES)
    assert _supervise_for(supervisor, 5.0) == 1
    console = capsys.readouterr().err
    assert console.count("starting it again") == 2
    assert (
        "run_embedded: worker exited (1): 3 exits within 60 s, it is not started again; "
        "stopping the others."
    ) in console
    supervisor.stop()  # what `run` does next
    assert not any(child.alive for child in supervisor.children)


def test_the_web_servers_exit_still_stops_everything(supervisor, capsys):
    _children(supervisor, web=DIES, worker=SERVES, beat=SERVES)
    assert _supervise_for(supervisor, 5.0) == 1
    assert "run_embedded: web exited (1); stopping the others." in capsys.readouterr().err


def test_crashes_far_apart_never_add_up_to_giving_up():
    """Five crashes in a minute give up; a worker that dies once an hour is always restarted,
    after 1 s; the delay grows 1, 2, 4, 8 s while it keeps dying."""
    restarts = run_embedded.Restarts()
    assert [restarts.after_crash(t) for t in (0, 10, 20, 30)] == [1, 2, 4, 8]
    assert restarts.after_crash(40) is None

    hourly = run_embedded.Restarts()
    assert [hourly.after_crash(hour * 3600.0) for hour in range(10)] == [1] * 10

    # Four quick crashes, then a quiet minute: the count starts again.
    spaced = run_embedded.Restarts()
    assert [spaced.after_crash(t) for t in (0, 1, 2, 3)] == [1, 2, 4, 8]
    assert spaced.after_crash(70) == 1
