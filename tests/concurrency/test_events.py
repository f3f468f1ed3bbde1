"""The door and the organiser console pressed twice at once: two organisers checking the same
person in (or in and undo), the organiser's note sent twice, a follow button double-clicked,
a waitlisted person promoted while cancelling."""

from __future__ import annotations

import contextlib
import threading
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from betacowork.messaging.models import Outbox
from events import services
from events.console import services as console_services
from events.models import Registration
from members.models import Chapter
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import ChapterFactory, SpaceFactory, UserFactory

from .conftest import PG_RACE, logged_in, post, together

pytestmark = PG_RACE


@pytest.fixture
def chapter():
    return ChapterFactory(
        name="Charleroi", space=SpaceFactory(name="Switch Coworking", city="Charleroi")
    )


@pytest.fixture
def organisers(chapter):
    people = UserFactory.create_batch(2)
    chapter.organisers.add(*people)
    return people


@pytest.fixture
def tonight(chapter):
    start = timezone.now() - timedelta(minutes=10)
    return EventFactory(
        title="Switch IT day",
        slug="switch-it-day",
        chapter=chapter,
        space=chapter.space,
        start=start,
        end=start + timedelta(hours=3),
    )


def _toggle(client, registration, action):
    url = f"/events/{registration.event.slug}/check-in/{registration.pk}/"
    return client.post(url, {"action": action}, HTTP_ACCEPT="application/json").status_code


def test_two_organisers_checking_the_same_person_in(tonight, organisers):
    registration = RegistrationFactory(event=tonight, user=UserFactory())
    doors = [logged_in(o) for o in organisers]

    codes, errors = together(*(lambda d=d: _toggle(d, registration, "in") for d in doors))

    assert errors == []
    assert codes == [200, 200]
    registration.refresh_from_db()
    assert registration.checked_in_at is not None
    assert registration.checked_in_by_id in {o.pk for o in organisers}


def test_check_in_and_undo_at_once_end_in_one_of_the_two(tonight, organisers):
    for _ in range(3):
        registration = RegistrationFactory(event=tonight, user=UserFactory())
        doors = [logged_in(o) for o in organisers]
        codes, errors = together(
            lambda d=doors, r=registration: _toggle(d[0], r, "in"),
            lambda d=doors, r=registration: _toggle(d[1], r, "undo"),
        )
        assert errors == []
        assert codes == [200, 200]
        registration.refresh_from_db()
        assert (registration.checked_in_at is None) == (registration.checked_in_by_id is None)


def test_the_note_sent_twice_at_once_is_written_once(tonight, organisers):
    people = [RegistrationFactory(event=tonight, user=UserFactory()) for _ in range(3)]
    client = logged_in(organisers[0])
    data = {"subject": "Parking", "body": "Behind the station.", "nonce": uuid.uuid4().hex}
    url = f"/organise/{tonight.slug}/message/"

    codes, errors = together(*(lambda: post(client, url, data) for _ in range(2)))

    assert errors == []
    assert codes == [302, 302]
    notes = Outbox.objects.filter(kind="events.organiser_note")
    assert sorted(notes.values_list("recipient_id", flat=True)) == sorted(r.user_id for r in people)


def test_two_organisers_sending_the_same_note_at_once_send_it_once(
    tonight, organisers, monkeypatch
):
    """Two forms (two organisers, or Back then Send in a second tab): the second to check is
    asked whether to send it again (409), whatever the timing. Each request waits after its
    own check for the other's, as long as the other can get there: without the check taking
    turns, both find nothing sent yet, and both send."""
    people = [RegistrationFactory(event=tonight, user=UserFactory()) for _ in range(3)]
    checked = threading.Barrier(2)
    check = console_services._same_note_sent_at

    def check_then_wait(**kwargs):
        found = check(**kwargs)
        # Broken when the other request waits for this one's transaction to end.
        with contextlib.suppress(threading.BrokenBarrierError):
            checked.wait(timeout=1)
        return found

    monkeypatch.setattr(console_services, "_same_note_sent_at", check_then_wait)
    url = f"/organise/{tonight.slug}/message/"

    def send(organiser):
        data = {"subject": "Parking", "body": "Behind the station.", "nonce": uuid.uuid4().hex}
        return post(logged_in(organiser), url, data)

    codes, errors = together(*(lambda o=o: send(o) for o in organisers))

    assert errors == []
    assert sorted(codes) == [302, 409]
    notes = Outbox.objects.filter(kind="events.organiser_note")
    assert sorted(notes.values_list("recipient_id", flat=True)) == sorted(r.user_id for r in people)


def test_follow_and_unfollow_double_clicked(chapter):
    user = UserFactory()
    clients = [logged_in(user), logged_in(user)]
    for action, following in (("follow", True), ("unfollow", False)):
        url = f"/chapters/{chapter.slug}/{action}/"
        codes, errors = together(*(lambda c=c, u=url: post(c, u) for c in clients))
        assert errors == []
        assert codes == [302, 302]
        follows = Chapter.followers.through.objects.filter(chapter=chapter, user=user)
        assert follows.count() == (1 if following else 0)


def test_a_promoted_person_cancelling_while_the_seat_frees_up(chapter):
    event = EventFactory(chapter=chapter, capacity=1, start=timezone.now() + timedelta(days=5))
    for _ in range(3):
        holder, first, second = UserFactory.create_batch(3)
        Registration.objects.filter(event=event).delete()
        seat = services.event_register(event=event, user=holder)
        waiting = services.event_register(event=event, user=first)
        services.event_register(event=event, user=second)
        assert waiting.status == Registration.Status.WAITLISTED

        _results, errors = together(
            lambda s=seat: services.registration_cancel(registration=s),
            lambda w=waiting: services.registration_cancel(registration=w),
        )

        assert errors == []
        confirmed = event.registrations.confirmed()
        assert [r.user_id for r in confirmed] == [second.pk]
        promoted = Outbox.objects.filter(kind="events.registration_promoted", recipient=second)
        assert promoted.count() == 1
