"""A published series is announced to its chapter's followers once — naming the series, its
rhythm and its dates — not once per occurrence (QA: a weekly series published from the
console sent every follower eight identical emails at once, and changing its day would have
sent eight more)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_send_due
from events import services
from events.models import Event, EventSeries
from events.services.announcements import chapter_announcement_write
from tests.factories import ChapterFactory, SpaceFactory, UserFactory
from tests.html_forms import form_values

from .factories import EventSeriesFactory, RegistrationFactory, kind

pytestmark = pytest.mark.django_db

ANNOUNCEMENT = "events.chapter_announcement"


@pytest.fixture
def chapter(organiser):
    chapter = ChapterFactory(
        name="Kortrijk", space=SpaceFactory(name="Twelve Coworking", city="Kortrijk")
    )
    chapter.organisers.add(organiser)
    return chapter


@pytest.fixture
def followers(chapter, organiser):
    people = [UserFactory(name=name) for name in ("Ada Follower", "Bo Follower", "Cy Follower")]
    # The organiser follows their own chapter too: they are not told of their own series.
    chapter.followers.add(*people, organiser)
    return people


@pytest.fixture
def organiser_client(client, organiser):
    client.force_login(organiser)
    return client


def _next_tuesday() -> date:
    today = timezone.localdate()
    return today + timedelta(days=(1 - today.weekday()) % 7 or 7)


def _series_form(chapter, **overrides) -> dict:
    return {
        "title": "QA Kortrijk weekly",
        "kind": kind("betacooks").pk,
        "chapter": chapter.pk,
        "rrule_pattern": "weekly",
        "rrule_weekday": "TU",
        "rrule_ordinal": "1",
        "rrule_monthday": "",
        "start_time": "18:00",
        "duration_minutes": "120",
        "starts_on": _next_tuesday().isoformat(),
        "ends_on": "",
        "space": "",
        "room": "",
        "capacity": "40",
        "visibility": "public",
        "publish": "on",
        "description": "",
        **overrides,
    }


def _create(client, chapter) -> EventSeries:
    assert client.post("/organise/series/new/", _series_form(chapter)).status_code == 302
    return EventSeries.objects.get()


def _announcements():
    return Outbox.objects.filter(kind=ANNOUNCEMENT)


def _upcoming(series) -> list[Event]:
    return list(
        series.events.filter(status=Event.Status.PUBLISHED, start__gt=timezone.now()).order_by(
            "start"
        )
    )


def _sent() -> dict:
    outbox_send_due()
    return {message.to[0]: message for message in mail.outbox}


def test_a_published_series_is_announced_once_to_each_follower(
    organiser_client, chapter, followers, organiser
):
    series = _create(organiser_client, chapter)

    occurrences = _upcoming(series)
    assert len(occurrences) >= 8  # eight weeks ahead
    rows = _announcements()
    assert sorted(rows.values_list("recipient_id", flat=True)) == sorted(f.pk for f in followers)
    assert {row.dedup_key for row in rows} == {
        f"chapter-announce-series:{series.pk}:{f.pk}" for f in followers
    }
    # Its delivery log is the first occurrence's.
    assert set(rows.values_list("topic", flat=True)) == {f"event:{occurrences[0].pk}"}

    sent = _sent()
    assert sorted(sent) == sorted(f.email for f in followers)  # not the organiser
    email = sent[followers[0].email]
    assert email.subject == "New series at Kortrijk: QA Kortrijk weekly"
    body = email.body
    assert "A new series of events is coming up in Kortrijk, a chapter you follow:" in body
    assert "Weekly on Tuesday" in body
    first, second, third = (timezone.localtime(e.start) for e in occurrences[:3])
    assert f"Next date: {first:%A} {first.day} {first:%B} {first.year}, 18:00" in body
    then = f"Then: {second:%A} {second.day} {second:%B}, {third:%A} {third.day} {third:%B}, "
    assert then in body
    assert body.count(f"{first:%A} ") == 6  # the next date and five more, then "…"
    assert occurrences[0].get_absolute_url() in body
    assert chapter.get_absolute_url() in body
    assert "Weekly on Tuesday" in email.alternatives[0][0]


def test_the_announcement_speaks_the_followers_language(organiser_client, chapter):
    chapter.followers.add(UserFactory(email="zoe@example.test", preferred_language="fr"))
    _create(organiser_client, chapter)

    body = _sent()["zoe@example.test"].body

    assert "Chaque semaine, le mardi" in body


def test_more_dates_generated_later_announce_nothing_more(organiser_client, chapter, followers):
    series = _create(organiser_client, chapter)
    _sent()

    created = services.series_generate(
        series=series, until=timezone.localdate() + timedelta(weeks=20)
    )

    assert len(created) >= 8
    assert _announcements().count() == len(followers)


def test_a_new_follower_hears_of_the_series_with_its_next_dates(
    organiser_client, chapter, followers
):
    series = _create(organiser_client, chapter)
    newcomer = UserFactory()
    chapter.followers.add(newcomer)

    services.series_generate(series=series, until=timezone.localdate() + timedelta(weeks=20))

    [row] = _announcements().filter(recipient=newcomer)
    assert row.dedup_key == f"chapter-announce-series:{series.pk}:{newcomer.pk}"
    first = timezone.localtime(_upcoming(series)[0].start)  # the next date, not the new ones
    assert (
        f"Next date: {first:%A} {first.day} {first:%B} {first.year}" in _sent()[newcomer.email].body
    )


def test_a_new_day_for_the_series_announces_nothing_new(
    organiser_client, chapter, followers, organiser
):
    """The QA's second finding: changing the weekday removes the occurrences nobody
    registered for and creates their replacements; the followers, told of the series, are
    not told again. One that people registered for stays (for the organiser to cancel: its
    registrants are told then)."""
    series = _create(organiser_client, chapter)
    held = _upcoming(series)[2]
    RegistrationFactory(event=held)
    page = organiser_client.get(f"/organise/series/{series.pk}/edit/").content.decode()
    # (A ticked box without a value: a browser sends "on".)
    data = form_values(page, css_class="console-form", rrule_weekday="WE", publish="on")

    response = organiser_client.post(f"/organise/series/{series.pk}/edit/", data)

    assert response.status_code == 302
    series.refresh_from_db()
    assert series.rrule == "FREQ=WEEKLY;BYDAY=WE"
    wednesdays = [e for e in _upcoming(series) if timezone.localtime(e.start).weekday() == 2]
    assert len(wednesdays) >= 7
    assert Event.objects.filter(pk=held.pk).exists()
    assert _announcements().count() == len(followers)
    # Sent after the change, the announcement tells the series as it is now.
    body = _sent()[followers[0].email].body
    assert "Weekly on Wednesday" in body
    first = timezone.localtime(wednesdays[0].start)
    assert f"{first:%A} {first.day} {first:%B}" in body


def test_publishing_occurrences_twice_or_another_one_announces_the_series_once(chapter, followers):
    series = EventSeriesFactory(chapter=chapter, space=chapter.space, publish=True)
    first, second, *_rest = services.series_generate(series=series)

    assert chapter_announcement_write(event=first) == 0
    assert chapter_announcement_write(event=second) == 0
    assert _announcements().count() == len(followers)


def test_followers_told_of_an_occurrence_before_are_not_told_of_its_series(chapter, followers):
    """Before a series was announced once, each of its occurrences was: those followers know
    it (the first generation after the change would have sent them all a 'new series')."""
    series = EventSeriesFactory(chapter=chapter, space=chapter.space, publish=True)
    told = followers[0]
    services.series_generate(series=series, until=timezone.localdate() + timedelta(weeks=2))
    earlier = series.events.order_by("start").first()
    Outbox.objects.filter(recipient=told).update(
        dedup_key=f"chapter-announce:{earlier.pk}:{told.pk}", payload={"event": earlier.pk}
    )
    Outbox.objects.exclude(recipient=told).delete()

    services.series_generate(series=series, until=timezone.localdate() + timedelta(weeks=8))

    assert sorted(_announcements().values_list("recipient_id", flat=True)) == sorted(
        f.pk for f in followers
    )
    assert _announcements().filter(recipient=told).count() == 1


def test_an_occurrence_published_by_hand_from_a_series_of_drafts_is_announced_as_itself(
    organiser_client, chapter, followers
):
    """A series that leaves its occurrences as drafts: the organiser publishes each when it
    is ready, and each is news, as any event published from the console."""
    series = EventSeriesFactory(chapter=chapter, space=chapter.space, publish=False)
    first, second, *_rest = services.series_generate(series=series)
    assert not _announcements().exists()

    for event in (first, second):
        response = organiser_client.post(f"/organise/{event.slug}/publish/")
        assert response.status_code == 302

    assert set(_announcements().values_list("dedup_key", flat=True)) == {
        f"chapter-announce:{event.pk}:{f.pk}" for event in (first, second) for f in followers
    }


def test_a_series_with_no_published_date_to_come_is_not_announced(chapter, followers):
    series = EventSeriesFactory(chapter=chapter, space=chapter.space, publish=True)
    services.series_generate(series=series)
    series.events.update(status=Event.Status.CANCELLED)

    outbox_send_due()

    assert not mail.outbox
    assert set(_announcements().values_list("status", "last_error")) == {
        (Outbox.Status.CANCELLED, "Series has no published date to come.")
    }


def test_a_series_announcement_costs_the_same_queries_for_3_and_30_followers():
    """Written in one INSERT, rendered by the sender in one batch: neither grows with the
    followers."""
    from betacowork.messaging.sender import outbox_render

    def queries(n: int) -> tuple[int, int]:
        chapter = ChapterFactory(name=f"Chapter {n}")
        chapter.followers.add(*(UserFactory() for _ in range(n)))
        series = EventSeriesFactory(
            title=f"Lunch {n}", chapter=chapter, space=chapter.space, publish=True
        )
        with CaptureQueriesContext(connection) as writing:
            services.series_generate(series=series)
        rows = list(Outbox.objects.filter(kind=ANNOUNCEMENT, recipient__followed_chapters=chapter))
        assert len(rows) == n
        with CaptureQueriesContext(connection) as rendering:
            assert outbox_render(rows, save=False) == {}
        return len(writing), len(rendering)

    assert queries(3) == queries(30)


def test_a_series_moved_to_another_chapter_is_announced_once_to_its_followers(chapter, followers):
    """Its occurrences follow it to the new chapter, each moved through the edit service
    (which announces an event moved to another chapter): that chapter's followers hear of
    the series once; the old chapter's are not told again."""
    series = EventSeriesFactory(chapter=chapter, space=chapter.space, publish=True)
    assert len(services.series_generate(series=series)) >= 8
    gent = ChapterFactory(name="Gent")
    newcomer = UserFactory()
    gent.followers.add(newcomer, followers[0])

    services.series_save(actor=None, series=series, chapter=gent)

    assert set(series.events.values_list("chapter", flat=True)) == {gent.pk}
    rows = _announcements().filter(dedup_key__startswith=f"chapter-announce-series:{series.pk}:")
    # The follower of both heard of the series already.
    assert sorted(rows.values_list("recipient_id", flat=True)) == sorted(
        [*(f.pk for f in followers), newcomer.pk]
    )
    assert _sent()[newcomer.email].subject == "New series at Gent: Betacooks"
