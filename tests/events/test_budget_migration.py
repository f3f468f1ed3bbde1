"""events 0004: every non-zero `organising_cost` becomes a cost line, and back.

Runs the real migrations on the test database (a transactional test: the schema changes),
then migrates forward again so the tests after it find the current schema.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("events", "0003_budget_speed_networking")
AFTER = ("events", "0004_organising_cost_to_lines")


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


def _leaves():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.fixture
def migrator(transactional_db):
    yield _migrate
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(_leaves())


def _event(apps, slug: str, cost: str):
    EventKind = apps.get_model("events", "EventKind")
    Event = apps.get_model("events", "Event")
    kind, _ = EventKind.objects.get_or_create(slug="it-day", defaults={"name_en": "IT Day"})
    start = datetime(2025, 9, 18, 17, tzinfo=UTC)
    return Event.objects.create(
        title=slug,
        slug=slug,
        kind=kind,
        start=start,
        end=start + timedelta(hours=2),
        organising_cost=Decimal(cost),
    )


def test_organising_costs_become_cost_lines_and_come_back(migrator):
    old = migrator(BEFORE)
    talk = _event(old, "talk", "80.00")
    free = _event(old, "free", "0")
    huge = _event(old, "huge", "250000.50")

    new = migrator(AFTER)
    EventCost = new.get_model("events", "EventCost")
    lines = list(
        EventCost.objects.order_by("event_id", "pk").values_list(
            "event_id", "category", "description", "amount"
        )
    )
    assert lines == [
        (talk.pk, "other", "Organising cost", Decimal("80.00")),
        # Above what one line may hold: split, the total kept.
        (huge.pk, "other", "Organising cost", Decimal("100000.00")),
        (huge.pk, "other", "Organising cost", Decimal("100000.00")),
        (huge.pk, "other", "Organising cost", Decimal("50000.50")),
    ]
    assert "organising_cost" not in {f.name for f in new.get_model("events", "Event")._meta.fields}
    EventCost.objects.create(event_id=talk.pk, category="food", amount=Decimal("5.25"))

    old = migrator(BEFORE)
    Event = old.get_model("events", "Event")
    costs = dict(Event.objects.values_list("pk", "organising_cost"))
    assert costs == {
        talk.pk: Decimal("85.25"),
        free.pk: Decimal("0"),
        huge.pk: Decimal("250000.50"),
    }
    assert not old.get_model("events", "EventCost").objects.exists()


def test_a_negative_organising_cost_stops_the_migration_with_its_name(migrator):
    old = migrator(BEFORE)
    _event(old, "refund-night", "-10.00")
    with pytest.raises(RuntimeError, match="refund-night"):
        migrator(AFTER)
    Event = old.get_model("events", "Event")
    Event.objects.filter(slug="refund-night").update(organising_cost=0)
