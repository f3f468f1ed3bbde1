"""Speed-networking evenings (QA on the demo world): what the organiser's run page says about
people it may not name, the event page's panel, "my data", the notes after late changes."""

from collections import Counter
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from events.models import MeetingRequest, NetworkingSession, Seat
from events.speed_networking import display, services
from events.speed_networking.late_changes import remove_person
from events.speed_networking.planner import PlanRequest, plan_rounds
from members.panels import export_collect
from tests.factories import make_member

from . import test_speed_networking_services as shared
from .factories import EventFactory, RegistrationFactory
from .test_speed_networking_services import attend, tables
from .test_speed_networking_views import url

pytestmark = pytest.mark.django_db

chapter, evening = shared.chapter, shared.evening


@pytest.fixture
def planned(evening, organiser):
    people = attend(evening, 6)
    services.networking_plan(event=evening, actor=organiser, rounds=3)
    return people


# --- a private profile checked in after planning ----------------------------------------------


def test_the_organiser_is_told_of_a_private_profile_checked_in_and_seats_them_unnamed(
    client, planned, evening, organiser
):
    client.force_login(organiser)
    client.post(url("next", evening), {"expected": 1})
    hugo = make_member("Hidden Hugo", visibility="hidden").user
    RegistrationFactory(event=evening, user=hugo, checked_in_at=timezone.now())  # by staff

    page = client.get(url("run", evening)).content.decode()
    assert "1 member with a private profile is checked in but not seated" in page
    assert "Late arrival? Check them in at the door first" not in page
    assert "Hidden Hugo" not in page

    response = client.post(url("arrive", evening), {"unlisted": "1"}, follow=True)
    page = response.content.decode()
    assert "1 person with a private profile joins the next rounds." in page
    assert "Hidden Hugo" not in page
    assert "not seated in the next rounds" not in page
    for number in (2, 3):
        assert hugo.pk in {u for t in tables(evening, number) for u in t}
    assert not Seat.objects.filter(user=hugo, round__number=1).exists()

    again = client.post(url("arrive", evening), {"unlisted": "1"})
    assert again.status_code == 400
    assert "Nobody with a private profile is waiting to be seated." in again.content.decode()


def test_a_private_profile_who_left_is_not_offered_a_seat_again(
    client, planned, evening, organiser, staff
):
    hugo = make_member("Hidden Hugo", visibility="hidden").user
    RegistrationFactory(event=evening, user=hugo, checked_in_at=timezone.now())
    services.networking_arrive(event=evening, actor=staff, user=hugo)
    services.networking_leave(event=evening, actor=staff, user=hugo)
    client.force_login(organiser)
    page = client.get(url("run", evening)).content.decode()
    assert "with a private profile is checked in" not in page
    assert client.post(url("arrive", evening), {"unlisted": "1"}).status_code == 400
    assert not Seat.objects.filter(user=hugo).exists()


# --- the event page's panel once the evening is over -----------------------------------------


def test_no_empty_speed_networking_card_for_a_registrant_who_met_nobody(client, evening):
    social = attend(evening, 4)[0]
    (quiet,) = attend(evening, names=["Quiet Quentin"], checked_in=False)  # never came
    services.networking_plan(event=evening, actor=None, rounds=1)
    services.networking_round_start(event=evening, actor=None)
    services.networking_finish(event=evening, actor=None)
    client.force_login(quiet)
    page = client.get(evening.get_absolute_url()).content.decode()
    assert "sn-event-panel" not in page
    client.force_login(social)  # met someone: the panel links to them
    page = client.get(evening.get_absolute_url()).content.decode()
    assert "sn-event-panel" in page
    assert "You met 1 person here" in page


# --- "my data" ---------------------------------------------------------------------------------


