"""`manage.py speed_networking_plan` and the speed-networking demo world."""

import io

import pytest
from django.core.management import CommandError, call_command

from events.models import Meeting, MeetingRequest, NetworkingSession, Round
from events.speed_networking import services

from . import test_speed_networking_services as shared
from .test_speed_networking_services import attend

pytestmark = pytest.mark.django_db

# The shared fixtures (a chapter with `organiser`, its Speed Networking `evening`).
chapter, evening = shared.chapter, shared.evening


def run(*args) -> str:
    out = io.StringIO()
    call_command("speed_networking_plan", *args, stdout=out)
    return out.getvalue()


def test_the_command_plans_and_prints_the_plan_and_figures(evening):
    attend(
        evening, names=["Léa Dubois", "Tom Peeters", "Ann Smith", "Bob Jones", "Eve Adams", "Al B"]
    )
    out = run(evening.slug, "--rounds", "3")
    assert "Round 1" in out
    assert "Round 3" in out
    assert "Table 1: " in out
    assert "Léa Dubois" in out
    assert "Repeats within the session: 0" in out
    assert "People seated: 6" in out
    assert Round.objects.filter(session__event=evening).count() == 3


def test_the_command_replans_only_unplayed_rounds_and_prints_every_name(evening):
    people = attend(evening, names=["Ann A", "Bob B", "Cy C", "Di D", "Ed E", "Flo F"])
    people[0].profile.visibility = "hidden"
    people[0].profile.save()
    run(evening.slug, "--rounds", "3", "--table-size", "3")
    services.networking_round_start(event=evening, actor=None)
    first = list(Round.objects.get(number=1).seats.values_list("table", "user_id"))
    out = run(evening.slug, "--rounds", "4", "--table-size", "3")
    assert "Round 1 (played)" in out
    assert "Ann A" in out  # staff and scripts see every name
    assert list(Round.objects.get(number=1).seats.values_list("table", "user_id")) == first
    assert Round.objects.count() == 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-event", "--rounds", "3"], "No event with the slug"),
        (["speed-networking-evening", "--rounds", "0"], "Plan between 1 and 12 rounds"),
        (["speed-networking-evening", "--rounds", "3", "--table-size", "9"], "2 to 6"),
    ],
)
def test_the_command_refuses_bad_input(evening, args, message):
    attend(evening, 4)
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not Round.objects.exists()


def test_the_command_needs_two_people_checked_in(evening):
    attend(evening, 1)
    with pytest.raises(CommandError, match="at least 2 are needed"):
        run(evening.slug, "--rounds", "2")
    with pytest.raises(CommandError):
        run(evening.slug)  # --rounds is required


def test_demo_past_evening_remembers_meetings_matching_its_collaborations():
    from members.demo import demo_seeders, new_world

    world = new_world(members=160, log=lambda _msg: None)
    for _order, _name, seed in demo_seeders():
        seed(world)
    session = NetworkingSession.objects.get(event__slug="speed-networking-autumn")
    assert session.finished_at
    assert session.current_round == 6
    assert not Round.objects.filter(session=session, started_at__isnull=True).exists()
    met = set(Meeting.objects.filter(event=session.event).values_list("person_a_id", "person_b_id"))
    assert len(met) >= 6 * 10
    from collaborations.models import Participant

    born = {}
    for collab_id, user_id in Participant.objects.filter(
        collaboration__origin_event=session.event, user__isnull=False
    ).values_list("collaboration_id", "user_id"):
        born.setdefault(collab_id, []).append(user_id)
    assert born, "the collaborations demo names collaborations born at this evening"
    for people in born.values():
        a, b = sorted(people)[:2]
        assert (a, b) in met
    assert MeetingRequest.objects.filter(event__slug="speed-networking-winter").count() >= 3
    counts = (Meeting.objects.count(), MeetingRequest.objects.count(), Round.objects.count())
    for _order, _name, seed in demo_seeders():
        seed(world)
    assert (Meeting.objects.count(), MeetingRequest.objects.count(), Round.objects.count()) == (
        counts
    )
