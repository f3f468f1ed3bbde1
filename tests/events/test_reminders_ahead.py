"""Reminders written ahead of their time (events/services/reminders.py): a reminder that
becomes due within REMINDER_WRITE_AHEAD_SECONDS is written by this sweep and waits in the
outbox until its moment; what changes in between is caught when it goes."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_send_due
from events.models import Event, Registration
from events.services.reminders import reminder_sweep_run, reminders_due
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def event_at(start, **kwargs) -> Event:
    return EventFactory(start=start, end=start + timedelta(minutes=90), **kwargs)


@pytest.fixture
def enqueued(monkeypatch):
    """The ids of the rows whose send tasks were asked for (on commit)."""
    asked: list[int] = []
    monkeypatch.setattr("betacowork.messaging.outbox._enqueue", lambda ids: asked.extend(ids))
    return asked


def test_a_reminder_due_in_five_minutes_is_written_now_for_its_time(
    settings, enqueued, django_capture_on_commit_callbacks
):
    settings.REMINDER_WRITE_AHEAD_SECONDS = 600
    now = timezone.now()
    event = event_at(now + timedelta(hours=24, minutes=5))
    registration = RegistrationFactory(event=event)
    with django_capture_on_commit_callbacks(execute=True):
        assert reminder_sweep_run(now=now) == 1
    row = Outbox.objects.get()
    assert row.dedup_key == f"reminder-1440m:reg{registration.pk}:v{event.version}"
    assert row.status == Outbox.Status.PENDING
    assert row.next_attempt_at == event.start - timedelta(hours=24)
    assert row.subject.startswith("Reminder:")  # rendered now, off the sending's path
    assert enqueued == []  # no send task: the outbox sweep sends it when it is due
    assert outbox_send_due() == 0  # not before its time
    assert mail.outbox == []


def test_outside_the_window_nothing_is_written(settings):
    settings.REMINDER_WRITE_AHEAD_SECONDS = 600
    now = timezone.now()
    RegistrationFactory(event=event_at(now + timedelta(hours=24, minutes=11)))
    assert reminder_sweep_run(now=now) == 0
    assert not Outbox.objects.exists()


def test_with_no_window_a_reminder_is_written_only_when_due(settings):
    settings.REMINDER_WRITE_AHEAD_SECONDS = 0
    now = timezone.now()
    event = event_at(now + timedelta(hours=24, minutes=1))
    RegistrationFactory(event=event)
    assert reminder_sweep_run(now=now) == 0
    assert reminder_sweep_run(now=now + timedelta(minutes=1)) == 1


def test_written_ahead_then_sent_once_when_its_time_comes(settings):
    """The sweep ran five minutes before the reminder's time; the time has come (the sweep's
    `now` is in the past): the row is due, sent once, and a later sweep writes nothing."""
    settings.REMINDER_WRITE_AHEAD_SECONDS = 600
    real_now = timezone.now()
    event = event_at(real_now + timedelta(hours=24) - timedelta(seconds=30))
    member = RegistrationFactory(event=event).user
    assert reminder_sweep_run(now=real_now - timedelta(minutes=5)) == 1
    assert reminder_sweep_run() == 0  # due now, already written: one row
    assert outbox_send_due() == 1
    (email,) = mail.outbox
    assert email.to == [member.email]
    assert "Reminder:" in email.subject
    assert Outbox.objects.get().status == Outbox.Status.SENT


def test_of_a_due_and_a_coming_reminder_only_the_coming_one_is_written(
    settings, enqueued, django_capture_on_commit_callbacks
):
    """Someone registers 2 h 5 min before the start: the 24 h reminder is due, the 2 h one
    comes in five minutes — they get the 2 h one alone, not two reminders minutes apart."""
    settings.REMINDER_WRITE_AHEAD_SECONDS = 600
    now = timezone.now()
    event = event_at(now + timedelta(hours=2, minutes=5), reminder_offsets_minutes=[1440, 120])
    RegistrationFactory(event=event)
    due = [(offset, at) for _event, offset, at in reminders_due(now)]
    assert due == [(120, event.start - timedelta(minutes=120))]
    with django_capture_on_commit_callbacks(execute=True):
        assert reminder_sweep_run(now=now) == 1
    row = Outbox.objects.get()
    assert row.dedup_key.startswith("reminder-120m:")
    assert enqueued == []  # for its time
    # Outside the window the due one goes at once, as before.
    settings.REMINDER_WRITE_AHEAD_SECONDS = 60
    later = event_at(now + timedelta(hours=2, minutes=5), reminder_offsets_minutes=[1440, 120])
    assert [(o, at) for e, o, at in reminders_due(now) if e == later] == [(1440, None)]


@pytest.mark.parametrize("change", ["cancel-seat", "cancel-event", "opt-out", "deactivate"])
def test_what_changed_before_its_time_is_caught_when_it_goes(settings, change):
    settings.REMINDER_WRITE_AHEAD_SECONDS = 600
    real_now = timezone.now()
    event = event_at(real_now + timedelta(hours=24) - timedelta(seconds=30))
    registration = RegistrationFactory(event=event, user=UserFactory())
    assert reminder_sweep_run(now=real_now - timedelta(minutes=5)) == 1
    user = registration.user
    if change == "cancel-seat":
        Registration.objects.filter(pk=registration.pk).update(status="cancelled")
    elif change == "cancel-event":
        Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    elif change == "opt-out":
        user.email_opt_outs = ["reminder"]
        user.save(update_fields=["email_opt_outs"])
    else:
        user.is_active = False
        user.save(update_fields=["is_active"])
    assert outbox_send_due() == 0
    row = Outbox.objects.get()
    assert row.status == Outbox.Status.CANCELLED
    assert row.last_error
    assert mail.outbox == []


def test_an_event_moved_after_its_reminders_were_written_gets_the_new_ones(settings):
    settings.REMINDER_WRITE_AHEAD_SECONDS = 600
    real_now = timezone.now()
    event = event_at(real_now + timedelta(hours=24) - timedelta(seconds=30))
    RegistrationFactory(event=event)
    assert reminder_sweep_run(now=real_now - timedelta(minutes=5)) == 1
    # Moved an hour earlier (a new version): the written reminder is stale.
    Event.objects.filter(pk=event.pk).update(
        version=event.version + 1, start=event.start - timedelta(hours=1)
    )
    assert reminder_sweep_run() == 1  # the new time's reminder, due now
    with mock.patch("betacowork.messaging.outbox._enqueue"):
        assert outbox_send_due() == 1
    statuses = dict(Outbox.objects.values_list("dedup_key", "status"))
    assert statuses == {
        next(k for k in statuses if k.endswith(":v1")): Outbox.Status.CANCELLED,
        next(k for k in statuses if k.endswith(":v2")): Outbox.Status.SENT,
    }
    assert len(mail.outbox) == 1


def test_a_seat_taken_on_the_day_gets_no_reminder_its_confirmation_just_gave(settings):
    """QA: registered at 12:32 for 18:00, the "24 h" reminder came at 12:33, a minute after
    the confirmation. A reminder due less than an hour after the seat was confirmed is not
    written for it; the next one still goes, and an older seat gets both."""
    from events.services import event_register, registration_cancel

    settings.REMINDER_WRITE_AHEAD_SECONDS = 600
    now = timezone.now()
    event = event_at(now + timedelta(hours=5, minutes=30), capacity=2)
    older = RegistrationFactory(event=event)  # three days ago
    fresh = event_register(event=event, user=UserFactory(name="Ramon Fresh"))
    waiting = event_register(event=event, user=UserFactory(name="Wanda Waiting"))
    assert waiting.status == Registration.Status.WAITLISTED
    assert reminder_sweep_run(now=now) == 1  # the 24 h reminder, late: the older seat only
    assert Outbox.objects.get(kind="events.reminder").dedup_key.endswith(f"reg{older.pk}:v1")

    # Wanda gets the seat 5 h 30 before the start: the 2 h reminder is hours later, so it goes.
    registration_cancel(registration=older, actor=older.user)
    two_hours_before = event.start - timedelta(hours=2)
    written = reminder_sweep_run(now=two_hours_before)
    reminded = set(
        Outbox.objects.filter(
            kind="events.reminder", dedup_key__startswith="reminder-120m"
        ).values_list("to_email", flat=True)
    )
    assert written == 2
    assert reminded == {fresh.email, waiting.email}


def test_a_seat_confirmed_within_the_hour_before_the_reminder_gets_none(settings):
    from events.services import event_register

    settings.REMINDER_WRITE_AHEAD_SECONDS = 0
    now = timezone.now()
    event = event_at(now + timedelta(hours=2, minutes=50))  # the 2 h reminder: in 50 minutes
    event_register(event=event, user=UserFactory(name="Late Lucas"))
    later = event.start - timedelta(hours=2)
    assert reminder_sweep_run(now=later) == 0
    assert not Outbox.objects.filter(kind="events.reminder").exists()


def test_an_event_moved_on_the_day_sends_no_reminder_its_change_email_just_gave(settings):
    """QA: moved an hour later at 15:45 for 17:52, the "24 h" reminder of the new time went
    out at 15:48, after the "event changed" email (with the calendar file). A reminder of the
    new time that was due before the move, or falls due within the hour after it, is not
    written; the 2 h reminder of the new time still goes."""
    from events.services import event_update

    settings.REMINDER_WRITE_AHEAD_SECONDS = 600
    now = timezone.now()
    event = event_at(now + timedelta(hours=5))
    registration = RegistrationFactory(event=event)  # three days ago
    assert reminder_sweep_run(now=now - timedelta(minutes=10)) == 1  # the 24 h one, v1

    moved = event_update(
        event=event,
        data={"start": event.start + timedelta(hours=1), "end": event.end + timedelta(hours=1)},
    )

    assert Outbox.objects.filter(kind="events.event_changed").count() == 1
    assert reminder_sweep_run(now=now + timedelta(minutes=1)) == 0
    assert reminder_sweep_run(now=moved.start - timedelta(hours=2)) == 1
    keys = set(Outbox.objects.filter(kind="events.reminder").values_list("dedup_key", flat=True))
    assert keys == {
        f"reminder-1440m:reg{registration.pk}:v1",
        f"reminder-120m:reg{registration.pk}:v2",
    }


def test_an_event_moved_to_next_week_gets_its_reminders_as_before(settings):
    from events.services import event_update

    settings.REMINDER_WRITE_AHEAD_SECONDS = 0
    event = event_at(timezone.now() + timedelta(hours=5))
    registration = RegistrationFactory(event=event)
    week = timedelta(days=7)
    moved = event_update(event=event, data={"start": event.start + week, "end": event.end + week})

    assert reminder_sweep_run(now=moved.start - timedelta(hours=24)) == 1
    assert reminder_sweep_run(now=moved.start - timedelta(hours=2)) == 1
    keys = set(Outbox.objects.filter(kind="events.reminder").values_list("dedup_key", flat=True))
    assert keys == {
        f"reminder-1440m:reg{registration.pk}:v2",
        f"reminder-120m:reg{registration.pk}:v2",
    }
