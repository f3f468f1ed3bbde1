"""Registration, waitlist, promotion, cancellation, check-in, schedule changes."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_render, outbox_send_due
from events import services
from events.models import Event, Registration
from tests.factories import UserFactory

from .factories import EventFactory, RegistrationFactory, SpeakerFactory

pytestmark = pytest.mark.django_db


def test_member_registers_and_gets_a_confirmation_in_their_language(event):
    user = UserFactory(preferred_language="fr")
    reg = services.event_register(event=event, user=user, note="végétarien")
    assert reg.status == Registration.Status.CONFIRMED
    assert reg.note == "végétarien"
    row = Outbox.objects.get(dedup_key=f"registration-confirmed:{reg.pk}")
    # Written as data under the event lock; the sender renders it just before sending.
    assert row.payload == {"registration": reg.pk}
    assert not row.subject
    assert outbox_render([row]) == {}
    row.refresh_from_db()
    assert row.topic == f"event:{event.pk}"
    assert row.language == "fr"
    assert row.recipient == user
    assert "inscrit" in row.subject.lower() or "inscription" in row.subject.lower() or row.subject
    assert row.attachments[0]["mimetype"] == "text/calendar"
    assert "BEGIN:VEVENT" in row.attachments[0]["content"]
    assert row.body_html


def test_full_event_waitlists_with_position(event):
    event.capacity = 2
    event.save()
    regs = [services.event_register(event=event, user=UserFactory()) for _ in range(4)]
    assert [r.status for r in regs] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert services.waitlist_position(regs[2]) == 1
    assert services.waitlist_position(regs[3]) == 2
    row = Outbox.objects.get(dedup_key=f"registration-waitlisted:{regs[3].pk}")
    outbox_render([row])
    assert "number 2 on the waitlist" in row.body_text


def test_a_message_whose_registration_is_gone_is_cancelled_not_sent(event, mailoutbox):
    reg = services.event_register(event=event, user=UserFactory())
    Registration.objects.filter(pk=reg.pk).delete()
    outbox_send_due()
    assert mailoutbox == []
    row = Outbox.objects.get(dedup_key=f"registration-confirmed:{reg.pk}")
    assert row.status == Outbox.Status.CANCELLED
    assert row.last_error == "Registration deleted."


def test_registration_messages_no_longer_true_when_sent_are_cancelled(event, mailoutbox):
    """Sent late (the broker was down): a confirmation for a seat cancelled since and a
    "you are number 1 on the waitlist" for someone promoted since do not go out; the
    promotion does."""
    event.capacity = 1
    event.save()
    katia = services.event_register(event=event, user=UserFactory(name="Katia"))
    guest = services.event_register(event=event, name="Guest One", email="one@example.test")
    services.registration_cancel(registration=katia)  # Guest One is promoted
    outbox_send_due()
    sent = {(m.to[0], m.subject) for m in mailoutbox}
    assert len(sent) == 1
    assert next(iter(sent))[0] == "one@example.test"
    rows = {row.kind: row for row in Outbox.objects.all()}
    assert rows["events.registration_promoted"].status == Outbox.Status.SENT
    assert rows["events.registration_confirmed"].status == Outbox.Status.CANCELLED
    assert rows["events.registration_confirmed"].last_error == "Registration is cancelled now."
    assert rows["events.registration_waitlisted"].status == Outbox.Status.CANCELLED
    assert rows["events.registration_waitlisted"].last_error == "Registration is confirmed now."
    assert guest.email == "one@example.test"


def test_the_sent_confirmation_is_rendered_with_its_calendar_file(event, mailoutbox):
    user = UserFactory(preferred_language="nl")
    services.event_register(event=event, user=user)
    outbox_send_due()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject
    assert mailoutbox[0].attachments[0][0] == f"{event.slug}.ics"


def test_cancelling_a_confirmed_seat_promotes_the_first_waitlisted(event):
    event.capacity = 1
    event.save()
    first = services.event_register(event=event, user=UserFactory())
    second = services.event_register(event=event, user=UserFactory())
    third = services.event_register(event=event, user=UserFactory())
    promoted = services.registration_cancel(registration=first)
    assert promoted.pk == second.pk
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.status == "confirmed"
    assert third.status == "waitlisted"
    assert services.waitlist_position(third) == 1
    row = Outbox.objects.get(dedup_key=f"promoted:{second.pk}")
    assert row.topic == f"event:{event.pk}"
    assert event.registrations.confirmed().count() == 1


def test_cancel_twice_is_harmless_and_leaving_the_waitlist_promotes_nobody(event):
    event.capacity = 1
    event.save()
    services.event_register(event=event, user=UserFactory())
    waiting = services.event_register(event=event, user=UserFactory())
    assert services.registration_cancel(registration=waiting) is None
    assert services.registration_cancel(registration=waiting) is None
    assert event.registrations.confirmed().count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": Event.Status.DRAFT}, "not published"),
        ({"status": Event.Status.CANCELLED}, "cancelled"),
        ({"start": timezone.now() - timedelta(minutes=5)}, "already started"),
        ({"registration_opens_at": timezone.now() + timedelta(days=1)}, "opens on"),
        ({"registration_closes_at": timezone.now() - timedelta(hours=1)}, "closed"),
    ],
)
def test_refusals_are_clear(event, change, message):
    for field, value in change.items():
        setattr(event, field, value)
    if "start" in change:
        event.end = event.start + timedelta(hours=2)
    event.save()
    with pytest.raises(ValidationError) as exc:
        services.event_register(event=event, user=UserFactory())
    assert message in " ".join(exc.value.messages)
    assert not event.registrations.exists()
    assert not Outbox.objects.exists()


def test_already_registered_is_refused_and_double_registration_impossible(event, member):
    services.event_register(event=event, user=member)
    with pytest.raises(ValidationError) as exc:
        services.event_register(event=event, user=member)
    assert exc.value.code == "already_registered"
    assert event.registrations.count() == 1


def test_cancelled_then_register_again_is_allowed(event, member):
    reg = services.event_register(event=event, user=member)
    services.registration_cancel(registration=reg)
    again = services.event_register(event=event, user=member)
    assert again.pk != reg.pk
    assert again.status == "confirmed"


def test_guest_registers_for_public_event_but_not_members_only(event):
    reg = services.event_register(
        event=event, name="Ann Guest", email="Ann@Example.test", language="nl"
    )
    assert reg.user is None
    assert reg.email == "ann@example.test"
    assert Outbox.objects.get(dedup_key=f"registration-confirmed:{reg.pk}").language == "nl"
    with pytest.raises(ValidationError):
        services.event_register(event=event, name="Ann again", email="ANN@example.test")
    event.visibility = Event.Visibility.MEMBERS
    event.save()
    with pytest.raises(ValidationError) as exc:
        services.event_register(event=event, name="Bob", email="bob@example.test")
    assert "members only" in " ".join(exc.value.messages)


def test_guest_must_give_name_and_valid_email(event):
    with pytest.raises(ValidationError) as exc:
        services.event_register(event=event, name="", email="not-an-email")
    assert set(exc.value.message_dict) == {"name", "email"}


def test_guest_cancel_token_round_trip_and_tampering(event):
    reg = services.event_register(event=event, name="Ann", email="ann@example.test")
    token = services.guest_cancel_token(reg)
    assert services.registration_from_token(token).pk == reg.pk
    assert services.registration_from_token(token[:-2] + "xx") is None
    assert services.registration_from_token("garbage") is None


def test_guest_registrations_join_the_account_that_verifies_the_email(event):
    reg = services.event_register(event=event, name="Ann", email="ann@example.test")
    user = UserFactory(email="ann@example.test")
    assert services.registrations_claim_for_user(user=user, email="ANN@example.test") == 1
    reg.refresh_from_db()
    assert reg.user == user


def test_a_deleted_accounts_registrations_do_not_join_the_next_account_with_its_address(
    event,
):
    """What a deleted account leaves (a former member's rows, for the attendance history)
    is nobody's: the next person to verify that address gets none of it."""
    from members.services import account_delete

    past = EventFactory(
        start=timezone.now() - timedelta(days=30), end=timezone.now() - timedelta(days=29)
    )
    gone = UserFactory(email="ann@example.test", name="Ann Gone")
    RegistrationFactory(event=past, user=gone, checked_in_at=past.start)
    services.event_register(event=event, user=gone)
    account_delete(user=gone)
    guest = services.event_register(event=event, name="Ann Again", email="ann@example.test")

    newcomer = UserFactory(email="ann@example.test", name="Ann Newcomer")
    assert services.registrations_claim_for_user(user=newcomer, email="ann@example.test") == 1
    assert list(Registration.objects.filter(user=newcomer)) == [guest]  # her own seat only


def test_email_confirmed_signal_claims_guest_registrations(event, rf):
    from allauth.account.models import EmailAddress
    from allauth.account.signals import email_confirmed

    reg = services.event_register(event=event, name="Ann", email="ann@example.test")
    user = UserFactory(email="ann@example.test", verified=False)
    address = EmailAddress.objects.create(user=user, email=user.email, verified=True)
    email_confirmed.send(sender=EmailAddress, request=rf.get("/"), email_address=address)
    reg.refresh_from_db()
    assert reg.user == user


def test_event_cancel_tells_every_active_registrant_once(event):
    regs = [services.event_register(event=event, user=UserFactory()) for _ in range(3)]
    services.registration_cancel(registration=regs[0])
    assert services.event_cancel(event=event, actor=None) == 2
    assert services.event_cancel(event=event, actor=None) == 0
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    cancelled = Outbox.objects.filter(kind="events.event_cancelled")
    keys = set(cancelled.values_list("dedup_key", flat=True))
    assert keys == {f"event-cancelled:{event.pk}:{r.pk}" for r in regs[1:]}


def test_moving_an_event_bumps_version_and_sends_one_changed_notice_per_version(event):
    reg = services.event_register(event=event, user=UserFactory())
    new_start = event.start + timedelta(hours=1)
    services.event_update(
        event=event, data={"start": new_start, "end": new_start + timedelta(hours=2)}
    )
    event.refresh_from_db()
    assert event.version == 2
    outbox_render(list(Outbox.objects.all()))  # written as data: rendered when sent
    row = Outbox.objects.get(dedup_key=f"event-changed:{event.pk}:v2:{reg.pk}")
    assert "SEQUENCE:2" in row.attachments[0]["content"]
    services.event_update(event=event, data={"room": "Room 2"})
    event.refresh_from_db()
    assert event.version == 3
    assert Outbox.objects.filter(kind="events.event_changed").count() == 2
    # A change that does not move the event does not bump the version.
    services.event_update(event=event, data={"title": "New title", "description": "Now with soup"})
    event.refresh_from_db()
    assert event.version == 3


def test_capacity_below_confirmed_is_refused_and_raising_it_promotes(event):
    event.capacity = 2
    event.save()
    for _ in range(3):
        services.event_register(event=event, user=UserFactory())
    with pytest.raises(ValidationError) as exc:
        services.event_update(event=event, data={"capacity": 1})
    assert "capacity" in exc.value.message_dict
    services.event_update(event=event, data={"capacity": 3})
    assert event.registrations.confirmed().count() == 3
    assert Outbox.objects.filter(kind="events.registration_promoted").count() == 1


def test_end_before_start_is_refused(event):
    with pytest.raises(ValidationError):
        services.event_update(event=event, data={"end": event.start - timedelta(minutes=1)})


def test_check_in_and_undo(event, staff):
    reg = services.event_register(event=event, user=UserFactory())
    services.registration_check_in(registration=reg, actor=staff, now=event.start)
    # A double tap: harmless.
    services.registration_check_in(registration=reg, actor=staff, now=event.start)
    reg.refresh_from_db()
    assert reg.checked_in_at is not None
    assert reg.checked_in_by == staff
    services.registration_check_in_undo(registration=reg, actor=staff)
    reg.refresh_from_db()
    assert reg.checked_in_at is None


def test_waitlisted_cannot_be_checked_in(event, staff):
    waiting = RegistrationFactory(
        event=event, status=Registration.Status.WAITLISTED, waitlisted_at=timezone.now()
    )
    with pytest.raises(ValidationError):
        services.registration_check_in(registration=waiting, actor=staff)


def test_duplicate_copies_speakers_as_a_draft_a_week_later(event):
    SpeakerFactory(event=event)
    services.event_register(event=event, user=UserFactory())
    copy = services.event_duplicate(event=event)
    assert copy.status == Event.Status.DRAFT
    assert timezone.localtime(copy.start) == timezone.localtime(event.start) + timedelta(days=7)
    assert copy.speakers.count() == 1
    assert copy.registrations.count() == 0
    assert copy.slug != event.slug


def test_dates_out_of_range_are_refused_by_the_services(event):
    """Whatever the form: a typo's year 9999 or 0202 is refused before anything is computed
    from it (a default end, a copy a week later), and nothing is written."""
    from datetime import datetime

    far = datetime(9999, 12, 31, 20, tzinfo=timezone.get_current_timezone())
    with pytest.raises(ValidationError) as refused:
        services.event_create(actor=None, title="Far", kind=event.kind, start=far)
    assert "at most 10 years ahead" in refused.value.message_dict["start"][0]
    early = datetime(202, 5, 6, 18, tzinfo=timezone.get_current_timezone())
    with pytest.raises(ValidationError) as refused:
        services.event_update(event=event, data={"registration_opens_at": early})
    assert "before 2000" in refused.value.message_dict["registration_opens_at"][0]
    assert Event.objects.count() == 1
    event.refresh_from_db()
    assert event.registration_opens_at is None


def test_effective_reminder_offsets(event):
    assert event.effective_reminder_offsets == [1440, 120]
    event.reminder_offsets_minutes = [60, 30, 60]
    assert event.effective_reminder_offsets == [60, 30]


def test_outbox_rows_roll_back_with_a_refused_registration(
    event, django_capture_on_commit_callbacks
):
    event.status = Event.Status.CANCELLED
    event.save()
    with pytest.raises(ValidationError):
        services.event_register(event=event, user=UserFactory())
    assert Outbox.objects.count() == 0


def test_unlimited_capacity_never_waitlists():
    event = EventFactory(capacity=None)
    regs = [services.event_register(event=event, user=UserFactory()) for _ in range(5)]
    assert {r.status for r in regs} == {"confirmed"}


def test_past_event_refuses_cancellation(event, member):
    reg = services.event_register(event=event, user=member)
    Event.objects.filter(pk=event.pk).update(
        start=timezone.now() - timedelta(hours=1), end=timezone.now() + timedelta(hours=1)
    )
    with pytest.raises(ValidationError):
        services.registration_cancel(registration=reg)


def test_cancelling_through_an_edit_notifies_registrants(event):
    reg = services.event_register(event=event, user=UserFactory())
    services.event_update(event=event, data={"status": Event.Status.CANCELLED})
    event.refresh_from_db()
    assert event.cancelled_at is not None
    assert Outbox.objects.filter(dedup_key=f"event-cancelled:{event.pk}:{reg.pk}").exists()


def test_a_guest_registration_with_my_email_counts_as_mine(event, member):
    services.event_register(event=event, name="Me as a guest", email=member.email.upper())
    with pytest.raises(ValidationError) as exc:
        services.event_register(event=event, user=member)
    assert exc.value.code == "already_registered"
    assert event.registrations.count() == 1


def test_event_update_sets_only_editable_fields(event):
    with pytest.raises(TypeError, match="version"):
        services.event_update(event=event, data={"version": 99})
    with pytest.raises(TypeError, match="titel"):
        services.event_update(event=event, data={"titel": "Typo"})
    event.refresh_from_db()
    assert event.version == 1


@pytest.mark.parametrize(
    ("language", "written"),
    [("en", "Registration opens on 05/03/2027 18:00."), ("nl", "5-3-2027 18:00")],
)
def test_when_registration_opens_is_written_the_readers_way(event, language, written):
    """Brussels time, in the reader's short date format (Dutch writes 5-3-2027)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django.utils import translation

    event.registration_opens_at = datetime(2027, 3, 5, 18, 0, tzinfo=ZoneInfo("Europe/Brussels"))
    event.start = event.registration_opens_at + timedelta(days=7)
    event.end = event.start + timedelta(hours=2)
    event.save()
    with translation.override(language):
        refusal = services.registration_refusal(event=event)
    assert written in refusal
