"""Speed networking, QA round 5: what a member or an organiser would notice once an evening is
cancelled or over — each reproduced by a test that failed before its fix."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Event, MeetingRequest
from events.services import event_cancel
from events.speed_networking import services
from tests.factories import make_member

from . import test_speed_networking_services as shared
from .factories import RegistrationFactory

pytestmark = pytest.mark.django_db

# The shared fixtures (a chapter with `organiser`, its Speed Networking `evening`).
chapter, evening = shared.chapter, shared.evening


def url(name, event):
    return reverse(f"events:networking:{name}", kwargs={"slug": event.slug})


@pytest.fixture
def people(evening, organiser):
    """Me, Léa and two others checked in, the rounds planned (the evening is on)."""
    profiles = [make_member(name) for name in ("Katia Xeno", "Léa Dubois", "Ann A", "Bob B")]
    for profile in profiles:
        RegistrationFactory(event=evening, user=profile.user, checked_in_at=timezone.now())
    services.networking_plan(event=evening, actor=organiser, rounds=3)
    return profiles


@pytest.fixture
def cancelled(evening, organiser, people):
    """The same evening moved to next week, then cancelled (it has not started)."""
    Event.objects.filter(pk=evening.pk).update(
        start=timezone.now() + timedelta(days=5), end=timezone.now() + timedelta(days=5, hours=2)
    )
    evening.refresh_from_db()
    event_cancel(event=evening, actor=organiser)
    evening.refresh_from_db()
    return people


# --- the organiser's run page -------------------------------------------------------------


def test_the_run_page_of_a_cancelled_evening_says_so_and_offers_no_controls(
    client, evening, organiser, cancelled
):
    client.force_login(organiser)
    response = client.get(url("run", evening))
    page = response.content.decode()
    assert response.status_code == 200
    assert "This event is cancelled." in page
    # Every one of these buttons could only answer "This event is cancelled.".
    for name in ("next", "finish", "plan", "arrive", "leave"):
        assert url(name, evening) not in page
    assert "Start round 1" not in page


def test_the_run_page_of_an_evening_on_still_offers_its_controls(
    client, evening, organiser, people
):
    client.force_login(organiser)
    page = client.get(url("run", evening)).content.decode()
    assert "This event is cancelled." not in page
    for name in ("next", "finish", "plan", "leave"):
        assert url(name, evening) in page


# --- "I'd like to meet" once it is too late --------------------------------------------------


def _over(evening, organiser, how):
    if how == "finished":
        services.networking_finish(event=evening, actor=organiser)
    else:  # ended: the evening was last week
        Event.objects.filter(pk=evening.pk).update(
            start=timezone.now() - timedelta(days=7),
            end=timezone.now() - timedelta(days=7) + timedelta(hours=2),
        )
        evening.refresh_from_db()


@pytest.mark.parametrize("how", ["finished", "ended"])
def test_the_wishes_page_of_an_evening_that_is_over_says_so_instead_of_a_form(
    client, evening, organiser, people, how
):
    me, lea = people[0], people[1]
    _over(evening, organiser, how)
    client.force_login(me.user)
    response = client.get(url("requests", evening))
    page = response.content.decode()
    assert response.status_code == 200
    assert "This evening is over." in page
    assert 'name="targets"' not in page
    # Sending the form anyway (an old tab) is still refused, with the same words.
    response = client.post(url("requests", evening), {"targets": [lea.user_id]})
    assert response.status_code == 400
    assert "This evening is over." in response.content.decode()
    assert not MeetingRequest.objects.exists()


def test_the_wishes_page_of_a_cancelled_evening_says_so_instead_of_a_form(
    client, evening, cancelled
):
    me = cancelled[0]
    client.force_login(me.user)
    page = client.get(url("requests", evening)).content.decode()
    assert "This event is cancelled." in page
    assert 'name="targets"' not in page


def test_the_wishes_page_of_an_evening_on_shows_the_form(client, evening, people):
    client.force_login(people[0].user)
    page = client.get(url("requests", evening)).content.decode()
    assert 'name="targets"' in page
    assert "This evening is over." not in page


@pytest.mark.parametrize("how", ["finished", "ended"])
def test_my_round_offers_no_wishes_once_the_evening_is_over(
    client, evening, organiser, people, how
):
    _over(evening, organiser, how)
    client.force_login(people[0].user)
    page = client.get(url("me", evening)).content.decode()
    assert url("requests", evening) not in page
    assert reverse("events:networking:met") in page


def test_my_round_offers_no_wishes_for_a_cancelled_evening(client, evening, cancelled):
    client.force_login(cancelled[0].user)
    page = client.get(url("me", evening)).content.decode()
    assert url("requests", evening) not in page


def test_my_round_offers_wishes_while_the_evening_is_on(client, evening, people):
    client.force_login(people[0].user)
    assert url("requests", evening) in client.get(url("me", evening)).content.decode()


def test_once_the_last_round_started_the_run_page_offers_more_rounds_or_finishing(
    client, evening, organiser, people
):
    """Re-planning the rounds not played is over (none is left): the page offers adding
    rounds after them, or finishing the evening."""
    for _ in range(3):
        services.networking_round_start(event=evening, actor=organiser)
    client.force_login(organiser)
    page = client.get(url("run", evening)).content.decode()
    assert "Plan again (rounds not played)" not in page
    assert "More rounds (after the ones played)" in page
    assert url("plan", evening) in page
    assert url("finish", evening) in page


def test_the_event_page_offers_no_wishes_once_the_organiser_finished_the_evening(
    client, evening, organiser, people
):
    """Finished before its planned end (the room emptied early): "I'd like to meet…" could only
    be refused ("This evening is over."), so the event page no longer offers it."""
    client.force_login(people[0].user)
    assert url("requests", evening) in client.get(evening.get_absolute_url()).content.decode()
    services.networking_finish(event=evening, actor=organiser)
    assert not evening.has_ended()
    page = client.get(evening.get_absolute_url()).content.decode()
    assert url("requests", evening) not in page


# --- someone without a seat in a planned evening is told what to do -----------------------


@pytest.mark.parametrize(
    ("registration", "status", "text"),
    [
        ({"checked_in_at": None}, "not_checked_in", "You are not checked in yet"),
        ({"status": "waitlisted", "checked_in_at": None}, "waitlisted", "on the waitlist"),
        ({"checked_in_at": "now"}, "not_seated", "You are not seated in round 1"),
    ],
    ids=["not-checked-in", "waitlisted", "checked-in-after-planning"],
)
def test_my_round_tells_someone_without_a_seat_why(
    client, evening, people, registration, status, text
):
    """Registered after the rounds were planned: not at the door yet, on the waitlist, or
    checked in but left out of the plan (the organiser has not recorded the arrival)."""
    late = make_member("Zoé Late")
    if registration.get("checked_in_at") == "now":
        registration = {**registration, "checked_in_at": timezone.now()}
    RegistrationFactory(event=evening, user=late.user, **registration)
    client.force_login(late.user)
    state = client.get(url("me_state", evening)).json()
    assert state["status"] == status
    assert text in state["text"]
    assert text in client.get(url("me", evening)).content.decode()


def test_the_run_page_counts_one_member_here_in_the_singular(client, evening, organiser):
    (only,) = [make_member("Ann Alone")]
    RegistrationFactory(event=evening, user=only.user, checked_in_at=timezone.now())
    client.force_login(organiser)
    page = client.get(url("run", evening)).content.decode()
    assert "member here (checked in, not gone)" in page
    assert "members here" not in page


def test_the_run_page_counts_members_here_in_the_plural(client, evening, organiser, people):
    client.force_login(organiser)
    page = client.get(url("run", evening)).content.decode()
    assert "members here (checked in, not gone)" in page


def test_with_the_most_rounds_an_evening_may_have_played_only_finishing_is_offered(
    client, evening, organiser
):
    """Twelve rounds played (MAX_ROUNDS): adding a thirteenth could only be refused, so the
    page offers no plan form, only finishing the evening."""
    from events.models.speed_networking import MAX_ROUNDS

    people = [make_member(f"Person {i:02d}") for i in range(30)]
    for profile in people:
        RegistrationFactory(event=evening, user=profile.user, checked_in_at=timezone.now())
    services.networking_plan(event=evening, actor=organiser, rounds=MAX_ROUNDS)
    for _ in range(MAX_ROUNDS):
        services.networking_round_start(event=evening, actor=organiser)
    client.force_login(organiser)
    page = client.get(url("run", evening)).content.decode()
    assert "More rounds (after the ones played)" not in page
    assert url("plan", evening) not in page
    assert url("finish", evening) in page
