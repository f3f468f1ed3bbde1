"""The embedded broker (betacowork/broker.py): a message file a worker cannot read yet does not
stop the worker, and a message is never seen half-written.

QA, on `make run`: right after a POST that queued an email the worker stopped with
"Unrecoverable error: JSONDecodeError('Expecting value: line 1 column 1 (char 0)')" from
kombu's filesystem transport, which creates a message's file before it writes it; the
supervisor then stopped the whole site. `: > var/broker/queue/1_x.mail.msg` did the same.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from queue import Empty

import pytest
from celery import Celery
from kombu import Connection

from betacowork.broker import FilesystemTransport
from tests.project.test_run_embedded import BASE_DIR, _environment

TRANSPORT = "betacowork.broker:FilesystemTransport"


def _options(folder: Path) -> dict:
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "broken_folder": str(folder / "broken"),
        "store_processed": False,
    }


@pytest.fixture
def broker(tmp_path):
    """A connection to a filesystem broker of its own, through our transport."""
    # kombu keeps the bindings it declared per process, whatever the folder (one per process
    # outside tests): forgotten, so each folder here gets its own exchange tables.
    FilesystemTransport.global_state.clear()
    (tmp_path / "queue").mkdir()
    (tmp_path / "processed").mkdir()
    with Connection(
        "filesystem://", transport=TRANSPORT, transport_options=_options(tmp_path)
    ) as c:
        yield c
    FilesystemTransport.global_state.clear()


def _message_bytes(tmp_path: Path, body: dict) -> bytes:
    """The bytes of a whole message file for the queue "mail", as a producer writes it."""
    aside = tmp_path / "aside"
    (aside / "queue").mkdir(parents=True)
    with Connection("filesystem://", transport=TRANSPORT, transport_options=_options(aside)) as c:
        # To the queue by name (the default exchange): no binding, no table to share.
        c.Producer().publish(body, exchange="", routing_key="mail")
    (written,) = (aside / "queue").glob("*.mail.msg")
    return written.read_bytes()


def test_an_empty_message_file_is_left_for_a_later_poll_and_delivered_once_whole(broker, tmp_path):
    queue = broker.SimpleQueue("mail")
    message_file = tmp_path / "queue" / "1_x.mail.msg"
    message_file.touch()  # created, not yet written: what a worker could take from kombu

    with pytest.raises(Empty):  # kombu's own raised JSONDecodeError: the worker stopped
        queue.get(block=False)
    assert message_file.exists()  # left in place, not lost

    message_file.write_bytes(_message_bytes(tmp_path, {"to": "katia@betacowork.test"}))
    message = queue.get(block=False)
    assert message.payload == {"to": "katia@betacowork.test"}
    message.ack()
    assert not message_file.exists()
    with pytest.raises(Empty):  # delivered once
        queue.get(block=False)


def test_a_message_cut_short_waits_and_those_behind_it_are_delivered(broker, tmp_path):
    queue = broker.SimpleQueue("mail")
    whole = _message_bytes(tmp_path, {"n": 1})
    first = tmp_path / "queue" / "1_x.mail.msg"  # sorts before what the producer writes
    first.write_bytes(whole[: len(whole) // 2])
    queue.put({"n": 2})

    message = queue.get(block=False)
    assert message.payload == {"n": 2}
    message.ack()
    assert first.exists()


def test_a_file_still_unreadable_a_minute_after_it_was_written_is_moved_aside(
    broker, tmp_path, caplog
):
    queue = broker.SimpleQueue("mail")
    fresh = tmp_path / "queue" / "1_fresh.mail.msg"
    stale = tmp_path / "queue" / "2_stale.mail.msg"
    fresh.write_bytes(b"")
    stale.write_bytes(b'{"body": "cut sh')
    long_ago = time.time() - 61
    os.utime(stale, (long_ago, long_ago))
    fresh_enough = time.time() - 50
    os.utime(fresh, (fresh_enough, fresh_enough))

    with caplog.at_level(logging.WARNING, logger="betacowork.broker"), pytest.raises(Empty):
        queue.get(block=False)

    assert fresh.exists()  # may still be being written: left for later
    assert not stale.exists()
    assert (tmp_path / "broken" / "2_stale.mail.msg").read_bytes() == b'{"body": "cut sh'
    (warning,) = [r for r in caplog.records if r.name == "betacowork.broker"]
    assert warning.levelno == logging.WARNING
    assert "2_stale.mail.msg" in warning.getMessage()
    assert str(tmp_path / "broken") in warning.getMessage()


def test_a_message_being_written_is_never_seen_half_written(broker, tmp_path):
    """kombu created the file, then wrote it: a consumer listing the folder meanwhile read
    an empty or partial file. A reader polling as fast as it can sees only whole messages."""
    folder = tmp_path / "queue"
    queue = broker.SimpleQueue("mail")
    big = "x" * (4 * 1024 * 1024)  # each write takes a few milliseconds
    done = threading.Event()
    seen, torn = set(), []

    def publish() -> None:
        try:
            with Connection(
                "filesystem://", transport=TRANSPORT, transport_options=_options(tmp_path)
            ) as producer:
                for n in range(15):
                    producer.Producer().publish(
                        {"n": n, "big": big}, exchange="", routing_key="mail"
                    )
        finally:
            done.set()

    writer = threading.Thread(target=publish)
    writer.start()
    while not done.is_set():
        for name in os.listdir(folder):
            if not name.endswith(".mail.msg") or name in seen:
                continue
            body = (folder / name).read_bytes()
            try:
                json.loads(body)
            except ValueError:
                torn.append((name, len(body)))
            else:
                seen.add(name)
    writer.join()

    assert torn == []
    received = []
    for _ in range(15):
        message = queue.get(block=False)
        received.append(message.payload["n"])
        message.ack()
    assert received == list(range(15))


def test_an_exchange_table_being_created_neither_stops_a_publisher_nor_a_binding(broker, tmp_path):
    """kombu's writer creates an exchange's table empty, then locks and fills it: read
    meanwhile it raised JSONDecodeError too."""
    control = tmp_path / "control"
    control.mkdir()
    (control / "broadcast.exchange").touch()
    channel = broker.default_channel
    assert channel.get_table("broadcast") == []
    channel._queue_bind("broadcast", "", "", "q1")
    channel._queue_bind("broadcast", "", "", "q2")
    assert [q.queue for q in channel.get_table("broadcast")] == ["q2", "q1"]


def test_the_project_publishes_and_consumes_through_it(tmp_path):
    """The embedded default's settings (no broker variable, as `make run`) connect through
    this transport: asked of a fresh process, so it runs whatever broker the suite uses."""
    script = (
        "import django; django.setup(); "
        "from django.conf import settings; from betacowork.celery import app; "
        "connection = app.connection_for_write(); "
        "print(settings.CELERY_BROKER_TRANSPORT, type(connection.transport).__module__, "
        "type(connection.transport).__name__)"
    )
    env = {**_environment(tmp_path), "DJANGO_SETTINGS_MODULE": "betacowork.settings"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert done.stdout.split() == [TRANSPORT, "betacowork.broker", "FilesystemTransport"]


@pytest.mark.timeout(120)
def test_a_real_worker_survives_an_empty_message_file_and_runs_it_once_whole(tmp_path):
    """As QA did on `make run`: `: > var/broker/queue/1_x.mail.msg` stopped the worker
    within seconds. Now it keeps polling, and runs the message once it is whole."""
    env = _environment(tmp_path)
    broker_dir = tmp_path / "broker"
    for sub in ("queue", "processed", "control"):
        (broker_dir / sub).mkdir(parents=True)
    log_path = tmp_path / "worker.log"
    celery = [sys.executable, "-m", "celery", "-A", "betacowork", "worker", "-Q", "mail"]
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [*celery, "--pool", "solo", "--loglevel", "INFO", "-n", f"broker-{os.getpid()}@%h"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def output() -> str:
        return log_path.read_text(errors="replace")

    def wait(predicate, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not predicate():
            time.sleep(0.2)
        return predicate()

    # A message as the web process publishes it, written into a folder of its own.
    aside = tmp_path / "aside"
    for sub in ("queue", "processed", "control"):
        (aside / sub).mkdir(parents=True)
    FilesystemTransport.global_state.clear()  # bindings declared for another folder
    producer = Celery("broker-test", set_as_current=False)
    producer.conf.broker_url = "filesystem://"
    producer.conf.broker_transport = TRANSPORT
    producer.conf.broker_transport_options = _options(aside)
    producer.send_task("tests.no_such_task", queue="mail")
    (published,) = (aside / "queue").glob("*.mail.msg")
    FilesystemTransport.global_state.clear()

    try:
        assert wait(lambda: " ready." in output(), timeout=90), output()[-3000:]
        message_file = broker_dir / "queue" / "1_x.mail.msg"
        message_file.touch()
        time.sleep(3)  # 30 polls
        assert worker.poll() is None, output()[-3000:]
        assert message_file.exists()

        message_file.write_bytes(published.read_bytes())
        # Received and refused by name: the worker read it whole (no task of that name).
        assert wait(lambda: "tests.no_such_task" in output(), timeout=20), output()[-3000:]
        assert not message_file.exists()
        assert worker.poll() is None
        assert "Unrecoverable error" not in output()
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
