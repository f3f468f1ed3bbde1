"""A Speed Networking evening pressed on from two phones: "I'd like to meet" saved from two
tabs or twice, "next round" pressed twice, "finish" pressed with "next round", the rounds
planned twice at once."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from events.models import Meeting, MeetingRequest, NetworkingSession, Round, Seat
from events.models.speed_networking import MAX_REQUESTS
from events.services.checkin import registration_check_in_undo
from events.speed_networking import selectors, services
from tests.events.factories import EventFactory, RegistrationFactory, kind
from tests.factories import ChapterFactory, UserFactory, make_member

from .conftest import PG_RACE, logged_in, together

pytestmark = PG_RACE


@pytest.fixture
def organisers():
    chapter = ChapterFactory(name="BetaGroup Charleroi")
    people = UserFactory.create_batch(2)
    chapter.organisers.add(*people)
    return chapter, people


def _evening(chapter, *, start):
    return EventFactory(
        title="Speed Networking evening",
        kind=kind("speed-networking"),
        chapter=chapter,
        capacity=None,
        start=start,
        end=start + timedelta(hours=2),
    )


@pytest.fixture
def started(organisers):
    """An evening that started half an hour ago, 8 members checked in."""
    chapter, _people = organisers
    event = _evening(chapter, start=timezone.now() - timedelta(minutes=30))
    for _ in range(8):
        RegistrationFactory(event=event, user=UserFactory(), checked_in_at=timezone.now())
    return event


@pytest.fixture
def upcoming(organisers):
    """An evening in three days, 12 visible members registered."""
    chapter, _people = organisers
    event = _evening(chapter, start=timezone.now() + timedelta(days=3))
    users = [make_member(f"Coming {n:02d}").user for n in range(12)]
    for user in users:
        RegistrationFactory(event=event, user=user)
    return event, users


# --- "I'd like to meet" -------------------------------------------------------------------------


def test_requests_saved_twice_at_once_are_saved_once(upcoming):
    event, (me, *others) = upcoming
    targets = others[:3]

    _results, errors = together(
        *(
            lambda: services.meeting_request_set(event=event, requester=me, targets=targets)
            for _ in range(2)
        )
    )

    assert errors == []
    made = MeetingRequest.objects.filter(event=event, requester=me)
    assert sorted(made.values_list("target_id", flat=True)) == sorted(u.pk for u in targets)


def test_requests_page_sent_twice_answers_twice_without_an_error(upcoming):
    event, (me, *others) = upcoming
    url = f"/events/{event.slug}/networking/requests/"
    data = {"targets": [str(u.pk) for u in others[:2]]}
    tabs = [logged_in(me), logged_in(me)]

    codes, errors = together(*(lambda c=c: c.post(url, data).status_code for c in tabs))

    assert errors == []
    assert codes == [302, 302]
    assert MeetingRequest.objects.filter(event=event, requester=me).count() == 2


def test_requests_from_two_tabs_never_pass_the_limit(upcoming):
    """Each tab asks for 5 different people: one tab's choice is kept, whole; never 10."""
    event, (me, *others) = upcoming
    first, second = others[:MAX_REQUESTS], others[MAX_REQUESTS : 2 * MAX_REQUESTS]

    _results, errors = together(
        lambda: services.meeting_request_set(event=event, requester=me, targets=first),
        lambda: services.meeting_request_set(event=event, requester=me, targets=second),
    )

    assert errors == []
    kept = set(
        MeetingRequest.objects.filter(event=event, requester=me).values_list("target_id", flat=True)
    )
    assert kept in ({u.pk for u in first}, {u.pk for u in second})


# --- running the evening --------------------------------------------------------------------------


def _plan(event, actor, rounds=3):
    return services.networking_plan(event=event, actor=actor, rounds=rounds, table_size=2)


