"""The registration queue's two paths give the same result: on PostgreSQL one function call
(events/services/seat_queue.py), elsewhere the same steps from Python. And the per-process
send batcher publishes one task per burst of committed outbox rows."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from betacowork.db import _shape
from betacowork.messaging.models import Outbox
from events import services
from events.models import Event, Registration
from events.services import seat_queue, send_batcher
from events.services.registration import _owner_sql
from tests.factories import UserFactory

from .factories import EventFactory

pytestmark = pytest.mark.django_db


def _columns(model) -> set[str]:
    return {field.column for field in model._meta.concrete_fields if not field.primary_key}


def test_the_function_writes_every_column_of_both_tables():
    """A column added to Registration or Outbox must be added to the function's INSERTs."""
    assert {c.strip() for c in seat_queue.REGISTRATION_COLUMNS.split(",")} == _columns(Registration)
    assert {c.strip() for c in seat_queue.OUTBOX_COLUMNS.split(",")} == _columns(Outbox)


def _register_both_ways(settings, make_event, **kwargs):
    """Register on two identical events, once per path; returns [(registration, outbox)]."""
    found = []
    for use_function in (True, False):
        settings.PREPARED_STATEMENTS = use_function
        event = make_event()
        registration = services.event_register(event=event, **kwargs)
        outbox = Outbox.objects.get(payload__registration=registration.pk)
        found.append((event, registration, outbox))
    return found


def _same(found, *, status, position):
    (_event_a, reg_a, out_a), (_event_b, reg_b, out_b) = found
    for event, registration, outbox in found:
        stored = Registration.objects.get(pk=registration.pk)
        assert (registration.status, stored.status) == (status, status)
        assert registration.position == position
        assert stored.created_at == registration.created_at
        if status == Registration.Status.WAITLISTED:
            assert stored.waitlisted_at is not None
            assert stored.confirmed_at is None
        else:
            assert stored.confirmed_at is not None
            assert stored.waitlisted_at is None
        assert outbox.dedup_key == f"registration-{status}:{registration.pk}"
        assert outbox.topic == f"event:{event.pk}"
        assert outbox.status == Outbox.Status.PENDING
        assert outbox.subject == ""
    assert (reg_a.name, reg_a.email, reg_a.language, reg_a.note) == (
        reg_b.name,
        reg_b.email,
        reg_b.language,
        reg_b.note,
    )
    fields = ("kind", "to_email", "language", "from_email", "recipient_id", "headers")
    assert [getattr(out_a, f) for f in fields] == [getattr(out_b, f) for f in fields]
    assert set(out_a.payload) == set(out_b.payload)
    assert out_a.payload.get("position") == out_b.payload.get("position") == position


@pytest.mark.postgres
def test_a_guest_gets_a_seat_the_same_way_on_both_paths(settings):
    found = _register_both_ways(
        settings,
        lambda: EventFactory(capacity=5),
        name=" Ann Guest ",
        email="Ann@Example.test",
        note="vegetarian",
        language="fr",
    )
    _same(found, status=Registration.Status.CONFIRMED, position=None)


@pytest.mark.postgres
def test_a_member_joins_the_waitlist_the_same_way_on_both_paths(settings):
    member = UserFactory(preferred_language="nl")

    def full_event():
        event = EventFactory(capacity=1)
        services.event_register(event=event, name="First", email=f"first{event.pk}@example.test")
        services.event_register(event=event, name="Second", email=f"second{event.pk}@ex.test")
        return event

    found = _register_both_ways(settings, full_event, user=member, language="en")
    _same(found, status=Registration.Status.WAITLISTED, position=2)
    assert found[0][2].language == "nl"  # the member's language, not the page's


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_register_call_is_one_statement_on_postgres(member):
    """In autocommit, like the view: one statement is the whole transaction — for a guest
    after one read, outside it, of whose verified address they gave (a member's seat)."""
    event = EventFactory(capacity=5)
    with CaptureQueriesContext(connection) as ctx:
        services.event_register(event=event, name="Ann", email="ann@example.test")
    statements = [q["sql"] for q in ctx.captured_queries]
    assert len(statements) == 2, statements
    # The read of whose verified address it is: a prepared statement (PREPARE the first time
    # on a connection, EXECUTE after), named after its text.
    assert "account_emailaddress" in _owner_sql()
    assert _shape(_owner_sql())[0] in statements[0]
    assert "bc_event_register" in statements[1]
    # The next registration on this connection does not create the function again; a
    # member's is the statement alone.
    with CaptureQueriesContext(connection) as ctx:
        services.event_register(event=event, user=member)
    assert len(ctx.captured_queries) == 1
    assert "bc_event_register" in ctx.captured_queries[0]["sql"]
    assert "CREATE" not in ctx.captured_queries[0]["sql"]


