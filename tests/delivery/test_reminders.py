"""The reminder sweep, its delivery checks, the rendered reminder, chapter announcements."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from events.models import Event, Registration
from events.reminders import (
    chapter_announcement_write,
    reminder_offset_due,
    reminder_sweep_run,
)
from members.models import Outbox
from members.outbox import outbox_send_due
from members.services import account_delete
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import ChapterFactory, UserFactory

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


def test_chapter_announcement_goes_to_verified_followers_once():
    chapter = ChapterFactory()
    follower, unverified, opted_out, _stranger = (
        UserFactory(),
        UserFactory(verified=False),
        UserFactory(email_opt_outs=["chapter_announcement"]),
        UserFactory(),
    )
    chapter.followers.add(follower, unverified, opted_out)
    event = event_in(timedelta(days=10), chapter=chapter)
    assert chapter_announcement_write(event=event) == 1
    assert chapter_announcement_write(event=event) == 0
    row = Outbox.objects.get()
    assert row.dedup_key == f"chapter-announce:{event.pk}:{follower.pk}"
    assert row.kind == "chapter_announcement"
    assert "List-Unsubscribe" in row.headers
    draft = event_in(timedelta(days=10), chapter=chapter, status=Event.Status.DRAFT)
    assert chapter_announcement_write(event=draft) == 0


def test_admin_delivery_log_filters_by_event_topic_and_resends(client, staff, member):
    event = event_in(timedelta(hours=20))
    RegistrationFactory(event=event)
    other = event_in(timedelta(hours=20))
    RegistrationFactory(event=other)
    reminder_sweep_run()
    Outbox.objects.filter(topic=f"event:{event.pk}").update(status=Outbox.Status.FAILED)
    url = reverse("admin:members_outbox_changelist")
    client.force_login(member)
    assert client.get(url).status_code == 302  # not staff: to the admin login
    client.force_login(staff)
    page = client.get(url, {"topic": f"event:{event.pk}"})
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    failed = Outbox.objects.get(topic=f"event:{event.pk}")
    response = client.post(
        f"{url}?topic=event:{event.pk}",
        {"action": "resend", "_selected_action": [failed.pk]},
    )
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == Outbox.Status.PENDING


def test_sweep_rendering_matches_rendering_one_by_one():
    """The sweep renders once per language and substitutes each person's values."""
    from events.reminders import reminder_message

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
    assert "Hello Ann&lt;&amp;&gt;Lee," in Outbox.objects.get(recipient=member.user).body_html
