"""PostgreSQL: confirmations at the same moment never lose a count in the dashboard's tallies.

Two different collaborations of the same year and kind, confirmed by two threads released
together, both add to the same tally rows; two participants of one collaboration confirming
together count it once. Each thread has its own connection and transaction, as two web
requests would.
"""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import close_old_connections

from collaborations.models import DashboardTally
from collaborations.selectors import MEMBER, dashboard_compute
from collaborations.services import participant_confirm
from collaborations.services.summary import contributions
from tests.factories import UserFactory

from .conftest import log

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _together(calls) -> None:
    """Run each call in its own thread, released at the same moment; re-raise any error."""
    barrier = threading.Barrier(len(calls))
    errors = []

    def run(call):
        try:
            barrier.wait(timeout=10)
            call()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors


def _tally(dimension: str, **key) -> int:
    row = DashboardTally.objects.filter(dimension=dimension, **key).first()
    return row.n if row else 0


def _maintained_equals_recount() -> bool:
    fields = ("dimension", "year", "kind", "origin_type", "event_id", "user_id")
    fields += ("company_id", "space_id", "chapter_id", "organisation")
    rows = DashboardTally.objects.exclude(n=0, valued=0, volume_cents=0)
    kept = {
        tuple(r[f] for f in fields): [r["n"], r["valued"], r["volume_cents"]]
        for r in rows.values(*fields, "n", "valued", "volume_cents")
    }
    return kept == {k: v for k, v in contributions().items() if any(v)}


def test_two_collaborations_confirmed_at_once_both_count():
    people = UserFactory.create_batch(4)
    for attempt in range(3):  # a race shows up only sometimes: try a few times
        day = date(2024, 1 + attempt, 1)
        first = log(people[0], people[1], kind="hire", start_date=day)
        second = log(people[2], people[3], kind="hire", start_date=day)
        pending = [c.participants.get(state="pending") for c in (first, second)]
        _together([lambda p=p: participant_confirm(participant=p, user=p.user) for p in pending])
        assert _tally("year", year=2024) == 2 * (attempt + 1)
        assert _tally("kind", kind="hire") == 2 * (attempt + 1)
    assert dashboard_compute(MEMBER)["total"] == 6
    assert _maintained_equals_recount()


def test_two_participants_confirming_one_collaboration_count_it_once():
    author, a, b = UserFactory.create_batch(3)
    for attempt in range(3):
        collab = log(author, a, b, kind="service")
        rows = [collab.participants.get(user=u) for u in (a, b)]
        _together([lambda p=p: participant_confirm(participant=p, user=p.user) for p in rows])
        collab.refresh_from_db()
        assert collab.is_confirmed
        assert _tally("kind", kind="service") == attempt + 1
    assert _maintained_equals_recount()
