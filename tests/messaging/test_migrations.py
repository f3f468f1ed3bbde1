"""The outbox moves from `members` to `messaging` (messaging 0001, members 0010) without
losing a row, and the stored kind keys take their one spelling (events 0006,
collaborations 0003).

Runs the real migrations on the test database (a transactional test): back to the state
before the move, rows written there through the historical models (outbox rows of every
status, an account with email preferences, a staff permission on the outbox) beside
registrations and a collaboration, then forward to the latest state — every row must be
there, field for field, and the outbox permission still attached.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from betacowork.messaging import kind_for
from collaborations.models import Collaboration
from events.models import Registration
from tests.events.factories import EventFactory, RegistrationFactory

BEFORE = [("members", "0009_directory_bounded_search"), ("messaging", None)]
OUTBOX_FIELDS = (
    "id",
    "dedup_key",
    "kind",
    "topic",
    "recipient_id",
    "to_email",
    "language",
    "subject",
    "body_text",
    "body_html",
    "headers",
    "payload",
    "attachments",
    "status",
    "attempts",
    "claim_token",
    "last_error",
    "sent_at",
)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    # The state of what is applied now (("messaging", None) names no node to ask about).
    after = MigrationExecutor(connection)
    return after._create_project_state(with_applied_migrations=True).apps


def _leaves():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.fixture
def migrator(transactional_db):
    yield _migrate
    _migrate(_leaves())


def _old_world(old):
    """Rows as the pre-move code wrote them, through the historical models."""
    User = old.get_model("members", "User")
    Outbox = old.get_model("members", "Outbox")
    ContentType = old.get_model("contenttypes", "ContentType")
    Permission = old.get_model("auth", "Permission")
    lea = User.objects.create(
        email="lea@example.test",
        name="Léa Dubois",
        email_opt_outs=["reminder", "chapter_announcement"],
    )
    staff = User.objects.create(email="staff@example.test", name="Staff", is_staff=True)
    sent_at = datetime(2026, 11, 30, 9, tzinfo=UTC)
    statuses = ["pending", "sent", "failed", "cancelled"]
    kinds = ["reminder", "registration-confirmed", "collaboration_request", "account.login_code"]
    for i, status in enumerate(statuses * 3):
        Outbox.objects.create(
            dedup_key=f"reminder-1440m:reg{i}:v1",
            kind=kinds[i % 4 - 1],
            topic=f"event:{i}",
            recipient=lea if i % 2 else None,
            to_email=f"person{i}@example.test",
            language=["en", "fr", "nl"][i % 3],
            subject=f"Reminder {i}",
            body_text="Bonjour Léa",
            body_html="<p>Bonjour</p>",
            headers={"List-Unsubscribe": f"<https://x.test/u/{i}>"},
            payload={"registration": i} if i == 5 else {},
            attachments=[{"filename": "e.ics", "content": "BEGIN:VCALENDAR"}],
            status=status,
            attempts=i % 4,
            claim_token="",
            last_error="550 no" if status == "failed" else "",
            sent_at=sent_at if status == "sent" else None,
        )
    outbox_type, _ = ContentType.objects.get_or_create(app_label="members", model="outbox")
    permission, _ = Permission.objects.get_or_create(
        content_type=outbox_type, codename="change_outbox", defaults={"name": "Can change"}
    )
    staff.user_permissions.add(permission)
    return {
        "outbox": sorted(Outbox.objects.values_list(*OUTBOX_FIELDS)),
        "opt_outs": {lea.pk: ["reminder", "chapter_announcement"]},
        "staff": staff.pk,
        "permission": permission.pk,
    }


def test_moving_the_outbox_keeps_every_row(migrator):
    # Events, registrations and a collaboration as today's code writes them (today's columns),
    # then the database taken back to before the move; guests: no account to unmake.
    event = EventFactory(start=datetime(2026, 12, 10, 12, tzinfo=UTC))
    registrations = sorted(
        RegistrationFactory(event=event, status=status, user=None, email=f"{status}@guest.test").pk
        for status in ("confirmed", "waitlisted", "cancelled")
    )
    collaboration = Collaboration.objects.create(
        title="Website for Ayomi",
        kind="service",
        start_date=date(2026, 11, 1),
        value_eur=Decimal("4200.00"),
        origin_type="event",
        origin_event=event,
        author_name="Léa Dubois",
    )
    old = migrator(BEFORE)
    assert "outbox" in {m._meta.model_name for m in old.get_app_config("members").get_models()}
    before = _old_world(old)

    new = migrator(_leaves())
    Outbox = new.get_model("messaging", "Outbox")
    assert Outbox._meta.db_table == "members_outbox"
    renamed = {
        "reminder": "events.reminder",
        "registration-confirmed": "events.registration_confirmed",
        "collaboration_request": "collaborations.collaboration_request",
    }
    expected = [(*row[:2], renamed.get(row[2], row[2]), *row[3:]) for row in before["outbox"]]
    assert sorted(Outbox.objects.values_list(*OUTBOX_FIELDS)) == expected
    # Every stored kind is one the registry knows (its templates, preference, check).
    assert all(kind_for(k) for k in Outbox.objects.values_list("kind", flat=True))
    User = new.get_model("members", "User")
    assert {pk: User.objects.get(pk=pk).email_opt_outs for pk in before["opt_outs"]} == before[
        "opt_outs"
    ]
    assert sorted(Registration.objects.values_list("pk", flat=True)) == registrations
    kept = Collaboration.objects.get(pk=collaboration.pk)
    assert (kept.value_eur, kept.origin_event_id) == (Decimal("4200.00"), event.pk)
    # The staff permission follows the model: same row, now labelled messaging.
    Permission = new.get_model("auth", "Permission")
    permission = Permission.objects.select_related("content_type").get(pk=before["permission"])
    assert permission.content_type.app_label == "messaging"
    assert User.objects.get(pk=before["staff"]).user_permissions.filter(pk=permission.pk).exists()
    # The sender still finds the pending rows where it left them.
    assert Outbox.objects.filter(status="pending").count() == 3


def test_the_move_can_be_undone(migrator):
    migrator(_leaves())
    old = migrator(BEFORE)
    Outbox = old.get_model("members", "Outbox")
    Outbox.objects.create(dedup_key="k", kind="reminder", to_email="a@example.test", language="en")
    assert not Outbox.objects.filter(kind__startswith="events.").exists()  # renamed back
    new = migrator(_leaves())
    kept = new.get_model("messaging", "Outbox").objects.get(dedup_key="k")
    assert kept.kind == "events.reminder"
