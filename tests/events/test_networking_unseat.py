"""Speed networking and the door: a cancellation or an undone check-in takes someone out of the
rounds not yet played without marking them as gone for the evening, and nobody is recorded as
met who was not checked in."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events.models import Meeting, NetworkingSession, Registration
from events.speed_networking import display, services

from . import test_speed_networking_services as shared
from .test_speed_networking_services import attend, tables

pytestmark = pytest.mark.django_db

# The shared fixtures (a chapter with `organiser`, its Speed Networking `evening`).
chapter, evening = shared.chapter, shared.evening


def url(name, event):
    return reverse(f"events:networking:{name}", kwargs={"slug": event.slug})


def toggle(event, registration):
    return reverse("events:check_in_toggle", args=[event.slug, registration.pk])


def seated(event, number) -> list[int]:
    return sorted(u for t in tables(event, number) for u in t)


def present(page: str) -> int:
    return int(page.split('data-testid="present">', 1)[1].split("<", 1)[0])


@pytest.fixture
def before_the_doors(evening):
    """The evening starts in an hour: people may still cancel and register."""
    soon = timezone.now() + timedelta(hours=1)
    evening.start, evening.end = soon, soon + timedelta(hours=2)
    evening.save()
    return evening


PLAN = {"rounds": 3, "table_size": 2, "round_minutes": 5}


def test_someone_who_cancelled_then_came_back_is_seated_by_the_next_plan(
    client, before_the_doors, organiser
):
    evening = before_the_doors
    people = attend(evening, 6)
    client.force_login(organiser)
    assert client.post(url("plan", evening), PLAN).status_code == 302
    comeback = people[0]

    client.force_login(comeback)
    assert client.post(reverse("events:cancel", args=[evening.slug])).status_code == 302
    for n in (1, 2, 3):  # out of the rounds, their partner re-seated
        assert seated(evening, n) == sorted(u.pk for u in people[1:])
        assert min(len(t) for t in tables(evening, n)) >= 2
    assert client.post(reverse("events:register", args=[evening.slug])).status_code == 302
    again = Registration.objects.get(
        event=evening, user=comeback, status=Registration.Status.CONFIRMED
    )

    client.force_login(organiser)
    assert client.post(toggle(evening, again), {"action": "in"}).status_code == 302
    page = client.get(url("run", evening)).content.decode()
    assert present(page) == 6
    assert "left after round" not in page
    page = client.post(url("plan", evening), PLAN, follow=True).content.decode()
    assert "The rounds are planned for 6 members." in page
    assert "left after round" not in page
    for n in (1, 2, 3):
        assert seated(evening, n) == sorted(u.pk for u in people)


def test_someone_the_organiser_marks_as_gone_stays_out_of_the_next_plan(evening, organiser):
    """The other side: "left the evening" is still remembered by a re-plan."""
    people = attend(evening, 6)
    services.networking_plan(event=evening, actor=organiser, rounds=3)
    services.networking_leave(event=evening, actor=organiser, user=people[0])
    services.networking_plan(event=evening, actor=organiser, rounds=3)
    assert seated(evening, 1) == sorted(u.pk for u in people[1:])
    notes = display.note_texts(NetworkingSession.objects.get(), viewer=organiser)
    assert "left before the first round" in " ".join(notes)


def test_undoing_a_check_in_unseats_them_and_they_meet_nobody(client, evening, organiser):
    people = attend(evening, 5)
    client.force_login(organiser)
    assert client.post(url("plan", evening), PLAN).status_code == 302
    absent = people[0]
    registration = Registration.objects.get(event=evening, user=absent)
    assert client.post(toggle(evening, registration), {"action": "undo"}).status_code == 302

    others = sorted(u.pk for u in people[1:])
    for n in (1, 2, 3):  # out of every unplayed round, nobody left alone
        assert seated(evening, n) == others
        assert min(len(t) for t in tables(evening, n)) >= 2
    page = client.get(url("run", evening)).content.decode()
    assert present(page) == 4
    assert "left after round" not in page  # not gone: they may come back in
    assert client.post(url("next", evening), {"expected": 1}).status_code == 302
    met = Meeting.objects.filter(event=evening)
    assert met.exists()
    assert not met.filter(person_a=absent).exists()
    assert not met.filter(person_b=absent).exists()
    partner = people[1]
    client.force_login(partner)
    assert absent.name not in client.get(reverse("events:networking:met")).content.decode()

    # Back at the door: checked in again, the late-arrival button seats them.
    client.force_login(organiser)
    assert client.post(toggle(evening, registration), {"action": "in"}).status_code == 302
    assert client.post(url("arrive", evening), {"user": absent.pk}).status_code == 302
    assert absent.pk in seated(evening, 2)
    assert absent.pk not in seated(evening, 1)  # played without them


def test_a_seat_of_someone_no_longer_checked_in_meets_nobody(evening, organiser):
    """However the check-in went away, starting a round records no meeting with them."""
    people = attend(evening, 6)
    services.networking_plan(event=evening, actor=organiser, rounds=3)
    absent = people[2]
    Registration.objects.filter(event=evening, user=absent).update(checked_in_at=None)
    assert absent.pk in seated(evening, 1)
    services.networking_round_start(event=evening, actor=organiser, expected=1)
    met = Meeting.objects.filter(event=evening)
    assert met.count() >= 2
    assert not met.filter(person_a=absent).exists()
    assert not met.filter(person_b=absent).exists()


@pytest.mark.postgres
def test_undoing_a_check_in_locks_the_event_then_the_registration_then_the_session(
    evening, organiser
):
    """The order `registration_cancel` takes its locks in (event, then session): two of them
    running together wait for each other, never deadlock."""
    from events import services as event_services

    people = attend(evening, 5)
    services.networking_plan(event=evening, actor=organiser, rounds=3)
    registration = Registration.objects.get(event=evening, user=people[0])
    with CaptureQueriesContext(connection) as ctx:
        event_services.registration_check_in_undo(registration=registration, actor=organiser)
    locks = [q["sql"] for q in ctx.captured_queries if "FOR UPDATE" in q["sql"]]
    tables_locked = [sql.split(" FROM ", 1)[1].split()[0].strip('"') for sql in locks]
    assert tables_locked[:3] == [
        "events_event",
        "events_registration",
        "events_networkingsession",
    ]
    assert people[0].pk not in seated(evening, 1)

    # Checking in (the other writer at the door) locks the registration alone: it never holds
    # a registration while waiting for its event.
    with CaptureQueriesContext(connection) as ctx:
        event_services.registration_check_in(registration=registration, actor=organiser)
    locks = [q["sql"] for q in ctx.captured_queries if "FOR UPDATE" in q["sql"]]
    assert len(locks) == 1
    assert locks[0].endswith('FOR UPDATE OF "events_registration"')


# Warnings about rounds that are gone (QA, 2026-12-07) -------------------------------------


def planner_codes(event) -> list[str]:
    session = NetworkingSession.objects.get(event=event)
    return [n["code"] for n in session.warnings if n["code"] not in services.NOTE_CODES]


def test_finishing_the_evening_drops_the_warnings_about_the_rounds_it_dropped(
    client, evening, organiser
):
    """Five rounds of pairs for four people must repeat meetings, and the plan says so;
    after one round the organiser finishes: the rounds that would have repeated are gone,
    and so is their warning. Who left stays written."""
    people = attend(evening, 4)
    services.networking_plan(event=evening, actor=organiser, rounds=5, table_size=2)
    assert planner_codes(evening) == ["repeats_unavoidable"]
    services.networking_leave(event=evening, actor=organiser, user=people[0])
    services.networking_round_start(event=evening, actor=organiser)
    services.networking_finish(event=evening, actor=organiser)

    assert planner_codes(evening) == []
    client.force_login(organiser)
    page = client.get(url("run", evening)).content.decode()
    assert "repeat" not in page
    assert "left before the first round" in page


def test_a_cancellation_that_leaves_one_person_drops_the_rounds_to_come(
    client, before_the_doors, organiser
):
    """Three people, two rounds planned; one leaves, another cancels: the last one has nobody
    to meet. The rounds to come (one person at a table) and their warnings go; the run page
    offers to plan again or to finish, and no round can start for one person."""
    evening = before_the_doors
    people = attend(evening, 3)
    services.networking_plan(event=evening, actor=organiser, rounds=2, table_size=2)
    services.networking_leave(event=evening, actor=organiser, user=people[0])
    client.force_login(people[1])
    assert client.post(reverse("events:cancel", args=[evening.slug])).status_code == 302

    session = NetworkingSession.objects.get(event=evening)
    assert not session.rounds.exists()
    assert planner_codes(evening) == []
    client.force_login(organiser)
    page = client.get(url("run", evening)).content.decode()
    assert "repeat" not in page
    assert "Start round" not in page
    with pytest.raises(ValidationError) as exc:
        services.networking_round_start(event=evening, actor=organiser)
    assert exc.value.code == "unplanned"
    assert "too few people were left" in exc.value.messages[0]


def test_a_round_with_one_person_seated_does_not_start(evening, organiser):
    people = attend(evening, 4)
    services.networking_plan(event=evening, actor=organiser, rounds=2, table_size=2)
    first = NetworkingSession.objects.get(event=evening).rounds.get(number=1)
    first.seats.exclude(user=people[0]).delete()
    with pytest.raises(ValidationError) as exc:
        services.networking_round_start(event=evening, actor=organiser)
    assert exc.value.code == "alone"
    first.refresh_from_db()
    assert first.started_at is None
    assert not Meeting.objects.exists()


def test_a_planner_refusal_other_than_too_few_takes_only_their_seats(
    evening, organiser, monkeypatch
):
    """Only "two were left" drops the rounds to come; any other refusal of the re-plan (a
    round where only two sit, say) takes the person's own seats and keeps everyone else's."""
    from events.speed_networking import planner
    from events.speed_networking.services import late
    from events.speed_networking.services.late import networking_unseat

    people = attend(evening, 6)
    services.networking_plan(event=evening, actor=organiser, rounds=3, table_size=2)

    def refuse(*args, **kwargs):
        raise planner.PlanError("too_few_people", "Fewer than 2 people would remain.", count=1)

    monkeypatch.setattr(late, "remove_person", refuse)
    networking_unseat(event=evening, user=people[0])
    session = NetworkingSession.objects.get(event=evening)
    assert session.rounds.count() == 3
    for n in (1, 2, 3):
        assert people[0].pk not in seated(evening, n)
        assert len(seated(evening, n)) == 5
