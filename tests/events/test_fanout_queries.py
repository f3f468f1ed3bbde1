"""The four fan-outs — a chapter announcement, an event moved, an event cancelled, the
organiser's note — write every recipient's row as data in one INSERT: their queries do not
grow with the recipients, and the emails the sender renders from the rows say what they said
when they were rendered in the request (a member in French, a guest)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_send_due
from events import services
from events.console.services import organiser_note_send
from events.models import Event, Registration
from events.services.announcements import chapter_announcement_write
from tests.factories import ChapterFactory, SpaceFactory, UserFactory

from .factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def _event(chapter: str = "Charleroi", **kwargs) -> Event:
    start = timezone.now() + timedelta(days=10)
    chapter = ChapterFactory(name=chapter, space=SpaceFactory(name="Switch Coworking"))
    return EventFactory(
        title="Switch IT day",
        start=start,
        end=start + timedelta(hours=2),
        chapter=chapter,
        space=chapter.space,
        **kwargs,
    )


def _registrants(event: Event, n: int) -> None:
    """`n` people: members (one in three waitlisted) and guests."""
    for i in range(n):
        status = Registration.Status.WAITLISTED if i % 3 == 2 else Registration.Status.CONFIRMED
        if i % 2:
            RegistrationFactory(
                event=event, user=None, name=f"Guest {i}", email=f"g{i}@example.test", status=status
            )
        else:
            RegistrationFactory(event=event, user=UserFactory(), status=status)


def _queries(write) -> int:
    with CaptureQueriesContext(connection) as captured:
        write()
    return len(captured)


def _same_for_3_and_30(make, write) -> int:
    counts = []
    for n in (3, 30):
        subject = make(n)
        counts.append(_queries(lambda subject=subject: write(subject)))
    assert counts[0] == counts[1], counts
    return counts[0]


def _emails() -> dict:
    outbox_send_due()
    return {message.to[0]: message for message in mail.outbox}


def test_an_announcement_costs_the_same_queries_for_3_and_30_followers():
    def make(n):
        event = _event(f"Chapter {n}")
        event.chapter.followers.add(*(UserFactory() for _ in range(n)))
        return event

    _same_for_3_and_30(make, lambda event: chapter_announcement_write(event=event))
    assert Outbox.objects.filter(kind="events.chapter_announcement").count() == 33
    assert not Outbox.objects.exclude(subject="").exists()  # nothing rendered when written


def test_the_announcement_sent_is_in_the_followers_language():
    event = _event()
    french = UserFactory(name="Françoise Dupont", preferred_language="fr")
    event.chapter.followers.add(french)
    assert chapter_announcement_write(event=event) == 1
    email = _emails()[french.email]
    assert "Charleroi" in email.subject
    assert "Switch IT day" in email.subject
    assert "Bonjour Françoise," in email.body
    assert "Switch Coworking" in email.body
    assert "/notifications/" in email.body  # the unsubscribe link
    assert email.extra_headers.get("List-Unsubscribe") or "List-Unsubscribe" in str(email.message())


def test_a_move_costs_the_same_queries_for_3_and_30_registrants():
    def make(n):
        event = _event(f"Chapter {n}", capacity=n)
        _registrants(event, n)
        return event

    def move(event):
        services.event_update(event=event, data={"start": event.start + timedelta(hours=1)})

    _same_for_3_and_30(make, move)
    assert Outbox.objects.filter(kind="events.event_changed").count() == 33


def test_a_move_tells_a_french_member_and_a_guest_on_the_waitlist_as_before():
    event = _event(capacity=1)
    member = UserFactory(name="Françoise Dupont", preferred_language="fr")
    RegistrationFactory(event=event, user=member)
    RegistrationFactory(
        event=event,
        user=None,
        name="Gert Guest",
        email="gert@example.test",
        status=Registration.Status.WAITLISTED,
    )
    before = timezone.localtime(event.start)
    services.event_update(event=event, data={"start": event.start + timedelta(hours=1)})
    emails = _emails()
    french, guest = emails[member.email], emails["gert@example.test"]
    assert "Bonjour Françoise," in french.body
    assert f"{before:%H:%M}" in french.body  # the time before the move
    assert french.attachments[0][0].endswith(".ics")
    ics = french.attachments[0][1]
    ics = ics.decode() if isinstance(ics, bytes) else ics
    assert "STATUS:CONFIRMED" in ics  # a seat, not the waitlist's TENTATIVE
    assert "TENTATIVE" not in ics
    assert f"DTSTART;TZID=Europe/Brussels:{timezone.localtime(event.start):%Y%m%dT%H%M%S}" in ics
    assert guest.body.startswith("Hello Gert,")
    assert "still on the waitlist, number 1" in guest.body
    assert "/events/guest-cancel/" in guest.body
    assert "TENTATIVE" in guest.attachments[0][1]


def test_a_cancellation_costs_the_same_queries_for_3_and_30_registrants():
    def make(n):
        event = _event(f"Chapter {n}", capacity=n)
        _registrants(event, n)
        return event

    _same_for_3_and_30(make, lambda event: services.event_cancel(event=event))
    assert Outbox.objects.filter(kind="events.event_cancelled").count() == 33


def test_a_cancellation_tells_a_french_member_and_a_guest():
    event = _event(capacity=1)
    member = UserFactory(name="Françoise Dupont", preferred_language="fr")
    RegistrationFactory(event=event, user=member)
    RegistrationFactory(
        event=event,
        user=None,
        name="Gert Guest",
        email="gert@example.test",
        status=Registration.Status.WAITLISTED,
    )
    assert services.event_cancel(event=event) == 2
    emails = _emails()
    french, guest = emails[member.email], emails["gert@example.test"]
    assert "Bonjour Françoise," in french.body
    assert "STATUS:CANCELLED" in french.attachments[0][1]
    assert guest.body.startswith("Hello Gert,")
    assert "its waitlist with it" in guest.body
    assert not guest.attachments


def _note(event, organiser, **kwargs):
    return organiser_note_send(
        actor=organiser,
        event=event,
        subject="Parking tonight",
        body="The door code is 1234.",
        include_waitlist=True,
        nonce=uuid.uuid4().hex,
        **kwargs,
    )


def test_the_organisers_note_costs_the_same_queries_for_3_and_30_recipients():
    def make(n):
        event = _event(f"Chapter {n}", capacity=n)
        organiser = UserFactory()
        event.chapter.organisers.add(organiser)
        _registrants(event, n)
        return event, organiser

    _same_for_3_and_30(make, lambda made: _note(*made))
    assert Outbox.objects.filter(kind="events.organiser_note").count() == 33


def test_the_organisers_note_reaches_a_french_member_and_a_guest(organiser):
    event = _event()
    event.chapter.organisers.add(organiser)
    member = UserFactory(name="Françoise Dupont", preferred_language="fr")
    RegistrationFactory(event=event, user=member)
    RegistrationFactory(event=event, user=None, name="Gert Guest", email="gert@example.test")
    assert _note(event, organiser).sent == 2
    # The same note from another form is asked about first, then sent again when asked.
    assert _note(event, organiser).same_sent_at is not None
    assert _note(event, organiser, again=True).sent == 2
    emails = _emails()
    french, guest = emails[member.email], emails["gert@example.test"]
    assert french.subject == "Switch IT day\xa0: Parking tonight"
    assert "Bonjour Françoise," in french.body
    assert "The door code is 1234." in french.body
    assert "Charleroi" in french.body  # written as the chapter's organiser
    assert "/notifications/" in french.body
    assert "Reply-To" in str(french.message())
    assert guest.body.startswith("Hello Gert,")
    assert "/events/guest-cancel/" in guest.body


def _rendering_queries(rows) -> int:
    from betacowork.messaging.sender import outbox_render

    with CaptureQueriesContext(connection) as captured:
        reasons = outbox_render(rows, save=False)
    assert reasons == {}
    return len(captured)


@pytest.mark.parametrize("fan_out", ["cancel", "move", "note", "announce"])
def test_the_sender_renders_a_fan_out_in_queries_that_do_not_grow(fan_out):
    """Review: each row read its registration (or its event and follower) when rendered, so
    a thousand followers cost the sender two thousand queries."""
    counts = []
    for n in (3, 30):
        event = _event(f"Chapter {fan_out} {n}", capacity=n)
        if fan_out == "announce":
            event.chapter.followers.add(*(UserFactory() for _ in range(n)))
            chapter_announcement_write(event=event)
        else:
            _registrants(event, n)
        if fan_out == "cancel":
            services.event_cancel(event=event)
        elif fan_out == "move":
            services.event_update(event=event, data={"start": event.start + timedelta(hours=1)})
        elif fan_out == "note":
            organiser = UserFactory()
            event.chapter.organisers.add(organiser)
            _note(event, organiser)
        rows = list(Outbox.objects.filter(topic=f"event:{event.pk}", subject=""))
        assert len(rows) >= n
        counts.append(_rendering_queries(rows))
    assert counts[0] == counts[1], counts
