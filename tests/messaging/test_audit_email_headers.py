"""Email audit: what a recipient and a mail provider see of every registered kind — headers,
subjects, greetings, times, footers, the plain-text part (tests/messaging/
test_audit_email_*.py)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from betacowork.messaging import notify, registered_kinds
from betacowork.messaging.mime import MessageBuilder
from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_send_due
from events.chapters.messages import ChapterInvitation
from events.console.services import organiser_note_send
from events.services.announcements import chapter_announcement_write
from events.services.common import absolute_url
from events.services.lifecycle import event_cancel
from events.services.registration import event_register
from events.services.reminders import reminder_sweep_run
from tests.collaborations.conftest import log
from tests.events.factories import EventFactory
from tests.factories import ChapterFactory, UserFactory

pytestmark = pytest.mark.django_db
BRUSSELS = ZoneInfo("Europe/Brussels")
SITE = "https://community.betacowork.test"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


def _late_event(**fields):
    """Friday 22:00 to Saturday 02:00, Brussels time, a week or so ahead."""
    day = timezone.localdate() + timedelta(days=10)
    start = datetime(day.year, day.month, day.day, 22, 0, tzinfo=BRUSSELS)
    return EventFactory(start=start, end=start + timedelta(hours=4), **fields)


def _parsed(row: Outbox):
    """The row's bytes as the SMTP path writes them, and as Django writes them (other
    backends), both parsed."""
    builder = MessageBuilder()
    wire = builder.envelope(row)[2]
    django = builder.email(row).message().as_bytes(linesep="\r\n")
    return [message_from_bytes(raw, policy=policy.default) for raw in (wire, django)]


def _sent_rows():
    outbox_send_due()
    return list(Outbox.objects.filter(status=Outbox.Status.SENT).order_by("pk"))


# --- Auto-Submitted and Content-Language ------------------------------------------------


def test_every_message_says_it_is_automatic_and_in_which_language(client, member, other_member):
    member.preferred_language = "fr"
    member.save(update_fields=["preferred_language"])
    event = _late_event(capacity=1, title="Apéro")
    event_register(event=event, user=member)  # essential, written as data
    event_register(event=event, name="Zoë Lhote", email="zoe@example.test", language="nl")
    reminder_sweep_run(now=event.start - timedelta(hours=23))  # optional, written by a sweep
    log(member, other_member)  # optional, through notify()
    client.post("/accounts/password/reset/", {"email": member.email}, HTTP_ACCEPT_LANGUAGE="fr")
    rows = _sent_rows()
    assert {row.kind for row in rows} >= {
        "events.registration_confirmed",
        "events.registration_waitlisted",
        "events.reminder",
        "collaborations.collaboration_request",
        "account.password_reset_key",
    }
    for row in rows:
        for message in _parsed(row):
            # RFC 3834: no out-of-office or vacation reply to an automatic message.
            assert message["Auto-Submitted"] == "auto-generated", row.kind
            assert message["Content-Language"] == row.language, row.kind
    assert {row.language for row in rows} >= {"fr", "nl"}


def test_the_two_ways_of_writing_a_message_give_the_same_headers(member):
    event = _late_event()
    event_register(event=event, user=member)
    [row] = _sent_rows()
    wire, django = _parsed(row)
    skip = {"date"}
    assert [(k, v) for k, v in wire.items() if k.lower() not in skip and "boundary" not in v] == [
        (k, v) for k, v in django.items() if k.lower() not in skip and "boundary" not in v
    ]


# --- Essential and optional kinds ---------------------------------------------------------


def test_one_click_unsubscribe_headers_only_on_optional_kinds(member, other_member):
    chapter = ChapterFactory()
    chapter.followers.add(member)
    event = _late_event(capacity=1, chapter=chapter)
    chapter_announcement_write(event=event)
    event_register(event=event, user=member)
    event_register(event=event, user=other_member)
    reminder_sweep_run(now=event.start - timedelta(hours=23))
    outbox_send_due()
    event_cancel(event=event)
    kinds = {kind.key: kind for kind in registered_kinds()}
    rows = _sent_rows()
    assert {row.kind for row in rows} >= {
        "events.chapter_announcement",
        "events.registration_confirmed",
        "events.registration_waitlisted",
        "events.reminder",
        "events.event_cancelled",
    }
    for row in rows:
        wire, _django = _parsed(row)
        if kinds[row.kind].optional:
            assert (
                wire["List-Unsubscribe"].strip().startswith(f"<{SITE}/notifications/unsubscribe/")
            )
            assert wire["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        else:
            assert wire["List-Unsubscribe"] is None, row.kind
            assert wire["List-Unsubscribe-Post"] is None, row.kind
        assert wire["Reply-To"] is None  # only an organiser's note names someone to answer
        assert wire["Message-ID"].endswith("@community.betacowork.test>")
        assert wire["From"].addresses[0].display_name == "Betacowork"


# --- Subjects -------------------------------------------------------------------------------


def test_a_long_subject_is_cut_between_words_not_in_one(other_member):
    author = UserFactory(name="Marie-Christine " + "Vandenbroucke-" * 8 + "Delacroix")
    words = [f"word{i:02d}" for i in range(40)]
    log(author, other_member, title=" ".join(words)[:200])
    [row] = _sent_rows()
    subject = row.subject
    assert len(subject) <= 255
    assert subject.endswith("…")
    last = subject[:-1].split()[-1]
    assert last in words, subject  # a whole word, then the ellipsis


def test_an_organisers_long_subject_and_event_title_are_cut_between_words(member, staff):
    event = _late_event(title="Switch IT day " + "Charleroi " * 18)
    event_register(event=event, user=member)
    Outbox.objects.update(status=Outbox.Status.SENT)
    organiser_note_send(
        actor=staff,
        event=event,
        subject="Parking " + "information " * 9,
        body="Hello",
        include_waitlist=False,
        nonce="ab12",
    )
    outbox_send_due()
    row = Outbox.objects.get(kind="events.organiser_note")
    assert len(row.subject) <= 255
    assert row.subject.endswith("…")
    assert row.subject[:-1].split()[-1] in {"information", "Parking", "Charleroi", "day:"}


# --- Greetings ------------------------------------------------------------------------------


def test_an_organisers_note_greets_a_guest_by_first_name_like_every_other_email(staff):
    event = _late_event(chapter=ChapterFactory())
    event_register(event=event, name="Zoë L'Hôte", email="zoe@example.test", language="fr")
    Outbox.objects.update(status=Outbox.Status.SENT)
    organiser_note_send(
        actor=staff, event=event, subject="Parking", body="B", include_waitlist=False, nonce="a1"
    )
    outbox_send_due()
    row = Outbox.objects.get(kind="events.organiser_note")
    assert row.body_text.startswith("Bonjour Zoë,\n")
    assert "<p>Bonjour Zoë,</p>" in row.body_html


def test_an_organisers_note_to_a_member_greets_them_by_first_name(member, staff):
    member.name = "Katia O'Brien"
    member.save(update_fields=["name"])
    event = _late_event()
    event_register(event=event, user=member)
    Outbox.objects.update(status=Outbox.Status.SENT)
    organiser_note_send(
        actor=staff, event=event, subject="Parking", body="B", include_waitlist=False, nonce="a2"
    )
    outbox_send_due()
    row = Outbox.objects.get(kind="events.organiser_note")
    assert row.body_text.startswith("Hello Katia,\n")


# --- Footers --------------------------------------------------------------------------------


@pytest.mark.parametrize("guest", [False, True])
def test_an_organisers_note_says_why_it_is_received(guest, member, staff):
    event = _late_event()
    if guest:
        event_register(event=event, name="Zoë Lhote", email="zoe@example.test", language="en")
    else:
        event_register(event=event, user=member)
    Outbox.objects.update(status=Outbox.Status.SENT)
    organiser_note_send(
        actor=staff, event=event, subject="Parking", body="B", include_waitlist=False, nonce="a3"
    )
    outbox_send_due()
    row = Outbox.objects.get(kind="events.organiser_note")
    why = "You receive this because you registered for this event."
    assert why in row.body_text
    assert why in row.body_html
    assert "\n\n\n" not in row.body_text  # no run of blank lines before the signature


def test_a_guests_reminder_says_why_it_is_received():
    event = _late_event()
    event_register(event=event, name="Zoë Lhote", email="zoe@example.test", language="en")
    Outbox.objects.update(status=Outbox.Status.SENT)
    reminder_sweep_run(now=event.start - timedelta(hours=23))
    outbox_send_due()
    row = Outbox.objects.get(kind="events.reminder")
    why = "You receive this because you registered for this event."
    assert why in row.body_text
    assert why in row.body_html
    assert "/notifications/" not in row.body_text  # a guest has no preferences to change


# --- Times ----------------------------------------------------------------------------------


def test_a_chapter_announcement_of_an_event_ending_the_next_day_says_that_day(member):
    chapter = ChapterFactory()
    chapter.followers.add(member)
    event = _late_event(chapter=chapter)
    chapter_announcement_write(event=event)
    [row] = _sent_rows()
    end = timezone.localtime(event.end, BRUSSELS)
    said = f"{end:%A} {end.day} {end:%B} {end.year}, 02:00"
    assert f"22:00\u2013{said}" in row.body_text
    assert f"22:00\u2013{said}" in row.body_html


def test_a_chapter_invitation_of_an_event_ending_the_next_day_says_that_day(member):
    chapter = ChapterFactory()
    event = _late_event(chapter=chapter)
    notify(
        kind=ChapterInvitation.key,
        recipient=member,
        context={
            "event": event,
            "chapter": chapter,
            "start": timezone.localtime(event.start),
            "place": event.place,
            "event_url": absolute_url(event.get_absolute_url()),
            "chapter_url": absolute_url(chapter.get_absolute_url()),
        },
        dedup_key="invite-1",
    )
    [row] = _sent_rows()
    end = timezone.localtime(event.end, BRUSSELS)
    assert f"22:00\u2013{end:%A} {end.day} {end:%B} {end.year}, 02:00" in row.body_text
    assert f"22:00\u2013{end:%A} {end.day} {end:%B} {end.year}, 02:00" in row.body_html


# --- The plain-text part ----------------------------------------------------------------------


def test_plain_text_parts_have_absolute_https_links_and_no_html_escapes(member, other_member):
    member.name = "Katia O'Brien & <Co>"
    member.save(update_fields=["name"])
    chapter = ChapterFactory(name="Charleroi & Co")
    chapter.followers.add(member)
    event = _late_event(capacity=1, chapter=chapter, title='Apéro "Tech" & <Beers>')
    chapter_announcement_write(event=event)
    event_register(event=event, user=member)
    event_register(event=event, name="Zoë O'Hara", email="zoe@example.test", language="fr")
    reminder_sweep_run(now=event.start - timedelta(hours=23))
    log(member, other_member, title="Site <redesign> & more")
    for row in _sent_rows():
        assert not re.search(r"&(amp|lt|gt|quot|#x?[0-9a-f]+);", row.subject + row.body_text)
        for link in re.findall(r"\bhttps?://\S+", row.body_text):
            assert link.startswith(f"{SITE}/"), (row.kind, link)
        assert max(len(line.encode()) for line in row.body_text.splitlines()) <= 998
        # One line, single spaces (French's non-breaking spaces before ":" are kept).
        assert row.subject.strip() == row.subject
        assert not re.search(r"[\r\n\t\v\f]| {2}", row.subject), row.subject


# --- The unsubscribe link -----------------------------------------------------------------------


def test_a_registrations_cancel_token_is_no_unsubscribe_token(client, member):
    """A signed token of another purpose (a guest's cancel link) is refused, and changes
    nothing, on GET and on a one-click POST."""
    from events.services.common import guest_cancel_token

    event = _late_event()
    registration = event_register(event=event, user=member)
    token = guest_cancel_token(registration)
    url = f"/notifications/unsubscribe/{token}/"
    assert client.get(url).status_code == 400
    assert client.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 400
    member.refresh_from_db()
    assert not member.email_opt_outs


# --- Found, to be fixed outside the messaging files (see the audit report) ---------------------


def test_a_reminder_greets_a_guest_by_first_name_like_every_other_email():
    event = _late_event()
    event_register(event=event, name="Zoë L'Hôte", email="zoe@example.test", language="fr")
    Outbox.objects.update(status=Outbox.Status.SENT)
    reminder_sweep_run(now=event.start - timedelta(hours=23))
    outbox_send_due()
    row = Outbox.objects.get(kind="events.reminder")
    assert row.body_text.startswith("Bonjour Zoë,\n")


def test_a_cancellation_carries_the_calendar_file_that_removes_the_event(member):
    event = _late_event()
    event_register(event=event, user=member)  # its confirmation put the event in a calendar
    Outbox.objects.update(status=Outbox.Status.SENT)
    event_cancel(event=event)
    outbox_send_due()
    row = Outbox.objects.get(kind="events.event_cancelled")
    [ics] = row.attachments
    assert ics["mimetype"] == "text/calendar"
    assert "STATUS:CANCELLED" in ics["content"]
    assert f"UID:event-{event.pk}@" in ics["content"]
