"""Recording a message sent touches its own row only, whatever PostgreSQL's statistics say.

The "sent" UPDATE runs once a message, thousands of times in a row after a large event's
reminder sweep. Planned while the statistics saw few pending rows (any quiet hour, or a new
site), a condition that implies the due index's (`status = 'pending'`) let PostgreSQL walk
that index — every pending row — for each message: 0.8 ms a message at 3,000 pending, the
backend's CPU growing with the backlog, where the primary key finds the row in 0.03 ms."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.utils import timezone

from betacowork import db
from betacowork.db import _shape, execute_prepared
from betacowork.messaging import records
from betacowork.messaging.claim import outbox_claim
from betacowork.messaging.models import Outbox

from .factories import write

pytestmark = pytest.mark.django_db


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


@pytest.mark.postgres
def test_the_sent_record_finds_its_row_by_primary_key_with_a_large_backlog(
    monkeypatch, quiet_hour_backlog
):
    # Prepared whatever this connection prepared before (past the cap it would not be).
    monkeypatch.setattr(db, "MAX_PER_CONNECTION", 10**6)
    backlog = quiet_hour_backlog
    claimed = outbox_claim(ids=[row.pk for row in backlog[:20]], limit=20)
    assert len(claimed) == 20

    def params(row) -> dict:
        return {
            "status": Outbox.Status.SENT,
            "now": timezone.now(),
            "id": row.pk,
            "token": row.claim_token,
        }

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")  # as after 5 runs
        for row in claimed[:-1]:
            assert execute_prepared(cursor, records._SENT_SQL, params(row)) == 1
        last = claimed[-1]
        name, _positional, order = _shape(records._SENT_SQL)
        values = [params(last)[key] for key in order]
        cursor.execute(
            f"EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE {name}({', '.join(['%s'] * len(values))})",
            values,
        )
        (raw,) = cursor.fetchone()
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    scans = [node for node in _nodes(plan) if "Scan" in node["Node Type"]]
    assert [node.get("Index Name") for node in scans] == ["members_outbox_pkey"], json.dumps(plan)
    assert sum(node.get("Rows Removed by Filter", 0) for node in scans) == 0
    # Every record took: the quiet hour's sent row and 20 of the backlog's 300.
    assert Outbox.objects.filter(status=Outbox.Status.SENT).count() == 21
    assert Outbox.objects.filter(status=Outbox.Status.PENDING).count() == 280


def test_a_record_written_twice_counts_its_attempt_once():
    row, _ = write()
    (claimed,) = outbox_claim()
    params = {
        "status": Outbox.Status.SENT,
        "now": timezone.now(),
        "id": claimed.pk,
        "token": claimed.claim_token,
    }
    with connection.cursor() as cursor:
        assert execute_prepared(cursor, records._SENT_SQL, params) == 1
        assert execute_prepared(cursor, records._SENT_SQL, params) == 0
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Outbox.Status.SENT, 1)
    # A row cancelled meanwhile is never marked sent (even were its token left on it).
    other, _ = write("k2")
    (held,) = outbox_claim()
    Outbox.objects.filter(pk=held.pk).update(status=Outbox.Status.CANCELLED)
    with connection.cursor() as cursor:
        written = execute_prepared(
            cursor, records._SENT_SQL, {**params, "id": held.pk, "token": held.claim_token}
        )
    assert written == 0
    other.refresh_from_db()
    assert (other.status, other.attempts) == (Outbox.Status.CANCELLED, 0)
