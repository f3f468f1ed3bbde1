"""Speed networking services: planning, running the evening, late changes, requests, and what
the meetings feed (history, suggestions, my data, account deletion). The real planner."""

from datetime import timedelta
from itertools import combinations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from collaborations.models import Collaboration, Participant
from events.models import Meeting, MeetingRequest, NetworkingSession, Registration, Round, Seat
from events.speed_networking import display, selectors, services
from members.models import Visibility
from members.panels import export_collect
from members.suggestions import suggestions_for
from tests.factories import ChapterFactory, CompanyFactory, UserFactory, make_member

from .factories import EventFactory, RegistrationFactory, kind

pytestmark = pytest.mark.django_db


# --- helpers shared with the views and command tests -----------------------------------------


@pytest.fixture
def chapter(organiser):
    chapter = ChapterFactory(name="BetaGroup Charleroi")
    chapter.organisers.add(organiser)
    return chapter


@pytest.fixture
def evening(chapter):
    """A Speed Networking evening of the organiser's chapter, started half an hour ago."""
    now = timezone.now()
    return EventFactory(
        title="Speed Networking evening",
        slug="speed-networking-evening",
        kind=kind("speed-networking"),
        chapter=chapter,
        capacity=None,
        start=now - timedelta(minutes=30),
        end=now + timedelta(hours=2),
    )


def attend(event, count=0, *, names=(), checked_in=True, **profile):
    """Members registered (and checked in) for `event`; returns their users."""
    users = []
    for i, name in enumerate(names or [f"Person {n:02d}" for n in range(count)]):
        user = make_member(name, **profile).user if (names or profile) else UserFactory(name=name)
        RegistrationFactory(
            event=event,
            user=user,
            checked_in_at=timezone.now() - timedelta(minutes=i) if checked_in else None,
        )
        users.append(user)
    return users


def tables(event, number):
    rnd = Round.objects.get(session__event=event, number=number)
    out = {}
    for table, user_id in rnd.seats.values_list("table", "user_id"):
        out.setdefault(table, set()).add(user_id)
    return sorted(frozenset(t) for t in out.values())


def pairs(event, numbers):
    found = []
    for n in numbers:
        for table in tables(event, n):
            found += list(combinations(sorted(table), 2))
    return found


# --- planning ----------------------------------------------------------------------------


def test_plan_seats_everyone_once_per_round_without_repeats(evening, organiser):
    people = attend(evening, 8)
    outcome = services.networking_plan(event=evening, actor=organiser, rounds=5)
    assert outcome.people == 8
    assert Round.objects.filter(session__event=evening).count() == 5
    for n in range(1, 6):
        seated = [u for t in tables(evening, n) for u in t]
        assert sorted(seated) == sorted(u.pk for u in people)
        assert all(len(t) == 2 for t in tables(evening, n))
    met = pairs(evening, range(1, 6))
    assert len(met) == len(set(met))  # nobody meets the same person twice
    session = NetworkingSession.objects.get(event=evening)
    assert session.generated_at
    assert session.warnings == []


def test_odd_number_gives_one_trio_never_someone_alone(evening, staff):
    attend(evening, 7)
    services.networking_plan(event=evening, actor=staff, rounds=3)
    for n in (1, 2, 3):
        sizes = sorted(len(t) for t in tables(evening, n))
        assert sizes == [2, 2, 3]


def test_guests_cannot_be_seated_and_are_counted(evening, organiser):
    attend(evening, 4)
    RegistrationFactory(event=evening, user=None, name="Guest", checked_in_at=timezone.now())
    outcome = services.networking_plan(event=evening, actor=organiser, rounds=2)
    assert outcome.guests_left_out == 1
    notes = display.note_texts(NetworkingSession.objects.get(), viewer=organiser)
    assert any("guest" in n for n in notes)


@pytest.mark.parametrize("count", [0, 1])
def test_too_few_people_checked_in_is_refused_and_nothing_written(evening, organiser, count):
    attend(evening, count)
    attend(evening, 3, checked_in=False)  # registered, not at the door
    with pytest.raises(ValidationError, match="at least 2 are needed"):
        services.networking_plan(event=evening, actor=organiser, rounds=3)
    assert not NetworkingSession.objects.exists()
    assert not Round.objects.exists()


