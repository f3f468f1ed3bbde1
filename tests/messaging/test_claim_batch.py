"""A batch task's claim on PostgreSQL: one statement locks, leases and reads the rows
(betacowork/messaging/claim.py `_claim_ids`), and the outbox's pages keep room for the lease
so that it does not touch the indexes (migration messaging 0004). The values a claim reads,
by ids or not, and its one statement: test_sender.py."""

from __future__ import annotations

import json
import re
import secrets
import threading

import psycopg2
import pytest
from django.db import connection
from django.utils import timezone

from betacowork.messaging import claim, records
from betacowork.messaging.claim import outbox_claim
from betacowork.messaging.models import Outbox
from betacowork.messaging.outbox import outbox_write
from betacowork.messaging.rendering import RenderedMessage

from .factories import write

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

TABLE = Outbox._meta.db_table


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def test_a_batch_claim_takes_ids_as_the_orm_would():
    row, _ = write("as-text")
    assert [r.pk for r in outbox_claim(ids=[str(row.pk)])] == [row.pk]  # a hand-made task
    assert outbox_claim(ids=[]) == []


def test_not_pending_is_said_as_every_other_status():
    """The claim and the "sent" record say pending as NOT IN the other statuses (a plan
    reason): a new status must be added there, or its rows would count as pending."""
    others = set(Outbox.Status.values) - {Outbox.Status.PENDING}
    for sql in (claim._CLAIM_IDS_SQL, records._SENT_SQL):
        (listed,) = re.findall(r"status NOT IN \(([^)]*)\)", sql)
        assert {value.strip(" '") for value in listed.split(",")} == others


def test_a_batch_claim_skips_a_row_another_claimer_holds_and_never_waits_for_it(transactional_db):
    """A row locked by another transaction (another claimer, a cancellation) is left to it:
    the claim neither waits (it could deadlock with an UPDATE taking the same rows in
    another order) nor leases it."""
    rows = [write(f"h{i}")[0] for i in range(3)]
    params = connection.settings_dict
    other = psycopg2.connect(
        dbname=params["NAME"],
        user=params["USER"],
        password=params["PASSWORD"],
        host=params["HOST"],
        port=params["PORT"],
    )
    try:
        with other.cursor() as cursor:  # psycopg2 opens a transaction: the lock is held
            cursor.execute(f"SELECT id FROM {TABLE} WHERE id = %s FOR UPDATE", [rows[1].pk])  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # a wait would fail the claim
        claimed = outbox_claim(ids=[row.pk for row in rows])
        assert [r.pk for r in claimed] == [rows[0].pk, rows[2].pk]
    finally:
        other.rollback()
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert [r.pk for r in outbox_claim(ids=[rows[1].pk])] == [rows[1].pk]


def test_concurrent_batch_claims_of_the_same_ids_lease_each_row_once(transactional_db):
    """Two tasks given the same ids (a redelivered task) at once: every row is leased by one
    of them, none by both."""
    rows = [write(f"c{i}")[0] for i in range(60)]
    ids = [row.pk for row in rows]
    barrier, results = threading.Barrier(4), []

    def claim() -> None:
        try:
            barrier.wait()
            results.append([r.pk for r in outbox_claim(ids=ids)])
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    claimed = [pk for result in results for pk in result]
    assert sorted(claimed) == sorted(ids)
    assert len(results) == 4


def test_the_batch_claim_finds_its_rows_by_primary_key_whatever_the_statistics_say(
    quiet_hour_backlog,
):
    """Planned while the statistics saw no pending row (a quiet hour), the claim must not
    walk the due index — every pending row — to find 20 ids (claim.py `_claim_ids_sql`).
    (On a table this small a sequential scan is as good as the primary key.)"""
    backlog = quiet_hour_backlog
    now = timezone.now()
    params = {
        "ids": [row.pk for row in backlog[:20]],
        "now": now,
        "limit": 20,
        "until": now,
        "token": "explained",
    }
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + claim._CLAIM_IDS_SQL, params)
        (raw,) = cursor.fetchone()
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    scans = [
        node
        for node in _nodes(plan)
        if "Scan" in node["Node Type"] and node.get("Relation Name") == TABLE
    ]
    assert scans, json.dumps(plan)
    assert "members_outbox_due_idx" not in [node.get("Index Name") for node in scans]
    assert Outbox.objects.filter(claim_token="explained").count() == 20


def test_a_lease_stays_on_its_row_s_page(transactional_db):
    """The outbox keeps room on its pages (fillfactor): leasing a reminder-sized row writes
    its new version on the same page, where no index needs a new entry."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [TABLE])
        assert "fillfactor=60" in cursor.fetchone()[0]
        # The rows other tests wrote and rolled back are still in the pages until a vacuum
        # (autovacuum's work on a real site): without it, a new row may share their page.
        cursor.execute(f"VACUUM {TABLE}")
    # Written once, as a sweep writes them, each ~1.9 KB in the page as a reminder's row is
    # (measured: four to a full page; its text inline: hex does not compress, and the row
    # stays under TOAST's 2 KB).
    rows = [
        outbox_write(
            dedup_key=f"p{i}",
            kind="test",
            to_email=f"p{i}@example.test",
            language="en",
            message=RenderedMessage(subject="Hello", text=secrets.token_hex(850), html=""),
            send_now=False,
        )[0]
        for i in range(12)
    ]

    def pages() -> dict[int, str]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, (ctid::text::point)[0] FROM {TABLE} WHERE id = ANY(%s)",  # noqa: S608
                [[r.pk for r in rows]],
            )
            return dict(cursor.fetchall())

    before = pages()
    assert len(set(before.values())) > 1  # the rows span several pages
    assert len(outbox_claim(ids=[r.pk for r in rows])) == 12
    assert pages() == before