def test_my_data_tells_two_evenings_of_the_same_title_apart(evening, organiser):
    # QA: requests_received was {"Speed Networking evening": 5}, two evenings merged.
    later = EventFactory(
        title=evening.title,
        kind=evening.kind,
        chapter=evening.chapter,
        start=evening.start + timedelta(days=28),
        end=evening.end + timedelta(days=28),
    )
    me, *others = attend(evening, names=["Katia X", "Lea D", "Tom P", "Ann Q"])
    for user in (me, *others):
        RegistrationFactory(event=later, user=user)
    for asker in others[:2]:
        MeetingRequest.objects.create(event=evening, requester=asker, target=me)
    for asker in others:
        MeetingRequest.objects.create(event=later, requester=asker, target=me)
    MeetingRequest.objects.create(event=later, requester=me, target=others[0])
    services.networking_plan(event=evening, actor=organiser, rounds=1)
    data = export_collect(me)["speed_networking"]

    def when(event):
        return timezone.localtime(event.start).isoformat()

    assert data["requests_received"] == [
        {"event": evening.title, "event_start": when(evening), "count": 2},
        {"event": later.title, "event_start": when(later), "count": 3},
    ]
    assert data["requests_made"] == [
        {"event": later.title, "event_start": when(later), "target": "Lea D"}
    ]
    assert [(s["event"], s["event_start"]) for s in data["seats"]] == [
        (evening.title, when(evening))
    ]


# --- notes about repeats once rounds were played -----------------------------------------------


def test_adding_rounds_at_another_table_size_gives_the_bound_for_the_rounds_to_come(
    evening, organiser
):
    # QA: 5 rounds of pairs played by 9, then 7 rounds at tables of 3: "7 rounds is more than
    # this room can play without anyone meeting twice (4 at most): 14 meetings repeat, as few
    # as possible" — the bound of tables of 3 from scratch, the played rounds' meetings
    # counted, and a minimum nobody established.
    attend(evening, 9)
    services.networking_plan(event=evening, actor=organiser, rounds=5, table_size=2)
    for _ in range(5):
        services.networking_round_start(event=evening, actor=organiser)
    outcome = services.networking_plan(event=evening, actor=organiser, rounds=7, table_size=3)

    def repeats(numbers):
        return sum(count - 1 for count in Counter(shared.pairs(evening, numbers)).values())

    added = repeats(range(1, 8)) - repeats(range(1, 6))
    [(code, params)] = outcome.plan.warnings
    assert (code, params["max"], params["repeats"]) == ("repeats_after_played", 0, added)
    [note] = display.note_texts(NetworkingSession.objects.get(), viewer=organiser)
    assert note == (
        "After the rounds played, no round can be added without someone meeting twice. "
        f"The rounds to come repeat {added} meetings."
    )
    assert "as few as possible" not in note


# --- the room's pages when guests are in the room ----------------------------------------------


def test_a_members_only_profile_is_not_named_on_the_wall_once_a_guest_is_checked_in(
    client, evening, organiser
):
    shy = attend(evening, 4, visibility="members")[0]
    services.networking_plan(event=evening, actor=organiser, rounds=2)
    services.networking_round_start(event=evening, actor=organiser)
    client.force_login(organiser)
    name = shy.profile.display_name
    # Members only in the room: every member's name is on the wall.
    assert name in client.get(url("projector", evening)).content.decode()
    assert name in client.get(url("print", evening)).content.decode()

    RegistrationFactory(event=evening, user=None, name="Gina Guest", checked_in_at=timezone.now())
    for page in (url("projector", evening), url("print", evening)):
        html = client.get(page).content.decode()
        assert name not in html
        assert "a member" in html
    names = [
        n for t in client.get(url("projector_state", evening)).json()["tables"] for n in t["names"]
    ]
    assert names == ["a member"] * 4
    # The organiser's own page still names them: it is not on the wall.
    assert name in client.get(url("run", evening)).content.decode()


# --- late changes that repeat meetings ---------------------------------------------------------