def test_more_rounds_than_possible_warns_and_minimises_repeats(evening, organiser):
    attend(evening, 4)
    outcome = services.networking_plan(event=evening, actor=organiser, rounds=5)
    assert outcome.plan.warnings[0][0] == "repeats_unavoidable"
    # 4 people have 3 repeat-free rounds; each extra round repeats exactly 2 pairs.
    assert outcome.plan.repeats == 4
    text = display.note_texts(NetworkingSession.objects.get(), viewer=organiser)[0]
    assert "more than this room can play" in text
    assert "3 at most" in text


def test_table_larger_than_the_room_is_refused(evening, organiser):
    attend(evening, 3)
    with pytest.raises(ValidationError) as exc:
        services.networking_plan(event=evening, actor=organiser, rounds=2, table_size=4)
    assert "larger than the room" in str(exc.value.message_dict["table_size"])
    assert not Round.objects.exists()


@pytest.mark.parametrize(
    ("rounds", "table_size", "minutes", "field"),
    [
        (0, 2, 6, "rounds"),
        (13, 2, 6, "rounds"),
        (3, 7, 6, "table_size"),
        (3, 2, 0, "round_minutes"),
    ],
)
def test_numbers_out_of_range_are_refused(evening, organiser, rounds, table_size, minutes, field):
    attend(evening, 8)
    with pytest.raises(ValidationError) as exc:
        services.networking_plan(
            event=evening,
            actor=organiser,
            rounds=rounds,
            table_size=table_size,
            round_minutes=minutes,
        )
    assert field in exc.value.message_dict


def test_someone_elses_event_is_refused(evening, member):
    other_organiser = UserFactory()
    ChapterFactory(name="Kortrijk").organisers.add(other_organiser)
    attend(evening, 4)
    for actor in (other_organiser, member):
        with pytest.raises(ValidationError, match="Only staff and the chapter's organisers"):
            services.networking_plan(event=evening, actor=actor, rounds=2)
    assert not NetworkingSession.objects.exists()


def test_only_speed_networking_events_get_rounds(organiser, chapter):
    lunch = EventFactory(chapter=chapter)
    attend(lunch, 4)
    with pytest.raises(ValidationError, match="not a Speed Networking event"):
        services.networking_plan(event=lunch, actor=organiser, rounds=2)


def test_tables_of_four(evening, organiser):
    attend(evening, 10)
    services.networking_plan(event=evening, actor=organiser, rounds=3, table_size=4)
    for n in (1, 2, 3):
        assert sorted(len(t) for t in tables(evening, n)) == [3, 3, 4]


def test_colleagues_never_sit_together(evening, organiser):
    people = attend(evening, names=["A One", "B One", "C Two", "D Three", "E Four", "F Five"])
    acme = CompanyFactory(name="Acme")
    for user in people[:2]:
        user.profile.company = acme
        user.profile.save()
    services.networking_plan(event=evening, actor=organiser, rounds=4)
    assert tuple(sorted(u.pk for u in people[:2])) not in pairs(evening, range(1, 5))


def test_mutual_requests_meet_in_the_first_round(evening, organiser):
    people = attend(evening, 10)
    a, b = people[3], people[7]
    MeetingRequest.objects.create(event=evening, requester=a, target=b)
    MeetingRequest.objects.create(event=evening, requester=b, target=a)
    outcome = services.networking_plan(event=evening, actor=organiser, rounds=4)
    assert frozenset({a.pk, b.pk}) in tables(evening, 1)
    assert outcome.plan.requests_honoured == 2


# --- history -----------------------------------------------------------------------------------


def test_history_counts_earlier_meetings_and_collaborations(evening):
    a, b, c, d = attend(evening, 4)
    earlier = EventFactory(kind=kind("speed-networking"))
    Meeting.objects.create(
        event=earlier, person_a=a, person_b=b, round_number=1, met_on=timezone.localdate()
    )
    collab = Collaboration.objects.create(
        title="Website",
        kind="service",
        start_date=timezone.localdate(),
        status="confirmed",
        confirmed_at=timezone.now(),
        author=c,
        author_name=c.name,
    )
    for user in (c, d):
        Participant.objects.create(collaboration=collab, user=user, name=user.name, role="partner")
    history = selectors.planner_history(event=evening, people=[a.pk, b.pk, c.pk, d.pk])
    assert history[frozenset((a.pk, b.pk))] == pytest.approx(1.0)
    assert history[frozenset((c.pk, d.pk))] == selectors.COLLABORATION_WEIGHT
    assert frozenset((a.pk, c.pk)) not in history


