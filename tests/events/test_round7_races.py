"""Round 7, on PostgreSQL: a check-in at the door meeting the registrant's cancellation.

Each side runs in its own thread and connection, as two web requests would: the door's
check-in holds the registration's row (`registration_check_in` locks it) while the member's
cancellation, under the event's lock, comes to write the same row."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from events import services
from events.models import Registration

from .factories import EventFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_check_in_committing_while_the_seat_is_cancelled_does_not_stay(member):
    event = EventFactory(start=timezone.now() + timedelta(hours=1))
    registration = services.event_register(event=event, user=member)
    locked, go = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def door() -> None:  # the check-in's steps, held open until the cancellation waits
        try:
            with transaction.atomic():
                row = Registration.objects.select_for_update().get(pk=registration.pk)
                assert row.status == Registration.Status.CONFIRMED
                row.checked_in_at = timezone.now()
                row.save(update_fields=["checked_in_at"])
                locked.set()
                go.wait(timeout=10)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def member_cancels() -> None:
        try:
            services.registration_cancel(registration=registration, actor=member)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=door), threading.Thread(target=member_cancels)]
    threads[0].start()
    assert locked.wait(timeout=10)
    threads[1].start()
    time.sleep(0.5)  # the cancellation now waits for the door's row
    go.set()
    for thread in threads:
        thread.join(timeout=20)
    assert not any(t.is_alive() for t in threads)
    assert not errors
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED
    assert registration.checked_in_at is None
