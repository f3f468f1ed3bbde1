"""The reminder sweep (events/services/reminders.py), the `Reminder` kind's delivery check
(events/messages.py) and the rendered reminder."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail, signing
from django.utils import timezone

from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_send_due
from events.messages import reminder_offset_due
from events.models import Event, Registration
from events.services.reminders import reminder_sweep_run
from members.services import account_delete
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def event_in(delta: timedelta, **kwargs) -> Event:
    start = timezone.now() + delta
    return EventFactory(start=start, end=start + timedelta(minutes=90), **kwargs)


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(hours=30), None),
        (timedelta(hours=20), 1440),
        (timedelta(minutes=90), 120),  # both due: only the nearest one
        (timedelta(minutes=-5), None),  # started
    ],
)
def test_which_reminder_is_due(delta, expected):
    assert reminder_offset_due(event_in(delta), timezone.now()) == expected


def test_no_reminder_for_draft_or_cancelled_events():
    for status in (Event.Status.DRAFT, Event.Status.CANCELLED):
        RegistrationFactory(event=event_in(timedelta(hours=1), status=status))
    assert reminder_sweep_run() == 0


def test_sweep_writes_one_reminder_per_confirmed_registration_once():
    event = event_in(timedelta(hours=20))
    confirmed = RegistrationFactory(event=event)
    guest = RegistrationFactory(event=event, user=None, name="Ann Guest", email="ann@guest.test")
    RegistrationFactory(event=event, status=Registration.Status.WAITLISTED)
    RegistrationFactory(event=event, status=Registration.Status.CANCELLED)
    unverified = RegistrationFactory(event=event, user=UserFactory(verified=False))
    opted_out = RegistrationFactory(event=event, user=UserFactory(email_opt_outs=["reminder"]))
    assert reminder_sweep_run() == 2
    assert reminder_sweep_run() == 0  # idempotent
    keys = set(Outbox.objects.values_list("dedup_key", flat=True))
    assert keys == {
        f"reminder-1440m:reg{confirmed.pk}:v{event.version}",
        f"reminder-1440m:reg{guest.pk}:v{event.version}",
    }
    addresses = set(Outbox.objects.values_list("to_email", flat=True))
    assert addresses == {confirmed.user.email, "ann@guest.test"}
    assert unverified.email not in addresses
    assert opted_out.email not in addresses


def test_a_moved_event_gets_new_reminders_and_the_old_ones_are_cancelled():
    event = event_in(timedelta(hours=20))
    RegistrationFactory(event=event)
    reminder_sweep_run()
    old = Outbox.objects.get()
    Event.objects.filter(pk=event.pk).update(
        version=event.version + 1, start=event.start + timedelta(hours=1)
    )
    assert reminder_sweep_run() == 1
    assert outbox_send_due() == 1
    old.refresh_from_db()
    assert old.status == Outbox.Status.CANCELLED
    assert "moved" in old.last_error
    assert Outbox.objects.filter(status=Outbox.Status.SENT, dedup_key__endswith=":v2").count() == 1


@pytest.mark.parametrize("change", ["cancel-seat", "delete-seat", "cancel-event", "into-past"])
def test_reminder_no_longer_wanted_is_cancelled_not_sent(change):
    event = event_in(timedelta(hours=20))
    registration = RegistrationFactory(event=event)
    reminder_sweep_run()
    if change == "cancel-seat":
        Registration.objects.filter(pk=registration.pk).update(status="cancelled")
    elif change == "delete-seat":
        registration.delete()
    elif change == "cancel-event":
        Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    else:  # moved to yesterday, same version (a data fix)
        yesterday = timezone.now() - timedelta(days=1)
        Event.objects.filter(pk=event.pk).update(
            start=yesterday, end=yesterday + timedelta(hours=1)
        )
    assert outbox_send_due() == 0
    row = Outbox.objects.get()
    assert row.status == Outbox.Status.CANCELLED
    assert row.last_error
    assert mail.outbox == []


def test_a_deleted_account_gets_no_more_reminders():
    event = event_in(timedelta(hours=20))
    registration = RegistrationFactory(event=event)
    reminder_sweep_run()
    account_delete(user=registration.user)  # the registration stays, like a guest's
    registration.refresh_from_db()
    assert registration.user is None
    assert outbox_send_due() == 0
    Event.objects.filter(pk=event.pk).update(start=timezone.now() + timedelta(minutes=90))
    assert reminder_sweep_run() == 0  # the 2 h reminder is not sent to the old address
    assert mail.outbox == []
    assert set(Outbox.objects.values_list("status", flat=True)) == {Outbox.Status.CANCELLED}


def test_the_reminder_as_a_member_receives_it():
    member = UserFactory(name="Katia Xenophontos")
    event = event_in(timedelta(hours=20), title="Betacooks: the Tuesday lunch")
    RegistrationFactory(event=event, user=member)
    reminder_sweep_run()
    assert outbox_send_due() == 1
    (email,) = mail.outbox
    assert email.to == [member.email]
    assert "Reminder: Betacooks: the Tuesday lunch" in email.subject
    assert "Hello Katia," in email.body
    assert f"/events/{event.slug}/" in email.body
    assert "/events/guest-cancel/" in email.body
    assert "/notifications/unsubscribe/" in email.body
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/notifications/unsubscribe/" in email.extra_headers["List-Unsubscribe"]
    html = email.alternatives[0][0]
    assert "Betacooks: the Tuesday lunch" in html
    (ics,) = email.attachments
    assert ics[0].endswith(".ics")
    assert ics[2] == "text/calendar"
    assert "BEGIN:VEVENT" in ics[1]


def test_guest_reminder_in_their_language_without_unsubscribe():
    event = event_in(timedelta(hours=20))
    RegistrationFactory(event=event, user=None, name="Zoé", email="zoe@guest.test", language="fr")
    reminder_sweep_run()
    row = Outbox.objects.get()
    assert row.language == "fr"
    assert row.recipient is None
    assert "List-Unsubscribe" not in row.headers
    weekday = timezone.localtime(event.start).weekday()
    french = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
    assert french[weekday] in row.body_text


def test_sweep_rendering_matches_rendering_one_by_one(monkeypatch):
    """The sweep renders once per language and substitutes each person's values."""
    from events.services.reminder_render import reminder_message

    # The cancel links carry the second they were signed in (signing.dumps() and the sweep's
    # KeptKeyTimestampSigner both read TimestampSigner.timestamp): one second for both
    # renderings, or they differ whenever a second ends between them.
    stamp = signing.b62_encode(1_750_000_000)
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: stamp)
    event = event_in(timedelta(hours=20))
    member = RegistrationFactory(event=event, user=UserFactory(name="Ann<&>Lee"))
    guest = RegistrationFactory(event=event, user=None, name="Zoé & Co", email="z@guest.test")
    reminder_sweep_run()
    for registration, user in ((member, member.user), (guest, None)):
        row = Outbox.objects.get(dedup_key__endswith=f":reg{registration.pk}:v1")
        one = reminder_message(
            event=event, registration=registration, offset=1440, user=user, language="en"
        )
        assert (row.subject, row.body_text, row.body_html) == (one.subject, one.text, one.html)
        assert f":{stamp}:" in row.body_text  # the cancel link took the frozen second
    assert "Hello Ann&lt;&amp;&gt;Lee," in Outbox.objects.get(recipient=member.user).body_html