def test_people_who_met_before_meet_last(evening, organiser):
    people = attend(evening, 6)
    a, b = people[0], people[1]
    earlier = EventFactory(kind=kind("speed-networking"))
    Meeting.objects.create(
        event=earlier, person_a=a, person_b=b, round_number=1, met_on=timezone.localdate()
    )
    services.networking_plan(event=evening, actor=organiser, rounds=3)
    # Six people have five repeat-free rounds: in three rounds, they need not meet at all.
    assert (a.pk, b.pk) not in pairs(evening, (1, 2, 3))


# --- running the evening ---------------------------------------------------------------------


def test_starting_a_round_records_its_meetings_and_it_never_changes(evening, organiser):
    attend(evening, 6)
    services.networking_plan(event=evening, actor=organiser, rounds=4)
    first = tables(evening, 1)
    rnd = services.networking_round_start(event=evening, actor=organiser, expected=1)
    assert rnd.number == 1
    assert rnd.started_at
    session = NetworkingSession.objects.get()
    assert session.current_round == 1
    met = set(Meeting.objects.filter(event=evening).values_list("person_a_id", "person_b_id"))
    assert met == {tuple(sorted(t)) for t in first}
    # A second click on the same "start round 1" button changes nothing.
    with pytest.raises(ValidationError, match="Round 1 has already started"):
        services.networking_round_start(event=evening, actor=organiser, expected=1)
    assert NetworkingSession.objects.get().current_round == 1
    # Regenerating keeps round 1 as it was, and plans the others around it.
    attend(evening, names=["Late Comer"])
    services.networking_plan(event=evening, actor=organiser, rounds=4)
    assert tables(evening, 1) == first
    assert Round.objects.get(session__event=evening, number=1).started_at == rnd.started_at
    later = pairs(evening, (2, 3, 4))
    assert not set(later) & {tuple(sorted(t)) for t in first}
    assert len(later) == len(set(later))


def test_once_every_round_was_played_more_rounds_come_after_them(evening, organiser):
    """An evening that goes well goes on: planned again with more rounds, the played ones
    stay as they were and the new ones seat nobody with someone they already met."""
    attend(evening, 4)
    services.networking_plan(event=evening, actor=organiser, rounds=2)
    services.networking_round_start(event=evening, actor=organiser)
    services.networking_round_start(event=evening, actor=organiser)
    with pytest.raises(ValidationError, match="last round"):
        services.networking_round_start(event=evening, actor=organiser)
    before = list(Seat.objects.order_by("pk").values_list("pk", "round_id", "table", "user_id"))
    with pytest.raises(ValidationError, match="2 rounds were already played"):
        services.networking_plan(event=evening, actor=organiser, rounds=2)
    services.networking_plan(event=evening, actor=organiser, rounds=3)
    played = Seat.objects.filter(round__number__lte=2).order_by("pk")
    assert list(played.values_list("pk", "round_id", "table", "user_id")) == before
    assert not set(pairs(evening, (3,))) & set(pairs(evening, (1, 2)))  # 4 people: 3 rounds
    services.networking_round_start(event=evening, actor=organiser)
    assert NetworkingSession.objects.get().current_round == 3


def test_asking_for_no_more_rounds_than_played_is_refused(evening, organiser):
    attend(evening, 6)
    services.networking_plan(event=evening, actor=organiser, rounds=3)
    services.networking_round_start(event=evening, actor=organiser)
    services.networking_round_start(event=evening, actor=organiser)
    with pytest.raises(ValidationError) as exc:
        services.networking_plan(event=evening, actor=organiser, rounds=2)
    assert "2 rounds were already played" in str(exc.value.message_dict["rounds"])
    assert Round.objects.count() == 3


def test_finish_drops_the_rounds_not_played(evening, organiser):
    attend(evening, 6)
    services.networking_plan(event=evening, actor=organiser, rounds=4)
    services.networking_round_start(event=evening, actor=organiser)
    services.networking_finish(event=evening, actor=organiser)
    assert list(Round.objects.values_list("number", flat=True)) == [1]
    for call in (
        lambda: services.networking_finish(event=evening, actor=organiser),
        lambda: services.networking_round_start(event=evening, actor=organiser),
        lambda: services.networking_plan(event=evening, actor=organiser, rounds=4),
    ):
        with pytest.raises(ValidationError, match="finished"):
            call()


def test_running_someone_elses_evening_is_refused(evening, organiser):
    attend(evening, 4)
    services.networking_plan(event=evening, actor=organiser, rounds=2)
    stranger = UserFactory()
    ChapterFactory(name="Kortrijk").organisers.add(stranger)
    with pytest.raises(ValidationError, match="Only staff"):
        services.networking_round_start(event=evening, actor=stranger)
    with pytest.raises(ValidationError, match="Only staff"):
        services.networking_finish(event=evening, actor=stranger)
    assert NetworkingSession.objects.get().current_round == 0


