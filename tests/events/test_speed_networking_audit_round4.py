"""Speed networking, audit round 4: defects an organiser or a participant would notice, each
reproduced by a test that failed before its fix."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from events.models import MeetingRequest, NetworkingSession
from events.services import event_cancel, registration_check_in_undo
from events.speed_networking import display, services
from tests.factories import make_member

from . import test_speed_networking_services as shared
from .factories import RegistrationFactory
from .test_speed_networking_services import attend

pytestmark = pytest.mark.django_db

# The shared fixtures (a chapter with `organiser`, its Speed Networking `evening`).
chapter, evening = shared.chapter, shared.evening


def url(name, event):
    return reverse(f"events:networking:{name}", kwargs={"slug": event.slug})


@pytest.fixture
def cancelled_after_planning(evening, organiser):
    """The evening in five days: two people checked in early, rounds planned, then the event
    is cancelled (it has not started, so it may be). Returns (me, lea) as profiles."""
    evening.start = timezone.now() + timedelta(days=5)
    evening.end = evening.start + timedelta(hours=2)
    evening.save()
    me, lea = make_member("Katia Xeno"), make_member("Léa Dubois")
    for profile in (me, lea):
        RegistrationFactory(event=evening, user=profile.user, checked_in_at=timezone.now())
    services.networking_plan(event=evening, actor=organiser, rounds=1)
    event_cancel(event=evening, actor=organiser)
    evening.refresh_from_db()
    return me, lea


def test_wishes_for_a_cancelled_evening_are_refused(client, evening, cancelled_after_planning):
    me, lea = cancelled_after_planning
    client.force_login(me.user)
    response = client.post(url("requests", evening), {"targets": [lea.user_id]})
    assert response.status_code == 400
    assert "This event is cancelled." in response.content.decode()
    assert not MeetingRequest.objects.exists()
    with pytest.raises(ValidationError, match="cancelled"):
        services.meeting_request_set(event=evening, requester=me.user, targets=[lea.user])
    assert not MeetingRequest.objects.exists()


def test_the_event_page_offers_no_wishes_or_round_for_a_cancelled_evening(
    client, evening, cancelled_after_planning
):
    me, _lea = cancelled_after_planning
    client.force_login(me.user)
    page = client.get(evening.get_absolute_url()).content.decode()
    assert url("requests", evening) not in page
    assert url("me", evening) not in page


def test_phones_and_projector_say_a_cancelled_evening_is_cancelled(
    client, evening, organiser, cancelled_after_planning
):
    me, _lea = cancelled_after_planning
    client.force_login(me.user)
    state = client.get(url("me_state", evening)).json()
    assert state["text"] == "This event is cancelled."
    assert state["companions"] == []
    assert "Léa Dubois" not in client.get(url("me", evening)).content.decode()
    client.force_login(organiser)
    room = client.get(url("projector_state", evening)).json()
    assert room["heading"] == "This event is cancelled."
    assert room["tables"] == []


def test_someone_leaving_before_round_1_is_not_said_to_leave_after_round_0(evening, organiser):
    people = attend(evening, 5)
    services.networking_plan(event=evening, actor=organiser, rounds=3)
    services.networking_leave(event=evening, actor=organiser, user=people[0])
    services.networking_round_start(event=evening, actor=organiser)
    services.networking_leave(event=evening, actor=organiser, user=people[1])
    notes = display.note_texts(NetworkingSession.objects.get(), viewer=organiser)
    assert "Person 00 left before the first round." in notes
    assert "Person 01 left after round 1." in notes
    assert not any("round 0" in note for note in notes)


def test_a_person_left_alone_is_not_seated_with_nobody(client, evening, organiser):
    people = attend(evening, 2)
    services.networking_plan(event=evening, actor=organiser, rounds=2)
    # Nobody is left to re-seat the other with: the rounds to come go (networking_unseat),
    # and their phone says so rather than "table 1 with " nobody.
    registration_check_in_undo(registration=people[1].event_registrations.get(), actor=organiser)
    client.force_login(people[0])
    state = client.get(url("me_state", evening)).json()
    assert (state["status"], state["table"], state["companions"]) == ("unplanned", None, [])
    assert state["text"].startswith("The rounds are not planned yet")
    assert not state["text"].endswith("with ")