def test_a_partner_left_alone_takes_a_seat_that_repeats_nobody_when_there_is_one():
    # 8 people, 3 rounds of pairs, one played; 7 leaves: joining a pair or pairing with
    # someone of a trio sat 7's partner with someone they meet in round 3 — taking the seat
    # of someone who moves to another table does not.
    people = tuple(range(1, 9))
    plan = plan_rounds(PlanRequest(people=people, rounds=3, seed=0))
    assert plan.repeats == 0
    played = tuple(tuple(t) for t in plan.rounds[:1])
    rest = PlanRequest(people=people[:6] + people[7:], rounds=3, seed=0, played=played)
    after = remove_person(plan, 7, from_round=2, request=rest)
    assert after.repeats == 0
    assert after.warnings == []
    assert after.rounds[0] == plan.rounds[0]
    for rnd in after.rounds[1:]:
        assert sorted(p for t in rnd for p in t) == sorted(rest.people)
        assert sorted(map(len, rnd)) == [2, 2, 3]


def _leave_and_roll_back(event, actor, user) -> list[str]:
    """The notes the run page would show if `user` left now; nothing is kept."""

    class Undo(Exception):
        pass

    try:
        with transaction.atomic():
            services.networking_leave(event=event, actor=actor, user=user)
            raise Undo(display.note_texts(NetworkingSession.objects.get(), viewer=actor))
    except Undo as undo:
        return undo.args[0]


def test_a_late_change_that_repeats_meetings_says_plan_again_would_not(client, evening, organiser):
    # QA: after round 1, someone left; their partner was re-seated with someone they sit
    # with in round 3, and the note did not say that planning again removes the repeat.
    people = attend(evening, 8)
    services.networking_plan(event=evening, actor=organiser, rounds=4)
    services.networking_round_start(event=evening, actor=organiser)
    hint = "“Plan again” re-seats everyone in the rounds not played without any repeat."
    leaver = next(
        (p for p in people if hint in " ".join(_leave_and_roll_back(evening, organiser, p))),
        None,
    )
    assert leaver is not None  # some departure leaves a repeat that planning again avoids
    services.networking_leave(event=evening, actor=organiser, user=leaver)
    notes = display.note_texts(NetworkingSession.objects.get(), viewer=organiser)
    [note] = [n for n in notes if "repeat" in n]
    assert note.endswith(hint)
    assert "left no other way" not in note
    client.force_login(organiser)
    assert hint in client.get(url("run", evening)).content.decode()

    # The hint is true: planning again leaves no repeat in the rounds to come.
    client.post(url("plan", evening), {"rounds": 4, "table_size": 2, "round_minutes": 6})
    met = Counter(shared.pairs(evening, range(1, 5)))
    assert max(met.values()) == 1
    notes = display.note_texts(NetworkingSession.objects.get(), viewer=organiser)
    assert not [n for n in notes if "repeat" in n]


def test_as_few_as_possible_is_said_only_when_proven():
    # 10 people at tables of 4 (4, 3, 3) for 3 rounds: one round at most without a repeat,
    # and nothing shows that 2 repeats are the fewest.
    plan = plan_rounds(PlanRequest(people=tuple(range(10)), rounds=3, table_size=4))
    [(code, params)] = plan.warnings
    assert (code, params["repeats"], params["fewest"]) == ("repeats_unavoidable", 2, False)
    assert display.note_text({"code": code, "params": params}, {}) == (
        "3 rounds is more than this room can play without anyone meeting twice (1 at most): "
        "2 meetings repeat."
    )
    # 6 people, 8 rounds of pairs: 24 meetings among 15 pairs, so 9 repeats are the fewest.
    plan = plan_rounds(PlanRequest(people=tuple(range(6)), rounds=8))
    [(code, params)] = plan.warnings
    assert "fewest" not in params
    assert display.note_text({"code": code, "params": params}, {}).endswith(
        "9 meetings repeat, as few as possible."
    )
