"""The organiser console:

- a form that creates something (an event, a copy, a series) sent twice creates it once;
- a copy of a past event lands on the first same weekday to come, not in the past;
- saving the edit form without touching the time tells nobody, even when the stored start
  has seconds the form cannot show;
- the "event changed" email to a person on the waitlist says they still are, with a
  tentative calendar file;
- an organiser's note names them and replies reach them (Reply-To).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, time, timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.utils import timezone

from betacowork.messaging.mime import MessageBuilder
from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_render, outbox_send_due
from events import services
from events.console.messages import OrganiserNote
from events.models import Event, EventSeries, Registration
from tests.factories import ChapterFactory, SpaceFactory, UserFactory

from .factories import EventFactory, RegistrationFactory, kind

pytestmark = pytest.mark.django_db

NONCE = re.compile(r'name="nonce" value="([0-9a-f]{32})"')


@pytest.fixture
def chapter(organiser):
    chapter = ChapterFactory(
        name="Charleroi", space=SpaceFactory(name="Switch Coworking", city="Charleroi")
    )
    chapter.organisers.add(organiser)
    return chapter


@pytest.fixture
def organiser_client(client, organiser, chapter):
    client.force_login(organiser)
    return client


def _said(response) -> str:
    """The message this response adds (the last one waiting to be shown)."""
    return [str(m) for m in get_messages(response.wsgi_request)][-1]


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def _aware(day, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute, second)))


def _event_form(chapter, start, **overrides) -> dict:
    data = {
        "title": "Switch IT day",
        "kind": kind("it-day").pk,
        "chapter": chapter.pk,
        "start": _local(start),
        "end": _local(start + timedelta(hours=3)),
        "space": "",
        "room": "",
        "capacity": "50",
        "visibility": "public",
        "description": "",
    }
    data.update(overrides)
    return data


# A form sent twice creates once -------------------------------------------------------------


def test_the_new_event_form_sent_twice_creates_one_event(organiser_client, chapter):
    page = organiser_client.get("/organise/new/").content.decode()
    # The button is disabled once the form is sent (static/js/console.js).
    assert "data-once" in page
    assert "js/console.js" in page
    nonce = NONCE.search(page).group(1)
    start = _aware(timezone.localdate() + timedelta(days=20), 18)
    data = {**_event_form(chapter, start), "nonce": nonce}

    first = organiser_client.post("/organise/new/", data)
    second = organiser_client.post("/organise/new/", data)

    assert (first.status_code, second.status_code) == (302, 302)
    assert Event.objects.count() == 1
    assert "is saved as a draft" in _said(first)
    assert _said(second) == (
        "“Switch IT day” was already saved from this form: it is not created twice."
    )
    # A new form (a new nonce) is a new event.
    organiser_client.post("/organise/new/", {**data, "nonce": uuid.uuid4().hex})
    assert Event.objects.count() == 2


def test_the_duplicate_button_clicked_twice_makes_one_copy(organiser_client, chapter):
    event = EventFactory(
        title="Switch IT day", slug="switch-it-day", chapter=chapter, space=chapter.space
    )
    index = organiser_client.get("/organise/").content.decode()
    assert "js/console.js" in index
    row = index[index.index('id="event-switch-it-day"') :]
    form = row[row.index("/organise/switch-it-day/duplicate/") :]
    assert "data-once" in row[: row.index("/organise/switch-it-day/duplicate/") + 200]
    nonce = NONCE.search(form).group(1)

    first = organiser_client.post("/organise/switch-it-day/duplicate/", {"nonce": nonce})
    second = organiser_client.post("/organise/switch-it-day/duplicate/", {"nonce": nonce})

    copy = Event.objects.exclude(pk=event.pk).get()
    assert first["Location"] == second["Location"] == f"/organise/{copy.slug}/edit/"
    assert _said(second) == "This copy was already made: it is not made twice."
    # Another click from a fresh page is another copy.
    organiser_client.post("/organise/switch-it-day/duplicate/", {"nonce": uuid.uuid4().hex})
    assert Event.objects.count() == 3


def test_a_form_sent_again_after_what_it_made_was_deleted_is_no_error(organiser_client, chapter):
    """Back and send again, after staff deleted the draft (or series) the form made: a
    message, nothing created, never a 500."""
    start = _aware(timezone.localdate() + timedelta(days=20), 18)
    page = organiser_client.get("/organise/new/").content.decode()
    data = {**_event_form(chapter, start), "nonce": NONCE.search(page).group(1)}
    assert organiser_client.post("/organise/new/", data).status_code == 302
    Event.objects.all().delete()
    again = organiser_client.post("/organise/new/", data)
    assert again.status_code == 302
    assert _said(again).startswith("This form was already sent, and what it created has been")
    assert not Event.objects.exists()

    page = organiser_client.get("/organise/series/new/").content.decode()
    series = {**_series_form(chapter), "nonce": NONCE.search(page).group(1)}
    assert organiser_client.post("/organise/series/new/", series).status_code == 302
    Event.objects.all().delete()
    EventSeries.objects.all().delete()
    again = organiser_client.post("/organise/series/new/", series)
    assert again.status_code == 302
    assert not EventSeries.objects.exists()

    event = EventFactory(slug="switch-it-day", chapter=chapter, space=chapter.space)
    nonce = uuid.uuid4().hex
    organiser_client.post("/organise/switch-it-day/duplicate/", {"nonce": nonce})
    Event.objects.exclude(pk=event.pk).delete()
    again = organiser_client.post("/organise/switch-it-day/duplicate/", {"nonce": nonce})
    assert again.status_code == 302
    assert Event.objects.count() == 1


def _series_form(chapter, **overrides) -> dict:
    data = {
        "title": "Switch IT day",
        "kind": kind("it-day").pk,
        "chapter": chapter.pk,
        "rrule_pattern": "weekly",
        "rrule_weekday": "TH",
        "rrule_ordinal": "1",
        "rrule_monthday": "",
        "start_time": "18:00",
        "duration_minutes": "180",
        "starts_on": (timezone.localdate() + timedelta(days=1)).isoformat(),
        "ends_on": "",
        "space": "",
        "room": "",
        "capacity": "50",
        "visibility": "public",
        "publish": "on",
        "description": "",
    }
    data.update(overrides)
    return data


def test_the_series_form_sent_twice_with_publish_creates_and_announces_once(
    organiser_client, chapter, member
):
    chapter.followers.add(member)
    page = organiser_client.get("/organise/series/new/").content.decode()
    assert "data-once" in page
    data = {**_series_form(chapter), "nonce": NONCE.search(page).group(1)}

    first = organiser_client.post("/organise/series/new/", data)
    second = organiser_client.post("/organise/series/new/", data)

    assert (first.status_code, second.status_code) == (302, 302)
    assert EventSeries.objects.count() == 1
    occurrences = Event.objects.filter(status=Event.Status.PUBLISHED)
    assert occurrences.count() >= 8  # weekly, eight weeks ahead
    assert occurrences.count() == occurrences.values("series_date").distinct().count()
    # Each follower hears of the series once.
    announced = Outbox.objects.filter(kind="events.chapter_announcement", to_email=member.email)
    assert announced.count() == 1
    assert _said(second).endswith("is already saved: it is not created twice.")
    # A new form (a new token) is a new series.
    organiser_client.post("/organise/series/new/", {**data, "nonce": uuid.uuid4().hex})
    assert EventSeries.objects.count() == 2


# A copy of a past event ---------------------------------------------------------------------


def test_a_copy_of_a_past_event_lands_on_the_first_same_weekday_to_come(
    organiser_client, chapter, member
):
    chapter.followers.add(member)
    start = _aware(timezone.localdate() - timedelta(days=80), 19)  # 11 weeks and 3 days ago
    past = EventFactory(
        title="Free software talk",
        slug="free-software",
        chapter=chapter,
        space=chapter.space,
        start=start,
        end=start + timedelta(hours=2),
    )

    response = organiser_client.post("/organise/free-software/duplicate/")

    copy = Event.objects.exclude(pk=past.pk).get()
    local = timezone.localtime(copy.start)
    now = timezone.now()
    assert (local.weekday(), local.time()) == (timezone.localtime(start).weekday(), time(19))
    assert now < copy.start <= now + timedelta(days=7)
    assert copy.end - copy.start == timedelta(hours=2)
    day = f"{local:%A} {local.day} {local:%B} {local.year}"
    assert _said(response) == (
        f"“Free software talk” is past: its draft copy is on {day}, the first same weekday to "
        "come. Check the date and details."
    )
    # Saved unchanged and published, it is an event to come: the followers are told.
    form = organiser_client.get(response["Location"]).content.decode()
    assert _local(copy.start) in form
    data = _event_form(chapter, copy.start, title="Free software talk")
    assert organiser_client.post(response["Location"], data).status_code == 302
    published = organiser_client.post(f"/organise/{copy.slug}/publish/")
    assert _said(published) == (
        "“Free software talk” is published: the chapter's followers are told."
    )
    assert Outbox.objects.filter(dedup_key=f"chapter-announce:{copy.pk}:{member.pk}").exists()


def test_a_copy_of_an_event_to_come_is_one_week_later_at_the_same_local_time(
    organiser_client, chapter
):
    # The Thursday before the spring DST change: the copy is on the Thursday after it, at
    # 19:00 Brussels time still (one hour less in UTC).
    first_day = timezone.localdate()
    last_sunday_of_march = max(
        d
        for d in (first_day.replace(year=first_day.year + 1, month=3, day=n) for n in range(25, 32))
        if d.weekday() == 6
    )
    start = _aware(last_sunday_of_march - timedelta(days=3), 19)
    EventFactory(slug="before-dst", chapter=chapter, space=chapter.space, start=start)

    response = organiser_client.post("/organise/before-dst/duplicate/")

    copy = Event.objects.exclude(slug="before-dst").get()
    assert timezone.localtime(copy.start) == _aware(last_sunday_of_march + timedelta(days=4), 19)
    assert copy.start - start == timedelta(days=7, hours=-1)
    assert _said(response) == (
        "A draft copy is created, one week later: check the date and details."
    )


# The edit form saved without touching the time ----------------------------------------------


@pytest.fixture
def evening_with_seconds(chapter):
    """A published evening starting at 18:00:30 (set in the admin, or by a script), with two
    people registered."""
    start = _aware(timezone.localdate() + timedelta(days=10), 18, 0, 30)
    event = EventFactory(
        title="Switch IT day",
        slug="switch-it-day",
        chapter=chapter,
        space=chapter.space,
        kind=kind("it-day"),
        start=start,
        end=start + timedelta(hours=3, seconds=15),
        capacity=20,
    )
    RegistrationFactory(event=event)
    RegistrationFactory(event=event)
    return event


def test_saving_the_edit_form_without_touching_the_time_tells_nobody(
    organiser_client, chapter, evening_with_seconds
):
    event = evening_with_seconds
    page = organiser_client.get("/organise/switch-it-day/edit/").content.decode()
    shown_start, shown_end = _local(event.start), _local(event.end)
    assert f'value="{shown_start}"' in page
    assert f'value="{shown_end}"' in page
    data = _event_form(chapter, event.start, end=shown_end, capacity="30")

    assert organiser_client.post("/organise/switch-it-day/edit/", data).status_code == 302

    event.refresh_from_db()
    assert event.capacity == 30
    assert event.version == 1
    assert timezone.localtime(event.start).time() == time(18, 0, 30)  # kept as stored
    assert not Outbox.objects.filter(kind="events.event_changed").exists()
    assert event.changes.get().fields == ["capacity"]

    # A new minute is a new time: both registrants are told.
    later = _event_form(chapter, event.start + timedelta(minutes=1), capacity="30")
    assert organiser_client.post("/organise/switch-it-day/edit/", later).status_code == 302
    event.refresh_from_db()
    assert event.version == 2
    assert Outbox.objects.filter(kind="events.event_changed").count() == 2


# The "event changed" email to the waitlist ---------------------------------------------------


def test_a_waitlisted_person_is_told_they_still_wait_with_a_tentative_calendar_file(
    organiser_client, chapter
):
    start = _aware(timezone.localdate() + timedelta(days=10), 18)
    event = EventFactory(
        title="Switch IT day",
        slug="switch-it-day",
        chapter=chapter,
        space=chapter.space,
        kind=kind("it-day"),
        start=start,
        end=start + timedelta(hours=3),
        capacity=1,
    )
    seated = RegistrationFactory(event=event, user=UserFactory(name="Sam Seated"))
    waiting = RegistrationFactory(
        event=event,
        user=UserFactory(name="Wim Waiting"),
        status=Registration.Status.WAITLISTED,
        waitlisted_at=timezone.now(),
    )
    guest = RegistrationFactory(
        event=event,
        user=None,
        name="Fanny Invitée",
        email="fanny@example.test",
        language="fr",
        status=Registration.Status.WAITLISTED,
        waitlisted_at=timezone.now() + timedelta(seconds=1),
    )
    data = _event_form(chapter, start + timedelta(hours=1), capacity="1")

    assert organiser_client.post("/organise/switch-it-day/edit/", data).status_code == 302
    outbox_render(list(Outbox.objects.all()))  # written as data: rendered when sent

    rows = {row.to_email: row for row in Outbox.objects.filter(kind="events.event_changed")}
    assert set(rows) == {seated.email, waiting.email, guest.email}
    wim = rows[waiting.email]
    assert "You are still on the waitlist, number 1: you have no seat yet." in wim.body_text
    assert "Leave the waitlist:" in wim.body_text
    assert "free your seat" not in wim.body_text.lower()
    assert "Leave the waitlist</a>" in wim.body_html
    assert "free my seat" not in wim.body_html
    ics = wim.attachments[0]["content"]
    assert "STATUS:TENTATIVE" in ics
    assert "CONFIRMED" not in ics
    assert "SUMMARY:Switch IT day (waitlist)" in ics
    # In the guest's language, like their feed would be.
    assert "SUMMARY:Switch IT day (liste d'attente)" in rows[guest.email].attachments[0]["content"]
    # The person with a seat is told as before.
    sam = rows[seated.email]
    assert "Can't come any more? Free your seat:" in sam.body_text
    assert "waitlist" not in sam.body_text
    assert "STATUS:CONFIRMED" in sam.attachments[0]["content"]
    assert "(waitlist)" not in sam.attachments[0]["content"]


def test_someone_promoted_by_the_same_edit_is_told_of_a_seat(organiser_client, chapter):
    start = _aware(timezone.localdate() + timedelta(days=10), 18)
    event = EventFactory(
        slug="switch-it-day",
        chapter=chapter,
        space=chapter.space,
        start=start,
        end=start + timedelta(hours=3),
        capacity=1,
    )
    RegistrationFactory(event=event)
    waiting = RegistrationFactory(
        event=event, status=Registration.Status.WAITLISTED, waitlisted_at=timezone.now()
    )
    data = _event_form(chapter, start + timedelta(hours=1), capacity="2")

    organiser_client.post("/organise/switch-it-day/edit/", data)
    outbox_render(list(Outbox.objects.all()))  # written as data: rendered when sent

    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED
    changed = Outbox.objects.get(kind="events.event_changed", to_email=waiting.email)
    assert "waitlist" not in changed.body_text
    assert "STATUS:CONFIRMED" in changed.attachments[0]["content"]


# The organiser's note --------------------------------------------------------------------------


def test_an_organisers_note_names_them_and_replies_go_to_their_address(
    organiser_client, organiser, chapter
):
    event = EventFactory(
        title="Switch IT day", slug="switch-it-day", chapter=chapter, space=chapter.space
    )
    member = RegistrationFactory(event=event, user=UserFactory(name="Ann English"))
    RegistrationFactory(event=event, user=None, name="Gert Gast", email="gert@example.test")
    page = organiser_client.get("/organise/switch-it-day/message/").content.decode()
    assert f"replies go to your address, {organiser.email}." in page
    assert "People reply to you in person." not in page

    organiser_client.post(
        "/organise/switch-it-day/message/",
        {"subject": "Parking", "body": "Park behind the station.", "nonce": uuid.uuid4().hex},
    )
    outbox_send_due()

    sent = {message.to[0]: message for message in mail.outbox}
    assert set(sent) == {member.email, "gert@example.test"}
    for message in sent.values():
        assert message.message()["Reply-To"] == f"Norman Lambert <{organiser.email}>"
        assert (
            "Norman Lambert, organiser of the Charleroi chapter, wrote to the people registered "
            "for this event:" in message.body
        )
        assert "Reply to this email to answer Norman Lambert." in message.body
    row = Outbox.objects.get(kind=OrganiserNote.key, to_email=member.email)
    assert row.headers["Reply-To"] == f"Norman Lambert <{organiser.email}>"
    assert row.headers.get("List-Unsubscribe")  # the member's row keeps its own headers
    # What the mail server receives (the SMTP path builds its own bytes).
    _sender, _to, data = MessageBuilder().envelope(row)
    assert f"Reply-To: Norman Lambert <{organiser.email}>".encode() in data


def test_a_change_of_seconds_alone_is_no_new_time_for_the_services_either(
    evening_with_seconds,
):
    """The admin or a script may store the minute without its seconds: nobody is told."""
    event = evening_with_seconds
    services.event_update(event=event, data={"start": event.start.replace(second=0)})
    event.refresh_from_db()
    assert event.version == 1
    assert not Outbox.objects.filter(kind="events.event_changed").exists()
