"""`make run`'s supervisor: the web server, a Celery worker and Celery beat, stopped together.

    python scripts/run_embedded.py [--host 127.0.0.1] [--port 8000] [--grace 3]

The web server starts first; worker and beat start as soon as it answers (on a busy machine
the first page comes sooner; tasks published meanwhile wait in the broker), and the console
shows the site's URL and the demo logins.

A worker or beat that dies (a crash, an error Celery cannot recover from) is started again
after 1 s, then 2, 4 and 8 s if it dies again, and the console says so: the site stays up. At
its fifth exit within a minute it dies as it starts; it is not started again and everything
stops (exit status 1). The web server's exit stops everything at once.

Each child runs in a session of its own, so a signal sent to the terminal's process group
(Ctrl-C, a closed terminal, a process manager's SIGTERM) reaches only this supervisor, which
then stops the children: SIGTERM to the web server and beat, SIGTERM to the worker's main
process (a warm shutdown: it finishes its task and stops its pool). Whatever still runs after
`--grace` seconds is killed with its whole process group, pool processes included, so nothing
outlives `make run` (an idle Celery worker on the filesystem broker needs 5-7 s for a warm
shutdown: it polls the broker and joins its pool threads one by one). The tasks are idempotent
and the database decides what is done, so a task cut short is done by the next sweep. A
second Ctrl-C kills at once. If this supervisor itself is killed with SIGKILL, the kernel
sends each child SIGTERM (Linux's parent-death signal).

When run as root (a container, a throwaway VM) the worker's "superuser privileges" warning is
silenced for this local run only, and the console says so: the production image runs the
worker as an unprivileged user (Dockerfile), where the warning would matter.

Standard library only: it starts before anything Django or Celery is imported.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
ROOT_WARNING = "You're running the worker with superuser privileges"
PR_SET_PDEATHSIG = 1
RULE = "─" * 72
# Worker and beat start when the web answers, or after this many seconds whatever it does.
CELERY_AT_THE_LATEST = 30.0


def _say(line: str) -> None:
    print(f"run_embedded: {line}", file=sys.stderr, flush=True)


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the supervisor dies (Linux only)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Child:
    def __init__(self, name: str, args: list[str], env: dict[str, str]) -> None:
        self.name, self.args, self.env = name, args, env
        self.proc = subprocess.Popen(
            args,
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: killpg reaches its children
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def again(self) -> Child:
        """The same command started anew."""
        return Child(self.name, self.args, self.env)

    def signal(self, signum: int, *, group: bool = True) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if group:
                os.killpg(self.proc.pid, signum)
            elif self.alive:
                self.proc.send_signal(signum)


class Restarts:
    """When a crashed child is started again: after 1, 2, 4, then 8 s; None (give up) at its
    `limit`-th crash within `window` seconds - it crashes as it starts, and restarting it
    again would only fill the console."""

    def __init__(
        self, *, limit: int = 5, window: float = 60.0, delays: tuple[float, ...] = (1, 2, 4, 8)
    ) -> None:
        self.limit, self.window, self.delays = limit, window, delays
        self.crashes: list[float] = []  # monotonic times of the crashes within the window

    def after_crash(self, now: float) -> float | None:
        """Seconds to wait before starting the child again, or None to give up."""
        self.crashes = [t for t in self.crashes if now - t < self.window] + [now]
        if len(self.crashes) >= self.limit:
            return None
        return self.delays[min(len(self.crashes), len(self.delays)) - 1]


class Supervisor:
    def __init__(self, host: str, port: int, grace: float) -> None:
        self.host, self.port, self.grace = host, port, grace
        self.children: list[Child] = []
        self.stop_requested = 0  # how many stop signals arrived
        # Worker and beat are started again when they die. The web's exit stops everything, as
        # before: runserver exits on what a restart would not mend (its port, its settings).
        self.restarts = {"worker": Restarts(), "beat": Restarts()}
        self.restart_at: dict[str, float] = {}  # a dead child's name -> when to start it

    def _on_signal(self, signum, _frame) -> None:
        self.stop_requested += 1
        if self.stop_requested > 1:  # a second Ctrl-C: no more patience
            for child in self.children:
                child.signal(signal.SIGKILL)

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        if not env.get("SITE_URL"):
            env["SITE_URL"] = f"http://{self.host}:{self.port}"
        # Per-task log lines of worker and beat only at WARNING: the emails stand out.
        env.setdefault("TASK_LOG_LEVEL", "WARNING")
        env.setdefault("PYTHONUNBUFFERED", "1")
        return env

    def start_web(self) -> None:
        python = sys.executable
        address = f"{self.host}:{self.port}"
        self.children.append(
            Child("web", [python, "manage.py", "runserver", address], self.environment())
        )

    def start_celery(self) -> None:
        """Worker and beat, once the web answers: on a busy machine the first page comes
        sooner, and nothing is lost meanwhile (tasks wait in the broker)."""
        env = self.environment()
        celery = [sys.executable, "-m", "celery", "-A", "betacowork", "--quiet"]
        worker_env = dict(env)
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            warnings = env.get("PYTHONWARNINGS", "")
            worker_env["PYTHONWARNINGS"] = ",".join(
                w for w in (warnings, f"ignore:{ROOT_WARNING}") if w
            )
        worker = [
            *celery,
            "worker",
            "-Q",
            "default,mail",
            "--prefetch-multiplier",
            "1",
            "--concurrency",
            "2",
            "--loglevel",
            "INFO",
            "-n",
            f"worker-{self.port}@%h",
        ]
        self.children.append(Child("worker", worker, worker_env))
        self.children.append(Child("beat", [*celery, "beat", "--loglevel", "INFO"], env))

    def port_taken(self) -> str | None:
        """Why the web server could not listen on (host, port), or None if it can. Checked
        before anything starts: runserver would fail only after its system checks, while
        whatever holds the port answered `web_answers` - so a second worker and beat started
        and the banner announced a site that was not this one."""
        try:
            infos = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)
        except OSError as exc:
            return f"cannot use host {self.host!r} ({exc.strerror or exc})"
        family, kind, proto, _name, address = infos[0]
        with socket.socket(family, kind, proto) as probe:
            # As runserver binds: a port in TIME_WAIT after the previous run is free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                return exc.strerror or str(exc)
        return None

    def web_answers(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection((self.host, self.port), 0.5):
            return True
        return False

    def banner(self) -> None:
        url = f"http://{self.host}:{self.port}"
        lines = [
            RULE,
            f"  Betacowork is running: {url}",
            "  Demo logins, password betacowork-demo:",
            "    staff@betacowork.test    staff: everything, /admin/ and /budget/",
            "    katia@betacowork.test    a member",
            "    norman@betacowork.test   organiser of BetaGroup Charleroi (/organise/)",
            "  Every email the site sends is printed here, framed: ── email to …",
            f"  Ctrl-C stops web, worker and beat (within {self.grace:g} s).",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            lines.append(
                "  Running as root: Celery's warning about a superuser worker is silenced for"
            )
            lines.append("  this local run (the production image runs it as a non-root user).")
        lines.append(RULE)
        print("\n".join(lines), flush=True)

    def supervise(self, now: float) -> int | None:
        """Start again a worker or beat that died, after its delay; 1 (stop everything) when
        the web died, or when one of them keeps crashing."""
        for index, child in enumerate(self.children):
            if child.alive:
                continue
            if child.name in self.restart_at:
                if now >= self.restart_at[child.name]:
                    del self.restart_at[child.name]
                    self.children[index] = child.again()
                    _say(f"{child.name} started again.")
                continue
            code = child.proc.returncode
            restarts = self.restarts.get(child.name)
            if restarts is None:
                _say(f"{child.name} exited ({code}); stopping the others.")
                return 1
            child.signal(signal.SIGKILL)  # its pool processes, if any outlived it
            delay = restarts.after_crash(now)
            if delay is None:
                _say(
                    f"{child.name} exited ({code}): {restarts.limit} exits within "
                    f"{restarts.window:g} s, it is not started again; stopping the others."
                )
                return 1
            _say(f"{child.name} exited ({code}); starting it again in {delay:g} s.")
            self.restart_at[child.name] = now + delay
        return None

    def watch(self) -> int:
        """Until a stop signal, the web's death or a child that keeps crashing; returns the
        exit status for `make`."""
        started, celery_started, announced = time.monotonic(), False, False
        while not self.stop_requested:
            status = self.supervise(time.monotonic())
            if status is not None:
                return status
            answers = not announced and self.web_answers()
            if not celery_started and (
                answers or time.monotonic() - started > CELERY_AT_THE_LATEST
            ):
                self.start_celery()
                celery_started = True
            if answers:
                self.banner()
                announced = True
            time.sleep(0.1)
        return 0

    def stop(self) -> None:
        for child in self.children:
            # The worker's main process only: a warm shutdown stops its pool itself.
            child.signal(signal.SIGTERM, group=child.name != "worker")
        deadline = time.monotonic() + self.grace
        while time.monotonic() < deadline and any(c.alive for c in self.children):
            time.sleep(0.05)
        for child in self.children:
            if child.alive:
                print(
                    f"run_embedded: {child.name} still stopping after {self.grace:g} s: killed "
                    "(a task cut short is run again: the sweeps find it in the database).",
                    file=sys.stderr,
                    flush=True,
                )
            # Always: a group may hold orphans (pool processes) after its leader is gone.
            child.signal(signal.SIGKILL)
        for child in self.children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.proc.wait(timeout=5)

    def run(self) -> int:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
            signal.signal(signum, self._on_signal)
        taken = self.port_taken()
        if taken is not None:
            print(
                f"run_embedded: port {self.port} on {self.host} cannot be used ({taken}); "
                "is another `make run` running? Stop it, or choose another port: "
                f"make run PORT={self.port + 1}",
                file=sys.stderr,
                flush=True,
            )
            return 1
        try:
            self.start_web()
            status = self.watch()
        finally:
            self.stop()
        if self.stop_requested:
            print("run_embedded: web, worker and beat stopped.", flush=True)
        return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--grace", type=float, default=3.0, help="seconds before what still runs is killed"
    )
    args = parser.parse_args(argv)
    return Supervisor(args.host, args.port, args.grace).run()


if __name__ == "__main__":
    sys.exit(main())
