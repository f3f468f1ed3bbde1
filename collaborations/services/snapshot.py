"""The dashboard's stored snapshot: its figures section rendered once per audience and
language and kept in `DashboardSnapshot` until the generation moves.

Why it is correct without a lock: a request reads the generation *before* it reads the
tallies it draws, and `dashboard_invalidate` adds one to the generation *after* the change
commits. A snapshot is labelled with the generation read first, so whatever the interleaving
it never shows less than its label promises: a change that commits while a snapshot is being
drawn either is in it or moves the generation past it (then it is drawn again). Writing a
snapshot never replaces one of a later generation. The bump is a one-row upsert in its own
short transaction, after commit, so it cannot deadlock with the services' row locks; if a
process died between a commit and its bump, `SNAPSHOT_MAX_AGE` bounds how long the older
figures could be shown.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from ..models import DashboardGeneration, DashboardSnapshot
from ..selectors.dashboard import DASHBOARD_VERSION_KEY, dashboard_rendering

logger = logging.getLogger(__name__)

SNAPSHOT_MAX_AGE = timedelta(hours=1)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def dashboard_generation_bump() -> None:
    """Add one to the dashboard's generation (the row is created on first use)."""
    table = _table(DashboardGeneration)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (id, n) VALUES (1, 1) "  # noqa: S608
            f"ON CONFLICT (id) DO UPDATE SET n = {table}.n + 1"
        )


class _Bump:
    """The after-commit step of `dashboard_invalidate`. The steps one transaction registers
    share a `done` flag, so its commit bumps once however many changes it made."""

    def __init__(self, done: list[bool]) -> None:
        self.done = done

    def __call__(self) -> None:
        if self.done[0]:
            return
        self.done[0] = True
        try:
            cache.incr(DASHBOARD_VERSION_KEY)
        except ValueError:
            cache.set(DASHBOARD_VERSION_KEY, 2, None)
        try:
            dashboard_generation_bump()
            # Stale now: dropped rather than kept until the next visit, so a name just
            # hidden or deleted does not linger in a drawing nobody will be shown.
            DashboardSnapshot.objects.all().delete()
        except DatabaseError:
            # The change itself is committed; SNAPSHOT_MAX_AGE bounds what this leaves stale.
            logger.warning("dashboard generation not bumped", exc_info=True)


def dashboard_invalidate() -> None:
    """The dashboard's cached pages and stored snapshots are stale once the transaction
    commits: one bump after the commit, however many changes the transaction made (a rolled
    back savepoint takes its steps with it; the others still bump)."""
    conn = transaction.get_connection()
    done = [False]
    if conn.in_atomic_block:
        for entry in conn.run_on_commit:
            if isinstance(entry[1], _Bump) and not entry[1].done[0]:
                done = entry[1].done
                break
    transaction.on_commit(_Bump(done))


def dashboard_snapshot_store(*, audience: str, language: str, generation: int, html: str) -> None:
    """Keep `html`, drawn from what `generation` showed, unless a later one is already kept.

    Called while serving a GET: if the database refuses the write (SQLite busy, a read-only
    replica), the page is served all the same and the next request draws it again."""
    table = _table(DashboardSnapshot)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} "  # noqa: S608
                "(audience, language, generation, rendering, html, built_at) "
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (audience, language) DO UPDATE SET "
                "generation = excluded.generation, rendering = excluded.rendering, "
                "html = excluded.html, built_at = excluded.built_at "
                f"WHERE {table}.generation <= excluded.generation",
                [audience, language, generation, dashboard_rendering(), html, timezone.now()],
            )
    except DatabaseError:
        logger.warning("dashboard snapshot not stored", exc_info=True)
