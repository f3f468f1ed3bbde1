"""A participant's "My round" when they have no seat in the round on now: a late arrival is
told the round they join from, someone who left the evening is thanked, and only someone
checked in with no seat now nor later is sent to an organiser — the same words on the page
and in its JSON (the live refresh)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Seat
from tests.factories import make_member

from . import test_speed_networking_services as shared
from .factories import RegistrationFactory
from .test_speed_networking_services import attend

pytestmark = pytest.mark.django_db

# The shared fixtures (a chapter with `organiser`, its Speed Networking `evening`).
chapter, evening = shared.chapter, shared.evening

NOT_SEATED = "You are not seated in round"


def url(name, event):
    return reverse(f"events:networking:{name}", kwargs={"slug": event.slug})


@pytest.fixture
def room(client, evening, organiser):
    """Six people checked in, three rounds planned and round 1 started from the phone."""
    people = attend(evening, 6)
    client.force_login(organiser)
    rounds = {"rounds": 3, "table_size": 2, "round_minutes": 5}
    assert client.post(url("plan", evening), rounds).status_code == 302
    assert client.post(url("next", evening), {"expected": 1}).status_code == 302
    return people


def organiser_does(client, organiser, evening, action, data) -> None:
    client.force_login(organiser)
    assert client.post(url(action, evening), data).status_code == 302


def seen_by(client, user, evening) -> tuple[dict, str]:
    """(the JSON the live page polls, the page itself) as `user` sees them."""
    client.force_login(user)
    state = client.get(url("me_state", evening)).json()
    page = client.get(url("me", evening)).content.decode()
    return state, page


def arrives(evening, name="Late Lou"):
    user = make_member(name).user
    RegistrationFactory(event=evening, user=user, checked_in_at=timezone.now())
    return user


def test_a_late_arrival_placed_during_round_1_is_told_they_join_from_round_2(
    client, room, evening, organiser
):
    late = arrives(evening)
    organiser_does(client, organiser, evening, "arrive", {"user": late.pk})
    state, page = seen_by(client, late, evening)
    text = "You join from round 2: your table will show here when it starts."
    assert (state["status"], state["text"], state["joins"]) == ("joining", text, 2)
    assert state["companions"] == []
    assert state["remaining"] is None
    assert text in page
    assert NOT_SEATED not in page


def test_once_their_round_starts_the_late_arrival_sees_their_table(
    client, room, evening, organiser
):
    late = arrives(evening)
    organiser_does(client, organiser, evening, "arrive", {"user": late.pk})
    organiser_does(client, organiser, evening, "next", {"expected": 2})
    seat = Seat.objects.get(round__number=2, user=late)
    state, page = seen_by(client, late, evening)
    assert state["status"] == "seated"
    assert state["text"].startswith(f"Round 2 · table {seat.table} · with Person ")
    assert state["joins"] is None
    assert state["companions"]
    assert 0 < state["remaining"] <= 5 * 60
    assert state["text"] in page


def test_someone_who_left_the_evening_is_thanked_not_sent_to_an_organiser(
    client, room, evening, organiser
):
    leaver = room[0]
    organiser_does(client, organiser, evening, "leave", {"user": leaver.pk})
    # They left after round 1, which is on: they still have that round's table.
    assert seen_by(client, leaver, evening)[0]["status"] == "seated"
    organiser_does(client, organiser, evening, "next", {"expected": 2})
    state, page = seen_by(client, leaver, evening)
    text = "You left the evening: thank you for coming!"
    assert (state["status"], state["text"], state["joins"]) == ("left", text, None)
    assert text in page
    assert NOT_SEATED not in page
    organiser_does(client, organiser, evening, "next", {"expected": 3})
    assert seen_by(client, leaver, evening)[0]["text"] == text


def test_someone_who_left_then_came_back_joins_as_a_late_arrival(client, room, evening, organiser):
    leaver = room[0]
    organiser_does(client, organiser, evening, "leave", {"user": leaver.pk})
    organiser_does(client, organiser, evening, "next", {"expected": 2})
    organiser_does(client, organiser, evening, "arrive", {"user": leaver.pk})
    state, _page = seen_by(client, leaver, evening)
    assert (state["status"], state["joins"]) == ("joining", 3)
    assert state["text"] == "You join from round 3: your table will show here when it starts."


def test_only_someone_checked_in_with_no_seat_now_nor_later_is_sent_to_an_organiser(
    client, room, evening, organiser
):
    placed, forgotten = arrives(evening, "Late Lou"), arrives(evening, "Late Lena")
    organiser_does(client, organiser, evening, "arrive", {"user": placed.pk})
    assert seen_by(client, placed, evening)[0]["status"] == "joining"
    state, page = seen_by(client, forgotten, evening)
    text = "You are not seated in round 1: see an organiser."
    assert (state["status"], state["text"], state["joins"]) == ("not_seated", text, None)
    assert text in page
