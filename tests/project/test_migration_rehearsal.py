"""scripts/migration_rehearsal.py (run by CI on an older demo database) sees what it must."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "migration_rehearsal.py"
spec = importlib.util.spec_from_file_location("migration_rehearsal", SCRIPT)
rehearsal = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rehearsal)


def world(**outbox_row):
    row = {"id": 1, "kind": "reminder", "status": "pending", "to_email": "lea@example.test"}
    return {
        "members_outbox": {1: {**row, **outbox_row}},
        "events_registration": {7: {"id": 7, "status": "confirmed"}},
        "collaborations_collaboration": {3: {"id": 3, "value_eur": "4200.00"}},
        "collaborations_participant": {4: {"id": 4, "user_id": 9}},
    }


def test_renamed_kinds_and_new_columns_are_not_differences():
    after = world(kind="events.reminder", payload=None)  # a column the older version lacked
    assert rehearsal.compare(world(), after, rehearsal.kind_renames()) == []


@pytest.mark.parametrize(
    ("table", "change"),
    [
        ("members_outbox", {1: None}),
        ("members_outbox", {1: {"status": "sent"}}),
        ("events_registration", {7: {"status": "cancelled"}}),
        ("collaborations_collaboration", {3: {"value_eur": "0.00"}}),
        ("collaborations_participant", {4: None}),
    ],
)
def test_a_lost_or_changed_row_is_reported(table, change):
    after = world(kind="events.reminder")
    for pk, fields in change.items():
        if fields is None:
            del after[table][pk]
        else:
            after[table][pk] = {**after[table][pk], **fields}
    problems = rehearsal.compare(world(), after, rehearsal.kind_renames())
    assert len(problems) == 1
    assert rehearsal.TABLES[table] in problems[0]


def test_the_kind_renames_are_the_migrations_own():
    renames = rehearsal.kind_renames()
    assert renames["reminder"] == "events.reminder"
    assert renames["collaboration_request"] == "collaborations.collaboration_request"
