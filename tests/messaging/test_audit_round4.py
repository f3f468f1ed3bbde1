"""Audit round 4 of what members receive and how they control it: messages that no longer say
the truth when they go out (late, or sent again from the admin), and what the delivery log
shows staff."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from betacowork.messaging.afterwards import outbox_resend
from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_send_due
from collaborations.models import Participant
from collaborations.services import participant_confirm
from collaborations.tasks import event_followups_send
from events.models import Event, Registration
from events.services.announcements import chapter_announcement_write
from events.services.lifecycle import event_cancel, event_update
from events.services.registration import event_register
from tests.collaborations.conftest import attend, log, make_past_event
from tests.events.factories import EventFactory
from tests.factories import ChapterFactory, UserFactory

pytestmark = pytest.mark.django_db


def _event(**fields):
    start = timezone.now() + timedelta(days=3)
    return EventFactory(start=start, end=start + timedelta(hours=2), **fields)


def _move(event, hours: int) -> None:
    event_update(
        event=event,
        data={
            "start": event.start + timedelta(hours=hours),
            "end": event.end + timedelta(hours=hours),
        },
    )
    event.refresh_from_db()


def _sent_subjects(scripted) -> list[str]:
    return [m.subject for m in scripted.sent]


def test_a_new_time_email_still_pending_when_the_event_is_cancelled_is_not_sent(scripted, member):
    event = _event(title="Apéro")
    event_register(event=event, user=member)
    Outbox.objects.update(status=Outbox.Status.SENT)  # the confirmation went out
    _move(event, 1)
    event_cancel(event=event)  # before the worker got to the "new time" email
    outbox_send_due()
    assert _sent_subjects(scripted) == ["Cancelled: Apéro"]
    changed = Outbox.objects.get(kind="events.event_changed")
    assert changed.status == Outbox.Status.CANCELLED


def test_only_the_latest_new_time_email_goes_out_and_an_old_one_is_not_sent_again(scripted, member):
    event = _event(title="Apéro")
    registration = event_register(event=event, user=member)
    Outbox.objects.update(status=Outbox.Status.SENT)
    _move(event, 1)
    _move(event, 1)  # moved again before the first "new time" email went
    outbox_send_due()
    [mail] = scripted.sent
    when = timezone.localtime(event.start).strftime("%H:%M")
    assert f"{when}\u2013" in mail.body  # the time the event has now
    first = Outbox.objects.get(dedup_key=f"event-changed:{event.pk}:v2:{registration.pk}")
    assert first.status == Outbox.Status.CANCELLED

    # Staff sends the first one again from the delivery log: it tells a time that is wrong.
    scripted.reset()
    assert outbox_resend(ids=[first.pk]) == 1
    outbox_send_due()
    assert scripted.sent == []
    first.refresh_from_db()
    assert first.status == Outbox.Status.CANCELLED


def test_a_new_time_email_to_someone_who_cancelled_since_is_not_sent(scripted, member):
    event = _event()
    registration = event_register(event=event, user=member)
    Outbox.objects.update(status=Outbox.Status.SENT)
    _move(event, 1)
    Registration.objects.filter(pk=registration.pk).update(status=Registration.Status.CANCELLED)
    outbox_send_due()
    assert scripted.sent == []


def test_a_seat_confirmation_sent_again_after_the_event_is_over_is_not_sent(scripted, member):
    start = timezone.now() - timedelta(days=2)
    event = EventFactory(start=start, end=start + timedelta(hours=2))
    Registration.objects.create(
        event=event, user=member, name=member.name, email=member.email, confirmed_at=start
    )
    old = Outbox.objects.create(
        dedup_key="reg-confirmed:old",
        kind="events.registration_confirmed",
        to_email=member.email,
        language="en",
        recipient=member,
        payload={"registration": event.registrations.get().pk},
        status=Outbox.Status.FAILED,
    )
    assert outbox_resend(ids=[old.pk]) == 1
    outbox_send_due()
    assert scripted.sent == []
    old.refresh_from_db()
    assert old.status == Outbox.Status.CANCELLED


def test_a_request_to_confirm_is_not_sent_again_once_answered(scripted, member, other_member):
    collab = log(member, other_member)
    outbox_send_due()
    assert len(scripted.sent) == 1
    request = Outbox.objects.get(kind="collaborations.collaboration_request")
    participant = collab.participants.get(user=other_member)
    participant_confirm(participant=participant, user=other_member)

    scripted.reset()
    assert outbox_resend(ids=[request.pk]) == 1
    outbox_send_due()
    # "Please confirm" what they confirmed already: not to them (the author hears of it).
    assert [m for m in scripted.sent if m.to == [other_member.email]] == []
    request.refresh_from_db()
    assert request.status == Outbox.Status.CANCELLED


def test_a_request_to_confirm_a_deleted_collaboration_is_not_sent(scripted, member, other_member):
    collab = log(member, other_member)
    collab.delete()
    outbox_send_due()
    assert scripted.sent == []


def test_a_request_still_pending_for_the_participant_is_sent(scripted, member, other_member):
    collab = log(member, other_member)
    assert collab.participants.get(user=other_member).state == Participant.State.PENDING
    outbox_send_due()
    assert [m.to for m in scripted.sent] == [[other_member.email]]


def test_the_delivery_log_does_not_show_staff_a_password_reset_link(client, staff):
    katia = UserFactory()
    client.post(reverse("account_reset_password"), {"email": katia.email})
    row = Outbox.objects.get(kind="account.password_reset_key")
    link = re.search(r"https?://\S+/password/reset/key/\S+", row.body_text).group(0)
    client.force_login(staff)
    page = client.get(reverse("admin:messaging_outbox_change", args=[row.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert link not in html
    assert "/password/reset/key/" not in html
    assert "Not shown: this message holds a one-time link or code" in html


def test_the_delivery_log_still_shows_an_ordinary_message(client, staff, member, other_member):
    log(member, other_member, title="Website redesign")
    row = Outbox.objects.get(kind="collaborations.collaboration_request")
    client.force_login(staff)
    page = client.get(reverse("admin:messaging_outbox_change", args=[row.pk]))
    assert "Website redesign" in page.content.decode()
    assert "Not shown" not in page.content.decode()


def test_an_announcement_to_someone_who_unfollowed_the_chapter_since_is_not_sent(scripted):
    follower, still = UserFactory(), UserFactory()
    chapter = ChapterFactory()
    chapter.followers.add(follower, still)
    event = _event(chapter=chapter)
    assert chapter_announcement_write(event=event) == 2
    chapter.followers.remove(follower)  # before the worker got to it
    outbox_send_due()
    assert [m.to for m in scripted.sent] == [[still.email]]
    row = Outbox.objects.get(recipient=follower)
    assert row.status == Outbox.Status.CANCELLED


def test_the_html_part_of_a_registration_email_has_a_title(scripted, member):
    event = _event(title="Apéro")
    event_register(event=event, user=member)
    outbox_send_due()
    [mail] = scripted.sent
    [(html, _mime)] = mail.alternatives
    assert "<title>Apéro</title>" in html


def test_a_request_to_confirm_goes_only_to_a_verified_address(scripted, member):
    unverified = UserFactory(verified=False)
    log(member, unverified)
    outbox_send_due()
    assert scripted.sent == []
    row = Outbox.objects.get(kind="collaborations.collaboration_request")
    assert row.last_error == "Recipient address is not verified."


def test_a_follow_up_goes_only_to_a_verified_address(scripted):
    unverified, verified = UserFactory(verified=False), UserFactory()
    # Two days ago: ended before today whatever the hour (a day ago it ends today in
    # Brussels when the suite runs after 22:30 there, and no follow-up is due yet).
    event = make_past_event(days_ago=2)
    attend(event, unverified)
    attend(event, verified)
    event_followups_send()
    outbox_send_due()
    assert [m.to for m in scripted.sent] == [[verified.email]]


def test_a_new_time_email_still_goes_when_the_event_was_unpublished_for_a_while(scripted, member):
    """Moved, then set back to draft before the worker ran (to be published again): the
    move was true and nothing newer tells it, so the email goes (only a cancellation, or a
    newer move, makes it obsolete; a cancelled row is never sent later)."""
    event = _event(title="Apéro")
    event_register(event=event, user=member)
    Outbox.objects.update(status=Outbox.Status.SENT)
    _move(event, 1)
    event_update(event=event, data={"status": Event.Status.DRAFT})
    outbox_send_due()
    changed = Outbox.objects.get(kind="events.event_changed")
    assert changed.status == Outbox.Status.SENT
    assert len(scripted.sent) == 1


def test_an_event_moved_to_another_chapter_is_announced_to_that_chapters_followers(scripted):
    old_follower, new_follower = UserFactory(), UserFactory()
    old, new = ChapterFactory(), ChapterFactory()
    old.followers.add(old_follower)
    new.followers.add(new_follower)
    event = _event(chapter=old)
    assert chapter_announcement_write(event=event) == 1
    event_update(event=event, data={"chapter": new})  # before the worker got to the announcement
    outbox_send_due()
    assert [m.to for m in scripted.sent] == [[new_follower.email]]
    assert Outbox.objects.get(recipient=old_follower).status == Outbox.Status.CANCELLED
