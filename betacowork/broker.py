"""The embedded broker: kombu's filesystem transport, safe to share between processes.

kombu's transport (kombu/transport/filesystem.py) creates a message's file in the queue folder
and only then locks and writes it, while a consumer takes any file it lists without a lock:
a worker polling 10 times a second took a file that was still empty, `loads` raised
JSONDecodeError, and Celery stopped the worker ("Unrecoverable error") - and `make run` the
site with it. Here:

* a message is written under a name no consumer looks for (a dot file in the same folder),
  then renamed into place: a consumer sees it whole or not at all;
* a consumer reads a message where it lies and takes it (removes it) only once it has read it
  whole. A file it cannot read (one still being written by another writer, one cut short)
  stays where it is for a later poll; still unreadable a minute after it was last written, it
  is moved to the broken folder with a warning. It never stops the worker;
* an exchange table (the control folder) is created without emptying one being written, and
  read as empty while it is being created.

`CELERY_BROKER_TRANSPORT` names `FilesystemTransport` when the broker URL is filesystem://
(betacowork/settings/services.py); the transport options are kombu's, plus `broken_folder`
and `unreadable_seconds`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
import uuid
from pathlib import Path
from queue import Empty

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.transport.filesystem import LOCK_EX, exchange_queue_t, lock, unlock
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

logger = logging.getLogger(__name__)

# A message file still unreadable this long after it was last written is moved aside.
UNREADABLE_SECONDS = 60.0


def _decoded(body: bytes):
    """The JSON in `body`, or None if it is not a whole JSON object (empty, cut short...)."""
    try:
        value = loads(bytes_to_str(body))
    except (ValueError, TypeError, KeyError):
        return None
    return value if isinstance(value, dict) else None


class FilesystemChannel(filesystem.Channel):
    """kombu's filesystem channel with atomic writes and reads that never raise on a file."""

    def __init__(self, *args, **kwargs):
        self._unmovable: set[str] = set()  # unreadable files already warned about
        super().__init__(*args, **kwargs)

    def _put(self, queue, payload, **kwargs):
        """Put `payload` onto `queue`: written aside, then renamed into the queue's glob."""
        # kombu's name: the milliseconds order the queue, the uuid makes it unique.
        name = f"{round(time.monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        folder = self.data_folder_out
        final, partial = os.path.join(folder, name), os.path.join(folder, f".{name}.part")
        try:
            with open(partial, "xb") as file:
                file.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.remove(partial)
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc

    def _get(self, queue):
        """The oldest readable message of `queue`; Empty if there is none."""
        wanted = f"{queue}.msg"
        folder = self.data_folder_in
        for name in sorted(os.listdir(folder)):
            if name.partition(".")[2] != wanted:
                continue
            path = os.path.join(folder, name)
            try:
                with open(path, "rb") as file:
                    body = file.read()
            except FileNotFoundError:
                continue  # another consumer took it
            except (PermissionError, IsADirectoryError):
                body = b""  # not a message this process can read: as an empty file
            except OSError as exc:
                raise ChannelError(f"Cannot read file {path!r} from queue.") from exc
            message = _decoded(body)
            if message is None:
                self._unreadable(path, name)
                continue
            # Taken by whoever removes it: of two consumers that read it, one only delivers it.
            try:
                os.remove(path)
            except FileNotFoundError:
                continue
            if self.store_processed:
                with contextlib.suppress(OSError):
                    Path(self.processed_folder, name).write_bytes(body)
            return message
        raise Empty()

    def _unreadable(self, path: str, name: str) -> None:
        """Leave the file for a later poll, or move it aside once it has been unreadable for
        `unreadable_seconds` since it was last written."""
        try:
            age = time.time() - os.stat(path).st_mtime
        except OSError:
            return
        if age < self.unreadable_seconds:
            return  # still being written, perhaps: left for a later poll
        broken = Path(self.broken_folder)
        try:
            broken.mkdir(parents=True, exist_ok=True)
            os.replace(path, broken / name)
        except FileNotFoundError:
            return
        except OSError as exc:
            if name not in self._unmovable:  # once: it is retried on every poll
                self._unmovable.add(name)
                logger.warning(
                    "Broker: message file %s has been unreadable for %d s and cannot be moved "
                    "to %s (%s); it is skipped.",
                    path,
                    age,
                    broken,
                    exc,
                )
            return
        logger.warning(
            "Broker: message file %s has been unreadable for %d s (empty or cut short); "
            "moved to %s. Its task did not run (the periodic sweeps catch up what the "
            "database still holds as due).",
            path,
            age,
            broken,
        )

    def get_table(self, exchange):
        try:
            return super().get_table(exchange)
        except ValueError:
            # kombu's writer empties the table before it locks it: being written, empty for now.
            return []

    def _delete(self, *args, **kwargs):
        with contextlib.suppress(ValueError):  # a table being created: the queue is not in it
            super()._delete(*args, **kwargs)

    def _queue_bind(self, exchange, routing_key, pattern, queue):
        """Add the binding to the exchange's table, under the table's lock; created if it does
        not exist, never emptied before the lock is held (kombu opened it with "wb")."""
        path = self._exchange_file(exchange)
        entry = exchange_queue_t(routing_key or "", pattern or "", queue or "")
        try:
            self.control_folder.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise ChannelError(f"Cannot open {path}") from exc
        with open(descriptor, "rb+", buffering=0) as file:
            lock(file, LOCK_EX)
            try:
                body = file.read()
                try:
                    table = [exchange_queue_t(*q) for q in loads(bytes_to_str(body))]
                except (ValueError, TypeError):
                    table = []  # just created, or damaged: rebuilt from the bindings to come
                if entry not in table:
                    table.insert(0, entry)
                    file.seek(0)
                    file.write(str_to_bytes(dumps(table)))
                    file.truncate()
            finally:
                unlock(file)

    @property
    def broken_folder(self) -> str:
        return self.transport_options.get("broken_folder") or os.path.join(
            self.data_folder_in, "broken"
        )

    @property
    def unreadable_seconds(self) -> float:
        return float(self.transport_options.get("unreadable_seconds", UNREADABLE_SECONDS))


class FilesystemTransport(filesystem.Transport):
    Channel = FilesystemChannel