def _refused(event, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        services.event_register(event=event, **kwargs)
    return caught.value


REFUSALS = {
    "draft": {"status": Event.Status.DRAFT},
    "cancelled": {"status": Event.Status.CANCELLED},
    "started": {"start": timezone.now() - timedelta(minutes=5)},
    "not open yet": {"registration_opens_at": timezone.now() + timedelta(days=1)},
    "closed": {"registration_closes_at": timezone.now() - timedelta(hours=1)},
    "members only": {"visibility": Event.Visibility.MEMBERS},
}


@pytest.mark.postgres
@pytest.mark.parametrize("case", REFUSALS)
def test_refusals_read_the_same_on_both_paths(settings, case):
    messages = []
    for use_function in (True, False):
        settings.PREPARED_STATEMENTS = use_function
        overrides = dict(REFUSALS[case])
        if case == "started":
            overrides["end"] = timezone.now() + timedelta(hours=1)
        event = EventFactory(**overrides)
        error = _refused(event, name="Ann", email="ann@example.test")
        assert error.code == "refused"
        messages.append(error.messages)
        assert not Registration.objects.filter(event=event).exists()
    assert messages[0] == messages[1]


@pytest.mark.postgres
def test_registering_twice_is_refused_on_the_function_path():
    event = EventFactory(capacity=5)
    services.event_register(event=event, name="Ann", email="ann@example.test")
    error = _refused(event, name="Ann again", email="ANN@example.test")
    assert error.code == "already_registered"
    assert Registration.objects.filter(event=event).count() == 1
    assert Outbox.objects.filter(topic=f"event:{event.pk}").count() == 1


# The send batcher -------------------------------------------------------------------------


class FakeApp:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple] = []
        self.fail = fail

    def send_task(self, name, args=None, kwargs=None, **options):
        if self.fail:
            raise ConnectionError("broker down")
        self.sent.append((name, args, kwargs))


@pytest.fixture
def fake_app(monkeypatch):
    import celery

    app = FakeApp()
    monkeypatch.setattr(celery, "current_app", app)
    return app


def _wait_for(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_burst_of_rows_is_published_as_batch_tasks(fake_app, settings):
    settings.OUTBOX_BATCH_SIZE = 50
    batcher = send_batcher.SendBatcher(window=0.2)
    for pk in range(1, 121):
        batcher.add([pk])
    _wait_for(lambda: len(fake_app.sent) >= 3)
    assert [name for name, _, _ in fake_app.sent] == [send_batcher.SEND_BATCH] * 3
    assert [kwargs["ids"] for _, _, kwargs in fake_app.sent] == [
        list(range(1, 51)),
        list(range(51, 101)),
        list(range(101, 121)),
    ]
    assert batcher.pending() == 0


def test_a_lone_row_is_published_as_one_send_task(fake_app):
    batcher = send_batcher.SendBatcher(window=0.01)
    batcher.add([42])
    _wait_for(lambda: fake_app.sent)
    assert fake_app.sent == [(send_batcher.SEND_ONE, (42,), None)]


def test_the_published_task_names_are_the_outbox_tasks():
    from betacowork.celery import app

    app.loader.import_default_modules()
    assert {send_batcher.SEND_ONE, send_batcher.SEND_BATCH} <= set(app.tasks)


def test_a_broker_outage_leaves_the_rows_to_the_sweep(monkeypatch, caplog):
    import celery

    app = FakeApp(fail=True)
    monkeypatch.setattr(celery, "current_app", app)
    batcher = send_batcher.SendBatcher()
    batcher._ids = [1, 2]  # queued, the thread not started: flushed by hand below
    assert batcher.flush() == 0
    assert "Broker unavailable" in caplog.text
    app.fail = False
    batcher._ids = [3]
    assert batcher.flush() == 0  # backing off: left for the sweep, no error raised
    assert app.sent == []
    assert batcher.pending() == 0