def test_next_round_pressed_on_two_phones_starts_one_round(started, organisers):
    _chapter, (one, two) = organisers
    _plan(started, one)
    meetings = None
    for expected in (1, 2):
        _results, errors = together(
            *(
                lambda a=actor, n=expected: services.networking_round_start(
                    event=started, actor=a, expected=n
                )
                for actor in (one, two)
            )
        )
        assert len(errors) == 1
        assert isinstance(errors[0], ValidationError)
        assert f"Round {expected} has already started" in str(errors[0])
        session = NetworkingSession.objects.get(event=started)
        assert session.current_round == expected
        count = Meeting.objects.filter(event=started).count()
        assert count == 4 * expected  # 8 people, tables of 2: 4 pairs a round, each once
        assert meetings is None or count > meetings
        meetings = count


def test_finish_and_next_round_at_once_leave_a_finished_evening(started, organisers):
    _chapter, (one, two) = organisers
    _plan(started, one)

    _results, errors = together(
        lambda: services.networking_round_start(event=started, actor=one, expected=1),
        lambda: services.networking_finish(event=started, actor=two),
    )

    assert all(isinstance(e, ValidationError) for e in errors)
    session = NetworkingSession.objects.get(event=started)
    assert session.finished_at is not None
    # Whatever came first: no round left to play, and a round started was recorded whole.
    assert not Round.objects.filter(session=session, started_at__isnull=True).exists()
    played = Round.objects.filter(session=session).count()
    assert played == session.current_round
    assert Meeting.objects.filter(event=started).count() == 4 * played


def test_rounds_planned_twice_at_once_on_a_new_evening(started, organisers):
    _chapter, (one, two) = organisers

    _results, errors = together(lambda: _plan(started, one), lambda: _plan(started, two, 4))

    assert errors == []
    session = NetworkingSession.objects.get(event=started)
    numbers = sorted(Round.objects.filter(session=session).values_list("number", flat=True))
    assert numbers in ([1, 2, 3], [1, 2, 3, 4])
    for rnd in Round.objects.filter(session=session):
        assert rnd.seats.count() == 8  # everyone seated once a round, never twice


def test_a_check_in_undone_while_the_first_rounds_are_planned(started, organisers, monkeypatch):
    """The organiser plans the evening's first rounds while a colleague at the door undoes a
    check-in (the person went home): they are not seated in the rounds — a partner would
    wait for them at a table. The planner is held after it read who is checked in (as a
    slow plan would be) so the undo arrives at that moment on every run."""
    _chapter, (one, two) = organisers
    gone = started.registrations.order_by("pk").first()
    read, original = threading.Event(), selectors.attendance

    def slow_attendance(event):
        present = original(event)
        read.set()
        time.sleep(0.5)
        return present

    monkeypatch.setattr(selectors, "attendance", slow_attendance)

    def undo():
        read.wait(timeout=3)
        return registration_check_in_undo(registration=gone, actor=two)

    _results, errors = together(lambda: _plan(started, one), undo)

    assert errors == []
    gone.refresh_from_db()
    assert gone.checked_in_at is None
    assert not Seat.objects.filter(round__session__event=started, user_id=gone.user_id).exists()


def test_requests_saved_while_the_registration_is_cancelled_is_no_deadlock(upcoming, monkeypatch):
    """Saving "I'd like to meet" while the same registration is being cancelled (another
    tab, an organiser): both lock the event, then the registration — locked the other way
    round, PostgreSQL aborted one of them ("deadlock detected", a 500)."""
    from events.services import registration_cancel
    from events.speed_networking import requests

    event, (me, *others) = upcoming
    registration = event.registrations.get(user=me)
    slow = requests.selectors.profiles_of

    def profiles_of_slowly(*args, **kwargs):
        time.sleep(0.5)  # after its locks, before its INSERTs
        return slow(*args, **kwargs)

    monkeypatch.setattr(requests.selectors, "profiles_of", profiles_of_slowly)

    def cancel_a_moment_later():
        time.sleep(0.2)
        return registration_cancel(registration=registration, actor=None)

    _results, errors = together(
        lambda: services.meeting_request_set(event=event, requester=me, targets=others[:2]),
        cancel_a_moment_later,
    )
    assert not [e for e in errors if "deadlock" in str(e)], errors
    registration.refresh_from_db()
    assert registration.status == registration.Status.CANCELLED
