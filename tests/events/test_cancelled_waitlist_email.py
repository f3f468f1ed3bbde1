"""The cancellation email tells each registrant what is true for them: a confirmed person's
calendar entry is marked cancelled by the attached file; someone on the waitlist got none
with their place, so their email says the waitlist is gone too and carries no calendar file —
unless an "event changed" email gave them one (tentative): that one is marked cancelled too."""

from __future__ import annotations

from datetime import timedelta

import pytest

from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_render, outbox_send_due
from events import services
from events.models import Registration
from tests.factories import UserFactory

from .factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def test_the_cancellation_says_what_is_true_for_confirmed_and_waitlisted_people():
    event = EventFactory(capacity=1)
    seated = RegistrationFactory(event=event, user=UserFactory())
    waiting = RegistrationFactory(
        event=event, user=UserFactory(), status=Registration.Status.WAITLISTED
    )
    services.event_cancel(event=event, actor=None)
    outbox_render(list(Outbox.objects.all()))  # written as data: rendered when sent

    rows = {row.to_email: row for row in Outbox.objects.filter(kind="events.event_cancelled")}
    confirmed, waitlisted = rows[seated.user.email], rows[waiting.user.email]
    assert "the attached calendar file marks it cancelled" in confirmed.body_text
    assert confirmed.attachments
    assert confirmed.attachments[0]["filename"].endswith(".ics")

    assert "attached calendar file" not in waitlisted.body_text
    assert "waitlist" in waitlisted.body_text
    assert "attached calendar file" not in waitlisted.body_html
    assert not waitlisted.attachments


def test_a_waitlisted_person_sent_a_calendar_file_by_a_move_gets_it_marked_cancelled(mailoutbox):
    """QA: the "event changed" email put a tentative entry in their calendar, and the
    cancellation came without the file that marks it cancelled: the entry stayed."""
    event = EventFactory(capacity=1)
    RegistrationFactory(event=event, user=UserFactory())
    moved = RegistrationFactory(
        event=event, user=UserFactory(), status=Registration.Status.WAITLISTED
    )
    start = event.start + timedelta(hours=1)
    services.event_update(event=event, data={"start": start, "end": start + timedelta(hours=1)})
    outbox_send_due()
    changed = next(m for m in mailoutbox if m.to == [moved.user.email])
    assert "STATUS:TENTATIVE" in changed.attachments[0][1]
    # Joined the waitlist after the move: no email of theirs carried a file.
    late = RegistrationFactory(
        event=event, user=UserFactory(), status=Registration.Status.WAITLISTED
    )
    mailoutbox.clear()

    services.event_cancel(event=event, actor=None)
    outbox_send_due()

    emails = {message.to[0]: message for message in mailoutbox}
    assert len(emails) == 3
    attachments = emails[moved.user.email].attachments
    assert len(attachments) == 1
    filename, content, mimetype = attachments[0]
    assert filename.endswith(".ics")
    assert mimetype.startswith("text/calendar")
    assert "STATUS:CANCELLED" in content
    assert "(waitlist)" in content  # the same entry as the tentative one, now cancelled
    # Its text says what the file does, and only where there is one.
    assert "waitlist" in emails[moved.user.email].body
    assert "the attached calendar file marks it cancelled" in emails[moved.user.email].body
    html = emails[moved.user.email].alternatives[0][0]
    assert "the attached calendar file marks it cancelled" in html
    assert emails[late.user.email].attachments == []
    assert "attached calendar file" not in emails[late.user.email].body
