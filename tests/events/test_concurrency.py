"""Race-safety of registration against a real PostgreSQL server.

Each thread has its own database connection, and all are released together by a barrier.
The negative control removes the lock (a test-only module flag) and pauses between counting
the seats and inserting: then the same test oversells, which proves the test can see the race.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from events import services
from events.models import Event, Registration
from events.services import registration as registration_services
from members.models import Space, User

from .factories import kind

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    # 60 connections at once: on a server with the default max_connections (100), two of
    # these races on two pytest-xdist workers would starve each other.
    pytest.mark.exclusive("many-connections"),
]

THREADS = 60


@pytest.fixture
def event_with_10_seats_left():
    space = Space.objects.create(name="Betacowork", slug="betacowork", city="Brussels")
    event = Event.objects.create(
        title="Betacooks",
        slug="betacooks-race",
        kind=kind("betacooks"),
        start=timezone.now() + timedelta(days=2),
        end=timezone.now() + timedelta(days=2, hours=1),
        space=space,
        capacity=50,
        status=Event.Status.PUBLISHED,
    )
    # 40 seats already taken: 10 left.
    Registration.objects.bulk_create(
        Registration(
            event=event,
            name=f"Early {i}",
            email=f"early{i}@example.test",
            status=Registration.Status.CONFIRMED,
            confirmed_at=timezone.now(),
        )
        for i in range(40)
    )
    users = User.objects.bulk_create(
        User(email=f"racer{i}@example.test", name=f"Racer {i}") for i in range(THREADS)
    )
    return event, users


def _free_connections() -> tuple[int, list]:
    """Connections the server still accepts, and who holds the others (for the message)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('max_connections')::int"
            " - current_setting('superuser_reserved_connections')::int - count(*)"
            " FROM pg_stat_activity WHERE backend_type = 'client backend'"
        )
        free = cursor.fetchone()[0]
        cursor.execute(
            "SELECT datname, application_name, state, count(*) FROM pg_stat_activity"
            " WHERE backend_type = 'client backend' GROUP BY 1, 2, 3 ORDER BY 4 DESC"
        )
        return free, cursor.fetchall()


def _wait_for_connections(needed: int, seconds: float = 60) -> None:
    """Another job on the server may hold connections for a while: wait for room, and if none
    comes, fail saying who holds them rather than with 60 'too many clients' errors."""
    deadline = time.monotonic() + seconds
    while True:
        free, holders = _free_connections()
        if free >= needed or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert free >= needed, (
        f"PostgreSQL has {free} free connections, the race needs {needed}: {holders}"
    )


def _race(fn, args_list):
    """Run fn(*args) in one thread each, released together; return (results, errors)."""
    _wait_for_connections(len(args_list) + 2)
    barrier = threading.Barrier(len(args_list))
    results, errors = [None] * len(args_list), []

    def worker(i, args):
        try:
            connection.ensure_connection()  # connect first: the barrier releases queries only
            barrier.wait(timeout=30)
            results[i] = fn(*args)
        except Exception as exc:  # collected and asserted on below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, a)) for i, a in enumerate(args_list)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results, errors


def _register(event, user):
    return services.event_register(event=event, user=user)


def test_60_simultaneous_registrations_for_10_seats(event_with_10_seats_left):
    event, users = event_with_10_seats_left
    _results, errors = _race(_register, [(event, u) for u in users])
    assert errors == []
    mine = Registration.objects.filter(event=event, user__isnull=False)
    confirmed = list(mine.filter(status="confirmed").order_by("pk"))
    waitlisted = list(mine.filter(status="waitlisted").order_by("pk"))
    print(f"with the lock: {len(confirmed)} confirmed, {len(waitlisted)} waitlisted")  # noqa: T201
    assert len(confirmed) == 10
    assert len(waitlisted) == THREADS - 10
    assert event.registrations.confirmed().count() == event.capacity
    # "In order": the lock queues registrations, so every confirmed one was written before
    # every waitlisted one, and waitlist positions are 1..50 in that same order.
    assert max(r.pk for r in confirmed) < min(r.pk for r in waitlisted)
    assert [services.waitlist_position(r) for r in waitlisted] == list(range(1, THREADS - 9))
    # One confirmation or waitlist email each, no more.
    from betacowork.messaging.models import Outbox

    assert Outbox.objects.filter(topic=f"event:{event.pk}").count() == THREADS


def test_negative_control_without_the_lock_oversells(event_with_10_seats_left, monkeypatch):
    event, users = event_with_10_seats_left
    monkeypatch.setattr(registration_services, "REGISTRATION_LOCK_ENABLED", False)
    monkeypatch.setattr(registration_services, "REGISTRATION_RACE_PAUSE_SECONDS", 0.5)
    _results, errors = _race(_register, [(event, u) for u in users])
    assert errors == []
    confirmed = event.registrations.confirmed().count()
    # Threads counted 40 confirmed before anybody inserted, so (far) more than 10 got a seat.
    print(f"negative control: capacity {event.capacity}, confirmed {confirmed}")  # noqa: T201
    assert confirmed > event.capacity


def test_concurrent_cancellations_and_registrations_keep_confirmed_equal_to_capacity(
    event_with_10_seats_left,
):
    event, users = event_with_10_seats_left
    # Fill the event and a waitlist of 20.
    for user in users[:30]:
        services.event_register(event=event, user=user)
    assert event.registrations.confirmed().count() == 50
    cancelling = list(event.registrations.confirmed().order_by("pk")[:15])
    jobs = [(services.registration_cancel, {"registration": r}) for r in cancelling]
    jobs += [(services.event_register, {"event": event, "user": u}) for u in users[30:45]]

    def run(fn, kwargs):
        return fn(**kwargs)

    _results, errors = _race(run, jobs)
    assert errors == []
    assert event.registrations.confirmed().count() == 50
    # 20 waited, 15 seats freed, 15 newcomers: 20 + 15 - 15 still waiting.
    assert event.registrations.waitlisted().count() == 20
    # Every promotion was announced exactly once.
    from betacowork.messaging.models import Outbox

    promoted = Registration.objects.filter(
        event=event, status="confirmed", waitlisted_at__isnull=False
    )
    assert promoted.count() == 15
    assert Outbox.objects.filter(kind="events.registration_promoted").count() == 15
