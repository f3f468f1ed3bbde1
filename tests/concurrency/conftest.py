"""Races a real user can cause — a double click, two tabs, two organisers at once, a deletion
meeting an answer — against a real PostgreSQL server: each thread has its own connection and
transaction, as two web requests would, and a barrier releases them together.

Every module here sets `pytestmark = PG_RACE`: marked `postgres` (skipped, with "needs
PostgreSQL", on SQLite, where writers are serialised anyway) and run with `transaction=True`:
the threads must see what the test committed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client

# Every module here starts with this (tests/conftest.py skips `postgres` tests on SQLite).
PG_RACE = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def together(*calls: Callable) -> tuple[list, list[BaseException]]:
    """Run each call in its own thread (its own connection), released at the same moment
    once every thread is connected; (results in the order of `calls`, errors raised)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list[BaseException] = []

    def run(i: int, call: Callable) -> None:
        try:
            connection.ensure_connection()  # connect first: the barrier releases queries only
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as exc:  # collected, asserted on by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a thread is stuck (a lock never released?)"
    return results, errors


def logged_in(user) -> Client:
    """A client with its own session (committed before the threads start)."""
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, url: str, data: dict | None = None) -> int:
    return client.post(url, data or {}).status_code
