"""Server-side prepared statements for the hottest read queries (PostgreSQL).

The directory answers every list with one statement (a CTE, a top-N sort, a lateral join for
the cards). PostgreSQL spends almost as long *planning* it as running it: ~0.9 ms of a
3.8 ms search for a common word, every time, since psycopg2 sends each query as text.
`fetchall_prepared()` sends `PREPARE` once per connection and `EXECUTE` after that — what
psycopg 3 does on its own past its `prepare_threshold`.

A prepared statement belongs to the database session, not to a transaction (a rollback keeps
it), so the names prepared are remembered per raw connection: a new connection prepares
again. Needs a real session per connection: behind a transaction-pooling PgBouncer, turn it
off with `PREPARED_STATEMENTS=0`. On other databases it simply executes the query.

`serialise()`, beside them, makes the transactions that check and then write the same thing
take turns.
"""

from __future__ import annotations

import functools
import hashlib
import re

from django.conf import settings
from django.db import DatabaseError, connection

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# Per raw connection: (the connection, the names prepared on it). At most a few hundred
# shapes exist (filters, orders, viewer kinds); past MAX_PER_CONNECTION, plain queries.
_prepared: dict[int, tuple[object, set[str]]] = {}
MAX_PER_CONNECTION = 200


def _names_for(raw) -> set[str]:
    entry = _prepared.get(id(raw))
    if entry is None or entry[0] is not raw:
        for key, (other, _names) in list(_prepared.items()):
            if getattr(other, "closed", True):
                _prepared.pop(key, None)
        entry = _prepared[id(raw)] = (raw, set())
    return entry[1]


@functools.lru_cache(maxsize=512)
def _shape(sql: str) -> tuple[str, str, tuple[str, ...]]:
    """(the statement's name, `sql` with `$n` placeholders, the parameters' names in their
    order): worked out once per statement text (a regex pass and a hash of a few KB, 0.015 ms
    a request for the directory's statements)."""
    order: list[str] = []

    def number(match: re.Match) -> str:
        if match.group(1) not in order:
            order.append(match.group(1))
        return f"${order.index(match.group(1)) + 1}"

    positional = _PLACEHOLDER.sub(number, sql)
    name = "bc_" + hashlib.sha1(positional.encode(), usedforsecurity=False).hexdigest()[:24]
    return name, positional, tuple(order)


def fetchall_prepared(sql: str, params: dict, *, plan: str | None = None) -> list[tuple]:
    """Rows of `sql` (with `%(name)s` placeholders), run as a prepared statement when it can.

    `plan`: "generic" or "custom" to choose how PostgreSQL plans this run (`SET LOCAL
    plan_cache_mode = force_<plan>_plan`, sent with the EXECUTE in one implicit transaction,
    so it ends with it; inside the caller's transaction it would last until that one ends,
    so there the statement runs as by default). By default PostgreSQL plans a prepared
    statement anew for its values five times, then keeps its generic plan if that looks no
    dearer — or plans it anew forever where a value's statistics make the custom plans look
    cheaper (a tsquery parameter: 0.4 ms each time at 10,000 members). "generic": for a
    statement run on every request whose plan does not depend on its values; "custom": for
    one run now and then whose plan does (a filtered count, whose words decide which index
    parts answer it; measured on the unfiltered count before the triggers kept it: its
    generic plan read 100,000 rows where its values let an index answer, 11 -> 15 ms)."""
    with connection.cursor() as cursor:
        execute_prepared(cursor, sql, params, plan=plan)
        return cursor.fetchall()


def execute_prepared(cursor, sql: str, params: dict, *, plan: str | None = None) -> int:
    """Run `sql` on `cursor` (of this thread's connection) as `fetchall_prepared` does, for a
    statement whose rows the caller reads from the cursor, or none (an UPDATE run once a
    message: the outbox's "sent" record); returns the cursor's row count."""
    if connection.vendor != "postgresql" or not getattr(settings, "PREPARED_STATEMENTS", True):
        cursor.execute(sql, params)
        return cursor.rowcount
    name, positional, order = _shape(sql)
    values = [params[key] for key in order]
    execute = f"EXECUTE {name}" + (f"({', '.join(['%s'] * len(values))})" if values else "")
    if plan in ("generic", "custom") and not connection.in_atomic_block:
        execute = f"SET LOCAL plan_cache_mode = force_{plan}_plan; {execute}"
    prepared = _names_for(connection.connection)
    if name not in prepared and len(prepared) >= MAX_PER_CONNECTION:
        cursor.execute(sql, params)
        return cursor.rowcount
    prepare = f"PREPARE {name} AS {positional}; {execute}"  # one round trip, one query
    if name in prepared:
        try:
            cursor.execute(execute, values)
        except DatabaseError as exc:
            # Gone from the session (a pooler's DISCARD ALL, a DEALLOCATE): forget it;
            # outside a transaction, prepare it again at once.
            if getattr(exc.__cause__, "pgcode", None) != "26000":  # invalid_sql_statement_name
                raise
            prepared.discard(name)
            if connection.in_atomic_block:
                raise
            cursor.execute(prepare, values)
            prepared.add(name)
    else:
        # Remembered before it runs: a PREPARE stays even when the EXECUTE after it fails
        # (it belongs to the session), and preparing it twice would be an error.
        prepared.add(name)
        cursor.execute(prepare, values)
    return cursor.rowcount


def serialise(name: str, key: int) -> None:
    """Make the transactions that call this with the same `name` and `key` run their rest one
    after the other, until each ends: for a check-then-write no constraint can express (the
    same note sent from two forms at once). On PostgreSQL a transaction-level advisory lock,
    so no row is locked (an event's registrations, which lock its row, go on); SQLite runs
    one writing transaction at a time already (`BEGIN IMMEDIATE`, settings)."""
    if not connection.in_atomic_block:
        raise RuntimeError("serialise() holds until the transaction ends: call it inside one")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"{name}:{key}"]
            )