# --- late arrivals and departures ----------------------------------------------------------


def test_late_arrival_joins_the_remaining_rounds_only(evening, organiser):
    people = attend(evening, 6)
    services.networking_plan(event=evening, actor=organiser, rounds=4)
    services.networking_round_start(event=evening, actor=organiser)
    first = tables(evening, 1)
    late = UserFactory(name="Late Arrival")
    registration = RegistrationFactory(event=evening, user=late)
    with pytest.raises(ValidationError, match="not checked in"):
        services.networking_arrive(event=evening, actor=organiser, user=late)
    registration.checked_in_at = timezone.now()
    registration.save()
    services.networking_arrive(event=evening, actor=organiser, user=late)
    assert tables(evening, 1) == first
    everyone = sorted([u.pk for u in people] + [late.pk])
    for n in (2, 3, 4):
        assert sorted(u for t in tables(evening, n) for u in t) == everyone
        assert min(len(t) for t in tables(evening, n)) >= 2
    with pytest.raises(ValidationError, match="already seated"):
        services.networking_arrive(event=evening, actor=organiser, user=late)


def test_someone_who_leaves_is_removed_and_their_partner_reseated(evening, organiser):
    people = attend(evening, 6)
    services.networking_plan(event=evening, actor=organiser, rounds=4)
    services.networking_round_start(event=evening, actor=organiser)
    first = tables(evening, 1)
    leaver = people[2]
    services.networking_leave(event=evening, actor=organiser, user=leaver)
    assert tables(evening, 1) == first  # played: unchanged, they did meet
    for n in (2, 3, 4):
        seated = sorted(u for t in tables(evening, n) for u in t)
        assert seated == sorted(u.pk for u in people if u != leaver)
        assert min(len(t) for t in tables(evening, n)) >= 2  # nobody alone
    assert "left after round 1" in " ".join(
        display.note_texts(NetworkingSession.objects.get(), viewer=organiser)
    )
    # Re-planning keeps them out; coming back brings them in again.
    services.networking_plan(event=evening, actor=organiser, rounds=4)
    assert leaver.pk not in {u for t in tables(evening, 2) for u in t}
    with pytest.raises(ValidationError, match="not seated"):
        services.networking_leave(event=evening, actor=organiser, user=leaver)
    services.networking_arrive(event=evening, actor=organiser, user=leaver)
    assert leaver.pk in {u for t in tables(evening, 2) for u in t}
    assert "left" not in [n["code"] for n in NetworkingSession.objects.get().warnings]


def test_someone_who_cancels_after_the_planning_leaves_the_rounds_and_meets_nobody(
    evening, organiser
):
    """Planned and a round started before the doors open; someone then cancels their seat:
    they leave the rounds not yet played (their partner re-seated), and a seat of someone
    whose registration is cancelled is never recorded as a meeting."""
    from events import services as event_services

    soon = timezone.now() + timedelta(hours=1)
    evening.start, evening.end = soon, soon + timedelta(hours=2)
    evening.save()
    people = attend(evening, 7)
    services.networking_plan(event=evening, actor=organiser, rounds=4)
    services.networking_round_start(event=evening, actor=organiser)
    gone = people[3]
    event_services.registration_cancel(
        registration=Registration.objects.get(event=evening, user=gone), actor=gone
    )
    for n in (2, 3, 4):
        seated = sorted(u for t in tables(evening, n) for u in t)
        assert seated == sorted(u.pk for u in people if u != gone)
        assert min(len(t) for t in tables(evening, n)) >= 2  # nobody alone

    # Cancelled some other way (no re-seating): still no meeting recorded with them.
    other = people[5]
    Registration.objects.filter(event=evening, user=other).update(
        status=Registration.Status.CANCELLED
    )
    services.networking_round_start(event=evening, actor=organiser, expected=2)
    met = Meeting.objects.filter(event=evening, round_number=2)
    assert met.exists()
    assert not met.filter(person_a=other).exists()
    assert not met.filter(person_b=other).exists()


def test_leaving_when_only_two_remain_is_refused(evening, organiser):
    a, _b = attend(evening, 2)
    services.networking_plan(event=evening, actor=organiser, rounds=2)
    with pytest.raises(ValidationError, match="Only two people"):
        services.networking_leave(event=evening, actor=organiser, user=a)


# --- "I'd like to meet" -----------------------------------------------------------------------


