"""Real processes for benchmarks and the delivery tests: Celery workers and beat as
subprocesses, and an SMTP sink (aiosmtpd) that counts what it accepted, per recipient.

Used by bench/reminders.py and tests/messaging/conftest.py (tests may import the benchmark
helpers; benchmarks never import from tests/).

Workers connect to the database the test runs on (pytest-django's test database: its NAME is
taken from the live connection) and to the test's broker; they send mail to the sink over
real SMTP. Every process is started in its own session and killed at the end (`stop_all`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from email import message_from_bytes
from pathlib import Path

from aiosmtpd.controller import Controller

BASE_DIR = Path(__file__).resolve().parents[1]


# SMTP sink ---------------------------------------------------------------------------------


class SinkHandler:
    def __init__(
        self,
        *,
        delay: float = 0.0,
        refuse: list[str] | None = None,
        stall_on: int | None = None,
        stall_seconds: float = 0.0,
        pipelining: bool = True,
    ):
        self.delay = delay
        # Offer PIPELINING (RFC 2920) in the EHLO reply, as production servers do (Postfix,
        # Exim, Amazon SES, Gmail): aiosmtpd reads each command from a buffered stream and
        # answers in order, so a group of commands written at once is served as RFC 2920
        # asks; it only does not say so. False: the EHLO reply aiosmtpd writes by itself.
        self.pipelining = pipelining
        # Hold the `stall_on`-th DATA (1-based) this long before answering: a test kills the
        # sender while it waits for our reply, deterministically.
        self.stall_on, self.stall_seconds = stall_on, stall_seconds
        self.refuse = list(refuse or [])  # replies for the first DATA commands, e.g. "451 …"
        self.lock = threading.Lock()
        self.messages: list = []
        self.data_started = threading.Event()
        self.data_commands = 0
        self.dropped = 0  # messages whose client vanished before our 250: not accepted
        # `SmtpSink.wait_for()` blocks on `reached` (set here when `target` messages are in)
        # instead of polling: a poll takes the GIL from the sink's thread 50 times a second.
        self.target: int | None = None
        self.reached = threading.Event()
        self.first_at: float | None = None  # time.monotonic() of the first accepted message

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname  # what aiosmtpd does when no hook answers EHLO
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")  # before the last line, "250 HELP"
        return responses

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.data_commands += 1
            number = self.data_commands
            reply = self.refuse.pop(0) if self.refuse else None
        delay = self.stall_seconds if number == self.stall_on else self.delay
        self.data_started.set()
        if delay:
            try:
                await asyncio.sleep(delay)
            except asyncio.CancelledError:
                # aiosmtpd cancels the handler when the client's connection drops.
                with self.lock:
                    self.dropped += 1
                raise
        if reply:
            return reply
        reader = getattr(server, "_reader", None)
        if (
            server.transport is None
            or server.transport.is_closing()
            or (reader is not None and reader.at_eof())
        ):
            # Like a real MTA: the client is gone before we said 250, so the message is
            # not accepted (it stays the sender's responsibility).
            with self.lock:
                self.dropped += 1
            return "421 4.4.2 Connection lost"
        with self.lock:
            # Parsed lazily (`messages`): the sink must keep up with the sender.
            self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
            if self.first_at is None:
                self.first_at = time.monotonic()
            if self.target is not None and len(self.messages) >= self.target:
                self.reached.set()
        return "250 OK"


class SmtpSink:
    """A local SMTP server; `counts()` tells how many messages each address got.

    With `rtt_ms`, clients reach it on `port` through a proxy that holds every chunk half of
    that each way (bench/latency_proxy.py), as if the server were that far away; the sink
    itself listens on `port + 1`."""

    def __init__(self, port: int, *, rtt_ms: float = 0.0, **handler_options):
        self.port = port
        self.rtt_ms = rtt_ms
        self.proxy: subprocess.Popen | None = None
        self.handler = SinkHandler(**handler_options)
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=port + 1 if rtt_ms else port, ready_timeout=10
        )

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        if self.rtt_ms:
            self.proxy = subprocess.Popen(
                [
                    sys.executable,
                    str(BASE_DIR / "bench" / "latency_proxy.py"),
                    str(self.port),
                    str(self.port + 1),
                    str(self.rtt_ms / 2),
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            self.proxy.stdout.readline()  # "ready"
        return self

    def __exit__(self, *exc) -> None:
        if self.proxy is not None:
            self.proxy.terminate()
            self.proxy.wait(10)
        self.controller.stop()

    @property
    def messages(self) -> list:
        """(recipients, parsed message) for every accepted message."""
        with self.handler.lock:
            raw = list(self.handler.messages)
        return [(rcpts, message_from_bytes(content)) for rcpts, content in raw]

    @property
    def accepted(self) -> int:
        with self.handler.lock:
            return len(self.handler.messages)

    def counts(self, header: str | None = None) -> Counter:
        """Messages per recipient (or per value of `header`, e.g. X-Betacowork-Message)."""
        counter: Counter = Counter()
        for rcpts, msg in self.messages:
            if header:
                counter[msg[header]] += 1
            else:
                for rcpt in rcpts:
                    counter[rcpt.lower()] += 1
        return counter

    def wait_for(self, n: int, timeout: float) -> bool:
        """Block (without polling) until `n` messages are accepted, or `timeout` seconds."""
        with self.handler.lock:
            self.handler.target = n
            self.handler.reached.clear()
            if len(self.handler.messages) >= n:
                return True
        return self.handler.reached.wait(timeout) or self.accepted >= n


# Celery processes --------------------------------------------------------------------------


def database_url() -> str:
    """The URL of the database this process uses now (the test database under pytest)."""
    from django.db import connection

    s = connection.settings_dict
    auth = s["USER"] or "postgres"
    if s.get("PASSWORD"):
        auth += f":{s['PASSWORD']}"
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def process_env(*, smtp_port: int | None = None, **extra: str) -> dict:
    from django.conf import settings

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "DJANGO_SETTINGS_MODULE"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="betacowork.settings",
        ENV_FILE="",
        DEBUG="1",
        DATABASE_URL=database_url(),
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        CONN_MAX_AGE="0",
        LOG_LEVEL="INFO",
        PYTHONPATH=str(BASE_DIR),
    )
    if smtp_port:
        env["EMAIL_URL"] = f"smtp://127.0.0.1:{smtp_port}"
        env["EMAIL_TIMEOUT"] = "5"
    env.update({k: str(v) for k, v in extra.items()})
    return env


class CeleryProcess:
    def __init__(self, args: list[str], env: dict, name: str):
        self.name = name
        self.log = Path(tempfile.mkstemp(prefix=f"celery-{name}-", suffix=".log")[1])
        self._log_file = self.log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "betacowork", *args],
            cwd=BASE_DIR,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killpg reaches its children
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_log(self, text: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.output()[-3000:]}")
            time.sleep(0.1)
        raise TimeoutError(f"{self.name}: no {text!r} after {timeout}s:\n{self.output()[-3000:]}")

    def children(self) -> list[int]:
        """Pids of the worker's pool processes (the prefork children)."""
        path = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        with contextlib.suppress(OSError):
            return [int(p) for p in path.read_text().split()]
        return []

    def kill_all(self) -> None:
        """SIGKILL the main process and its children at once (a crashed or OOM-killed host)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=8)
        self.kill_all()  # whatever is left in the group (orphaned children)
        self._log_file.close()


class Processes:
    """Start workers and beat; `stop_all()` (in a finally) ends every one of them."""

    def __init__(self, *, smtp_port: int | None = None, **env_extra: str):
        self.env = process_env(smtp_port=smtp_port, **env_extra)
        self.started: list[CeleryProcess] = []

    def worker(
        self, name: str, *, concurrency: int = 1, queues: str = "default,mail", ready=True
    ) -> CeleryProcess:
        proc = CeleryProcess(
            [
                "worker",
                "-Q",
                queues,
                "-n",
                f"{name}@%h",
                "-c",
                str(concurrency),
                "-P",
                "prefork",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel",
                "INFO",
            ],
            self.env,
            name,
        )
        self.started.append(proc)
        if ready:
            proc.wait_for_log(" ready.")
        return proc

    def beat(self, name: str = "beat") -> CeleryProcess:
        schedule = tempfile.mkdtemp(prefix="celerybeat-")
        proc = CeleryProcess(
            ["beat", "-s", f"{schedule}/schedule", "--loglevel", "INFO"], self.env, name
        )
        self.started.append(proc)
        proc.wait_for_log("beat: Starting")
        return proc

    def stop_all(self) -> None:
        for proc in reversed(self.started):
            proc.stop()


def purge_queues(*names: str) -> None:
    """Drop messages other tests left in our queues (the broker is shared)."""
    from betacowork.celery import app

    with app.connection_for_write() as conn:
        channel = conn.default_channel
        for name in names or ("default", "mail"):
            with contextlib.suppress(Exception):
                channel.queue_purge(name)
