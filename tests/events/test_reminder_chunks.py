"""The reminder sweep writes chunk by chunk (events/services/reminders.py): every confirmed
registration once, whatever the chunk boundaries, another event's registrations between
them, guests, cancellations or reminders already written; the first chunk small, so that a
large event's first reminders are handed to the workers before the rest is written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from betacowork.messaging.models import Outbox
from events.models import Registration
from events.services import reminders
from events.services.reminders import reminders_write_for_event
from tests.events.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def _event():
    start = timezone.now() + timedelta(hours=20)
    return EventFactory(start=start, end=start + timedelta(minutes=90))


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(reminders, "FIRST_CHUNK", 2)
    monkeypatch.setattr(reminders, "WRITE_CHUNK", 3)


def _keys(event) -> set[str]:
    return set(Outbox.objects.filter(topic=f"event:{event.pk}").values_list("dedup_key", flat=True))


def test_every_confirmed_registration_gets_one_reminder_across_chunks(small_chunks):
    event, other = _event(), _event()
    regs = []
    for i in range(12):
        if i % 4 == 1:
            RegistrationFactory(event=other)  # another event's ids between this one's
        status = Registration.Status.CANCELLED if i == 5 else Registration.Status.CONFIRMED
        if i in (3, 4):  # guests
            regs.append(
                RegistrationFactory(
                    event=event, user=None, name=f"Guest {i}", email=f"g{i}@example.test",
                    status=status,
                )
            )  # fmt: skip
        else:
            regs.append(RegistrationFactory(event=event, status=status))
    written, ids = reminders_write_for_event(event=event, offset=1440)
    assert (written, len(ids)) == (11, 11)
    want = {f"reminder-1440m:reg{r.pk}:v{event.version}" for i, r in enumerate(regs) if i != 5}
    assert _keys(event) == want
    assert _keys(other) == set()  # its sweep is its own

    # Again: nothing new. One reminder gone (in the second chunk): written back, alone.
    assert reminders_write_for_event(event=event, offset=1440) == (0, [])
    Outbox.objects.filter(dedup_key=f"reminder-1440m:reg{regs[4].pk}:v{event.version}").delete()
    written, ids = reminders_write_for_event(event=event, offset=1440)
    assert (written, len(ids)) == (1, 1)
    assert _keys(event) == want
    assert not Outbox.objects.values("dedup_key").annotate(n=Count("id")).filter(n__gt=1)


def test_the_first_chunk_is_written_first_and_small(small_chunks, monkeypatch):
    event = _event()
    for _ in range(9):
        RegistrationFactory(event=event)
    writes = []
    real = reminders.outbox_write_many

    def write(messages, **kwargs):
        writes.append(len(messages))
        return real(messages, **kwargs)

    monkeypatch.setattr(reminders, "outbox_write_many", write)
    reminders_write_for_event(event=event, offset=1440)
    assert writes == [2, 3, 3, 1]


def test_a_seat_cancelled_before_its_chunk_is_read_gets_no_reminder(small_chunks, monkeypatch):
    event = _event()
    regs = [RegistrationFactory(event=event) for _ in range(5)]
    real = reminders.outbox_write_many

    def write(messages, **kwargs):
        # While the first chunk is written, the last seat is given up.
        Registration.objects.filter(pk=regs[-1].pk).update(status=Registration.Status.CANCELLED)
        return real(messages, **kwargs)

    monkeypatch.setattr(reminders, "outbox_write_many", write)
    written, _ids = reminders_write_for_event(event=event, offset=1440)
    assert written == 4
    assert f"reminder-1440m:reg{regs[-1].pk}:v{event.version}" not in _keys(event)
