"""The console's create, duplicate and series forms sent several times at once, against a real
PostgreSQL server (each thread its own connection, released together by a barrier):

- the same form (one nonce, one person) sent at once creates one event, copy or series;
- different people creating events of the same title on the same day at once all get one,
  each under its own address (`-2`, `-3`…): the slug race ends in a retry, never in a 500.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from betacowork.messaging.models import Outbox
from events import services
from events.models import Event, EventSeries
from tests.factories import ChapterFactory, SpaceFactory, UserFactory

from .factories import EventFactory, kind
from .test_concurrency import _race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.exclusive("many-connections"),
]

PEOPLE = 6


@pytest.fixture
def chapter():
    return ChapterFactory(
        name="Charleroi", space=SpaceFactory(name="Switch Coworking", city="Charleroi")
    )


@pytest.fixture
def organisers(chapter):
    people = [UserFactory(name=f"Organiser {i}") for i in range(PEOPLE)]
    chapter.organisers.add(*people)
    return people


def _client(user) -> Client:
    client = Client()
    client.force_login(user)  # the session is committed before the threads start
    return client


def _start() -> datetime:
    day = timezone.localdate() + timedelta(days=20)
    return timezone.make_aware(datetime.combine(day, time(18)))


def _event_form(chapter, **extra) -> dict:
    start = timezone.localtime(_start())
    return {
        "title": "Race night",
        "kind": kind("it-day").pk,
        "chapter": chapter.pk,
        "start": start.strftime("%Y-%m-%dT%H:%M"),
        "end": (start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "space": "",
        "room": "",
        "capacity": "50",
        "visibility": "public",
        "description": "",
        **extra,
    }


def _post(client, url, data):
    return client.post(url, data).status_code


def test_the_same_new_event_form_sent_at_once_creates_one_event(chapter, organisers):
    client = _client(organisers[0])
    data = _event_form(chapter, nonce=uuid.uuid4().hex)

    codes, errors = _race(_post, [(client, "/organise/new/", data)] * 4)

    assert errors == []
    assert codes == [302] * 4
    assert Event.objects.count() == 1


def test_people_creating_the_same_title_on_the_same_day_at_once_each_get_an_event(
    chapter, organisers
):
    jobs = [(_client(user), "/organise/new/", _event_form(chapter)) for user in organisers]

    codes, errors = _race(_post, jobs)

    assert errors == []
    assert codes == [302] * PEOPLE
    base = f"race-night-{timezone.localdate(_start()).isoformat()}"
    slugs = set(Event.objects.values_list("slug", flat=True))
    assert slugs == {base, *(f"{base}-{n}" for n in range(2, PEOPLE + 1))}


def test_the_service_itself_never_fails_on_a_taken_slug(chapter, organisers):
    """Without the console's per-person queue: the slug race inside `event_create`."""
    it_day = kind("it-day")

    def create(user):
        return services.event_create(
            actor=user, title="Race night", kind=it_day, chapter=chapter, start=_start()
        )

    events, errors = _race(create, [(user,) for user in organisers])

    assert errors == []
    assert len({event.slug for event in events}) == PEOPLE


def test_the_same_duplicate_button_sent_at_once_makes_one_copy(chapter, organisers):
    EventFactory(title="Switch IT day", slug="switch-it-day", chapter=chapter)
    client = _client(organisers[0])
    data = {"nonce": uuid.uuid4().hex}

    codes, errors = _race(_post, [(client, "/organise/switch-it-day/duplicate/", data)] * 4)

    assert errors == []
    assert codes == [302] * 4
    assert Event.objects.count() == 2


def test_the_same_series_form_sent_at_once_creates_and_announces_one_series(chapter, organisers):
    follower = UserFactory(name="Fay Follower")
    chapter.followers.add(follower)
    client = _client(organisers[0])
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
        "nonce": uuid.uuid4().hex,
    }

    codes, errors = _race(_post, [(client, "/organise/series/new/", data)] * 3)

    assert errors == []
    assert codes == [302] * 3
    assert EventSeries.objects.count() == 1
    occurrences = Event.objects.count()
    assert occurrences >= 8
    # A series is announced once to each follower, as the series (not once per date).
    announced = Outbox.objects.filter(kind="events.chapter_announcement", to_email=follower.email)
    assert announced.count() == 1
    assert announced.get().payload["series"] == EventSeries.objects.get().pk
