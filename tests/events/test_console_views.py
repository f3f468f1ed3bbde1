"""What an organiser sees and changes in the console: publish (followers told once), cancel
(after saying how many people will be emailed), duplicate, registrations and their CSV, and
the constant query counts of the list and the registrations page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from betacowork.messaging.models import Outbox
from events import services
from events.models import Event, Registration
from members.models import Visibility
from tests.factories import ChapterFactory, SpaceFactory, UserFactory

from .factories import EventFactory, EventSeriesFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chapter(organiser):
    chapter = ChapterFactory(
        name="Charleroi", space=SpaceFactory(name="Switch Coworking", city="Charleroi")
    )
    chapter.organisers.add(organiser)
    return chapter


@pytest.fixture
def event(chapter):
    return EventFactory(
        title="Switch IT day", slug="switch-it-day", chapter=chapter, space=chapter.space
    )


@pytest.fixture
def organiser_client(client, organiser, chapter):
    client.force_login(organiser)
    return client


def _member(name: str, *, visibility=Visibility.MEMBERS, **extra):
    user = UserFactory(name=name, **extra)
    user.profile.visibility = visibility
    user.profile.save()
    return user


def test_publish_announces_to_the_followers_once(organiser_client, chapter):
    followers = [_member("Ada Follower"), _member("Bo Follower")]
    chapter.followers.add(*followers)
    draft = EventFactory(
        slug="next-it-day", chapter=chapter, status=Event.Status.DRAFT, title="Next IT day"
    )

    response = organiser_client.post("/organise/next-it-day/publish/", follow=True)
    assert "is published" in response.content.decode()
    again = organiser_client.post("/organise/next-it-day/publish/", follow=True)
    assert "Only a draft can be published" in again.content.decode()

    draft.refresh_from_db()
    assert draft.status == Event.Status.PUBLISHED
    announcements = Outbox.objects.filter(dedup_key__startswith=f"chapter-announce:{draft.pk}:")
    assert sorted(announcements.values_list("recipient_id", flat=True)) == sorted(
        f.pk for f in followers
    )


def test_a_draft_published_with_a_past_date_is_announced_once_its_date_is_corrected(
    organiser_client, chapter
):
    followers = [_member("Ada Follower"), _member("Bo Follower")]
    chapter.followers.add(*followers)
    typo = timezone.now() - timedelta(days=400)
    draft = EventFactory(
        slug="typo-evening",
        chapter=chapter,
        status=Event.Status.DRAFT,
        title="Typo evening",
        start=typo,
        end=typo + timedelta(hours=2),
    )
    response = organiser_client.post("/organise/typo-evening/publish/", follow=True)
    assert "its date is past: nobody is told" in response.content.decode()
    announced = Outbox.objects.filter(dedup_key__startswith=f"chapter-announce:{draft.pk}:")
    assert not announced.exists()

    start = timezone.now() + timedelta(days=30)
    services.event_update(event=draft, data={"start": start, "end": start + timedelta(hours=2)})
    assert sorted(announced.values_list("recipient_id", flat=True)) == sorted(
        f.pk for f in followers
    )
    later = start + timedelta(days=1)  # moved again: nobody is told twice
    services.event_update(event=draft, data={"start": later, "end": later + timedelta(hours=2)})
    assert announced.count() == 2


def test_cancel_says_how_many_people_will_be_emailed_then_emails_them(organiser_client, event):
    told = [RegistrationFactory(event=event), RegistrationFactory(event=event)]
    RegistrationFactory(event=event, status=Registration.Status.CANCELLED)
    event.capacity = 2
    event.save()
    waiting = RegistrationFactory(
        event=event, status=Registration.Status.WAITLISTED, waitlisted_at=timezone.now()
    )

    page = organiser_client.get("/organise/switch-it-day/cancel/")
    assert page.status_code == 200
    assert "3 people will be emailed" in page.content.decode()
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED  # asking changed nothing

    response = organiser_client.post("/organise/switch-it-day/cancel/", follow=True)
    assert "3 people will be emailed" in response.content.decode()
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    keys = set(Outbox.objects.values_list("dedup_key", flat=True))
    assert {f"event-cancelled:{event.pk}:{r.pk}" for r in [*told, waiting]} == keys


def test_cancelling_an_event_nobody_registered_for_promises_no_email(organiser_client, event):
    RegistrationFactory(event=event, status=Registration.Status.CANCELLED)  # gave it back
    page = organiser_client.get("/organise/switch-it-day/cancel/").content.decode()
    assert "Nobody is registered: nobody will be emailed." in page
    assert "0 people" not in page
    assert ">Cancel the event</button>" in page
    assert "email them" not in page

    response = organiser_client.post("/organise/switch-it-day/cancel/", follow=True)
    html = response.content.decode()
    assert "“Switch IT day” is cancelled." in html
    assert "will be emailed" not in html
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    assert not Outbox.objects.filter(dedup_key__startswith="event-cancelled:").exists()


def test_duplicate_opens_the_draft_copy_for_editing(organiser_client, event):
    response = organiser_client.post("/organise/switch-it-day/duplicate/")
    copy = Event.objects.exclude(pk=event.pk).get()
    assert response.status_code == 302
    assert response["Location"] == f"/organise/{copy.slug}/edit/"
    assert copy.status == Event.Status.DRAFT
    assert copy.chapter == event.chapter
    # A week later at the same Brussels time (the same UTC time unless DST changes between).
    assert timezone.localtime(copy.start) == timezone.localtime(event.start) + timedelta(days=7)


@pytest.fixture
def crowd(event):
    """Confirmed: a visible member (checked in), a guest, a hidden member; a waitlist of two
    (the hidden one first); one cancelled."""
    event.capacity = 3
    event.save()
    ada = _member("Ada Visible")
    hidden = _member("Hugo Hidden", visibility=Visibility.HIDDEN)
    now = timezone.now()
    RegistrationFactory(event=event, user=ada, note="vegetarian", checked_in_at=now)
    RegistrationFactory(event=event, user=None, name="=HYPERLINK(1)", email="guest@example.test")
    RegistrationFactory(event=event, user=hidden)
    RegistrationFactory(
        event=event,
        user=_member("Hidden Waiter", visibility=Visibility.HIDDEN),
        status=Registration.Status.WAITLISTED,
        waitlisted_at=now - timedelta(minutes=5),
    )
    RegistrationFactory(
        event=event,
        user=_member("Wendy Second"),
        status=Registration.Status.WAITLISTED,
        waitlisted_at=now,
    )
    RegistrationFactory(event=event, user=_member("Carl Cancelled"), status="cancelled")
    return event


def test_registrations_page_for_an_organiser_counts_private_profiles_without_naming_them(
    organiser_client, crowd
):
    response = organiser_client.get("/organise/switch-it-day/registrations/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ada Visible" in page
    assert "vegetarian" in page
    assert "Hugo Hidden" not in page
    assert "Hidden Waiter" not in page
    assert "and 1 person with a private profile" in page
    assert "@example.test" not in page  # no emails for organisers
    overview = response.context["overview"]
    assert [len(overview.confirmed), len(overview.waitlist)] == [3, 2]
    assert (overview.checked_in_count, overview.cancelled_count) == (1, 1)
    # The waitlist keeps its order; the private profile is in first place, unnamed.
    assert [r.shown for r in overview.waitlist] == [False, True]
    waitlist_html = page.split('data-testid="waitlist"')[1]
    assert waitlist_html.index("A member with a private profile") < waitlist_html.index(
        "Wendy Second"
    )
    assert "/events/switch-it-day/check-in/" in page


def test_registrations_page_in_french_counts_in_the_plural_and_badges_one_person(
    organiser_client, crowd
):
    organiser_client.cookies["betacowork_language"] = "fr"
    page = organiser_client.get("/organise/switch-it-day/registrations/").content.decode()
    totals = page.split('class="console-stats console-totals"', 1)[1].split("</ul>", 1)[0]
    assert "confirmés" in totals
    assert "présents" in totals
    person = page.split('data-testid="confirmed"', 1)[1]
    assert re.search(r'badge-success">présent \d\d:\d\d<', person)


def test_registrations_page_for_staff_shows_everyone_with_emails(client, staff, crowd):
    client.force_login(staff)
    page = client.get("/organise/switch-it-day/registrations/").content.decode()
    assert "Hugo Hidden" in page
    assert "Hidden Waiter" in page
    assert "guest@example.test" in page


def test_registrations_csv_for_an_organiser(organiser_client, crowd):
    response = organiser_client.get("/organise/switch-it-day/registrations.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0] == "name,status,waitlist position,member,note,registered at,checked in at"
    assert "email" not in lines[0]
    assert "@example.test" not in text
    assert "Ada Visible" in text
    assert "Hugo Hidden" not in text
    assert "Hidden Waiter" not in text
    assert text.count("Private profile") == 2
    assert "'=HYPERLINK(1)" in text  # a formula is neutralised
    assert len(lines) == 1 + 5  # cancelled registrations are not listed
    wendy = next(line for line in lines if line.startswith("Wendy Second"))
    assert ",On the waitlist,2," in wendy


def test_the_registrations_csv_reads_in_the_organisers_language(organiser, client, crowd):
    organiser.preferred_language = "fr"
    organiser.save(update_fields=["preferred_language"])
    client.force_login(organiser)
    text = client.get("/organise/switch-it-day/registrations.csv").content.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0] == (
        "nom,statut,place en liste d'attente,membre,note,inscrit le,présence enregistrée le"
    )
    wendy = next(line for line in lines if line.startswith("Wendy Second"))
    assert ",En liste d'attente,2," in wendy


def test_registrations_csv_for_staff_has_emails_and_every_name(client, staff, crowd):
    client.force_login(staff)
    text = client.get("/organise/switch-it-day/registrations.csv").content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("name,email,status")
    assert "Hugo Hidden" in text
    assert "guest@example.test" in text
    assert "Private profile" not in text


def test_the_event_page_of_a_series_says_how_it_repeats(client, chapter):
    series = EventSeriesFactory(chapter=chapter, rrule="FREQ=MONTHLY;BYDAY=1TH")
    EventFactory(slug="it-day-march", series=series, chapter=chapter)
    EventFactory(slug="one-off", chapter=chapter)
    page = client.get("/events/it-day-march/").content.decode()
    assert "Every first Thursday of the month" in page
    assert 'data-testid="repeats"' not in client.get("/events/one-off/").content.decode()


def test_index_shows_status_seats_waitlist_and_check_ins(organiser_client, chapter, event):
    event.capacity = 1
    event.save()
    RegistrationFactory(event=event, checked_in_at=timezone.now())
    RegistrationFactory(
        event=event, status=Registration.Status.WAITLISTED, waitlisted_at=timezone.now()
    )
    EventFactory(slug="draft-talk", title="Draft talk", chapter=chapter, status="draft")
    EventFactory(slug="last-month", chapter=chapter, start=timezone.now() - timedelta(days=30))
    page = organiser_client.get("/organise/").content.decode()
    past_row = page.split('id="event-last-month"')[1]
    assert "/organise/last-month/cancel/" not in past_row  # nothing to cancel in the past
    row = page.split('id="event-switch-it-day"')[1].split('id="event-')[0]
    assert "Published" in row
    assert "1 / 1 seats" in row
    assert "1 waiting" in row
    assert "1 checked in" in row
    assert "/organise/switch-it-day/cancel/" in row
    draft_row = page.split('id="event-draft-talk"')[1]
    assert "Draft" in draft_row
    assert "/organise/draft-talk/publish/" in draft_row


# Query counts ------------------------------------------------------------------------------


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["organiser", "staff"])
def test_console_list_runs_the_same_queries_for_1_and_30_events(
    client, chapter, organiser, staff, who, django_assert_num_queries
):
    client.force_login(organiser if who == "organiser" else staff)
    EventFactory(chapter=chapter)
    EventSeriesFactory(chapter=chapter)
    EventFactory(chapter=chapter, start=timezone.now() - timedelta(days=10))
    one = _count_queries(client, "/organise/")
    for i in range(29):
        event = EventFactory(chapter=chapter, status="draft" if i % 2 else "published")
        RegistrationFactory(event=event)
        EventSeriesFactory(chapter=chapter, title=f"Series {i}")
        EventFactory(chapter=chapter, start=timezone.now() - timedelta(days=20 + i))
    with django_assert_num_queries(one):
        page = client.get("/organise/")
    # 30 upcoming and the 20 most recent past events.
    assert page.content.decode().count('class="card console-event') == 30 + 20


@pytest.mark.parametrize("who", ["organiser", "staff"])
def test_registrations_page_runs_the_same_queries_for_1_and_30_registrations(
    client, event, organiser, staff, who, django_assert_num_queries
):
    client.force_login(organiser if who == "organiser" else staff)
    event.capacity = 20
    event.save()
    RegistrationFactory(event=event, user=_member("First One"))
    url = "/organise/switch-it-day/registrations/"
    csv_url = "/organise/switch-it-day/registrations.csv"
    one = _count_queries(client, url)
    one_csv = _count_queries(client, csv_url)
    for i in range(29):
        user = _member(f"Person {i}", visibility=Visibility.HIDDEN if i % 3 == 0 else "members")
        registration = services.event_register(event=event, user=user)
        if i % 4 == 0 and registration.status == Registration.Status.CONFIRMED:
            services.registration_check_in(registration=registration, actor=None, now=event.start)
    with django_assert_num_queries(one):
        page = client.get(url)
    assert len(page.context["overview"].confirmed) == 20
    with django_assert_num_queries(one_csv):
        client.get(csv_url)


def test_an_event_that_has_started_cannot_be_cancelled(organiser_client, chapter):
    past = EventFactory(
        title="Last month",
        slug="last-month",
        chapter=chapter,
        start=timezone.now() - timedelta(days=30),
        end=timezone.now() - timedelta(days=30) + timedelta(hours=2),
    )
    came = RegistrationFactory(event=past, checked_in_at=past.start)
    page = organiser_client.get("/organise/last-month/cancel/").content.decode()
    assert "it can no longer be cancelled" in page
    assert "Cancel the event and email them" not in page  # no button that would be refused
    response = organiser_client.post("/organise/last-month/cancel/", follow=True)
    assert "has already started" in response.content.decode()
    past.refresh_from_db()
    assert past.status == Event.Status.PUBLISHED
    assert not Outbox.objects.filter(dedup_key__startswith=f"event-cancelled:{past.pk}:").exists()
    assert came.checked_in_at


def test_a_copy_moves_its_registration_window_and_keeps_a_chapter_evening_small(
    organiser_client, event
):
    event.registration_closes_at = event.start - timedelta(hours=1)
    event.capacity = 200  # staff opened it wider
    event.save()
    organiser_client.post("/organise/switch-it-day/duplicate/")
    copy = Event.objects.exclude(pk=event.pk).get()
    assert copy.registration_closes_at == copy.start - timedelta(hours=1)
    assert copy.capacity == 50