@pytest.fixture
def coming(evening):
    evening.start = timezone.now() + timedelta(days=3)
    evening.end = evening.start + timedelta(hours=2)
    evening.save()
    return attend(evening, names=[f"Coming {n}" for n in range(7)], checked_in=False)


def test_requests_are_set_and_replaced(evening, coming):
    me, *others = coming
    services.meeting_request_set(event=evening, requester=me, targets=others[:3])
    services.meeting_request_set(event=evening, requester=me, targets=others[2:5])
    assert set(MeetingRequest.objects.values_list("target_id", flat=True)) == {
        u.pk for u in others[2:5]
    }


def test_requests_refuse_bad_targets_and_write_nothing(evening, coming):
    me, *others = coming
    services.meeting_request_set(event=evening, requester=me, targets=others[:1])
    hidden = coming[6]
    hidden.profile.visibility = Visibility.HIDDEN
    hidden.profile.save()
    stranger = make_member("Not Registered").user
    cases = [
        (others[:6], "at most 5"),
        ([me], "yourself"),
        ([hidden], "whose profile you see"),
        ([stranger], "Not Registered is not coming"),
    ]
    for targets, message in cases:
        with pytest.raises(ValidationError, match=message):
            services.meeting_request_set(event=evening, requester=me, targets=targets)
    assert list(MeetingRequest.objects.values_list("target_id", flat=True)) == [others[0].pk]


def test_a_hidden_person_not_registered_gets_the_same_refusal(evening, coming):
    nobody = make_member("Hidden Stranger", visibility=Visibility.HIDDEN).user
    with pytest.raises(ValidationError, match="whose profile you see"):
        services.meeting_request_set(event=evening, requester=coming[0], targets=[nobody])


def test_only_registrants_make_requests_and_only_before_the_end(evening, coming, member):
    with pytest.raises(ValidationError, match="Register for the evening first"):
        services.meeting_request_set(event=evening, requester=member, targets=coming[:1])
    evening.end = timezone.now() - timedelta(minutes=1)
    evening.start = evening.end - timedelta(hours=2)
    evening.save()
    with pytest.raises(ValidationError, match="over"):
        services.meeting_request_set(event=evening, requester=coming[0], targets=coming[1:2])


# --- what meetings feed ------------------------------------------------------------------------


def test_people_met_are_no_longer_suggested(evening, organiser):
    me = make_member("Katia", seeks=["translation"])
    met = make_member("Léa Dubois", offers=["translation"])
    other = make_member("Tom Peeters", offers=["translation"])
    assert {s.profile for s in suggestions_for(user=me.user)} == {met, other}
    Meeting.objects.create(
        event=evening,
        person_a=min(me.user, met.user, key=lambda u: u.pk),
        person_b=max(me.user, met.user, key=lambda u: u.pk),
        round_number=1,
        met_on=timezone.localdate(),
    )
    assert [s.profile for s in suggestions_for(user=me.user)] == [other]


def test_my_data_has_my_seats_requests_and_meetings(evening, organiser):
    people = attend(evening, names=["Katia X", "Lea D", "Tom P", "Ann Q"], visibility="members")
    MeetingRequest.objects.create(event=evening, requester=people[0], target=people[1])
    services.networking_plan(event=evening, actor=organiser, rounds=2)
    services.networking_round_start(event=evening, actor=organiser)
    data = export_collect(people[0])["speed_networking"]
    assert len(data["seats"]) == 2
    assert data["seats"][0]["played"] is True
    start = timezone.localtime(evening.start).isoformat()
    assert data["requests_made"] == [
        {"event": evening.title, "event_start": start, "target": "Lea D"}
    ]
    assert len(data["meetings"]) == 1
    assert export_collect(people[1])["speed_networking"]["requests_received"] == [
        {"event": evening.title, "event_start": start, "count": 1}
    ]


def test_speed_networking_history_is_deleted_with_the_account(evening, organiser):
    people = attend(evening, 4)
    MeetingRequest.objects.create(event=evening, requester=people[0], target=people[1])
    services.networking_plan(event=evening, actor=organiser, rounds=2)
    services.networking_round_start(event=evening, actor=organiser)
    gone = people[0]
    from members.services import account_delete

    account_delete(user=gone)
    assert not Seat.objects.filter(user_id=gone.pk).exists()
    assert not MeetingRequest.objects.filter(requester_id=gone.pk).exists()
    assert not Meeting.objects.filter(person_a_id=gone.pk).exists()
    assert not Meeting.objects.filter(person_b_id=gone.pk).exists()
    assert Registration.objects.filter(event=evening).count() == 4  # others' records stay
