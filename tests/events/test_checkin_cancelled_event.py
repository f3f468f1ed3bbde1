"""Check-in at a cancelled event is refused (people were told it will not happen), and a
profile counts as attended only events that took place: started, not cancelled."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from events import selectors, services
from events.models import Event, Registration
from members.models import Visibility

from .factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

REFUSAL = "This event is cancelled: nobody can be checked in."


def toggle(registration):
    return reverse(
        "events:check_in_toggle", kwargs={"slug": registration.event.slug, "pk": registration.pk}
    )


def door(event):
    return reverse("events:check_in", kwargs={"slug": event.slug})


def test_check_in_at_a_cancelled_event_is_refused_with_and_without_javascript(
    client, staff, member
):
    event = EventFactory(title="Tiny", status=Event.Status.CANCELLED)
    registration = RegistrationFactory(event=event, user=member)
    client.force_login(staff)

    response = client.post(toggle(registration), {"action": "in"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json() == {"error": REFUSAL}
    response = client.post(toggle(registration), {"action": "in"})  # no JavaScript
    assert response.status_code == 400  # the door list, with the message
    assert REFUSAL in response.content.decode()
    assert "Check in</span>" not in response.content.decode()
    registration.refresh_from_db()
    assert registration.checked_in_at is None

    # Someone checked in before the event was cancelled stays as they were: undo is refused too.
    Registration.objects.filter(pk=registration.pk).update(checked_in_at=timezone.now())
    response = client.post(toggle(registration), {"action": "undo"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json() == {"error": REFUSAL}


def test_the_door_list_of_a_cancelled_event_says_so_and_offers_no_buttons(client, staff, member):
    event = EventFactory(title="Tiny", status=Event.Status.CANCELLED)
    registration = RegistrationFactory(event=event, user=member)
    client.force_login(staff)
    page = client.get(door(event)).content.decode()
    assert REFUSAL in page
    assert toggle(registration) not in page
    assert "Check in</button>" not in page


def test_check_in_at_a_published_event_still_works(client, staff, member):
    event = EventFactory(title="Lunch", start=timezone.now())  # check-in opens on its day
    registration = RegistrationFactory(event=event, user=member)
    client.force_login(staff)
    page = client.get(door(event)).content.decode()
    assert REFUSAL not in page
    assert toggle(registration) in page
    response = client.post(toggle(registration), {"action": "in"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["checked_in"] is True
    response = client.post(toggle(registration), {"action": "undo"}, HTTP_ACCEPT="application/json")
    assert response.json()["checked_in"] is False


def test_the_service_refuses_a_cancelled_event_too(member):
    registration = RegistrationFactory(
        event=EventFactory(status=Event.Status.CANCELLED), user=member
    )
    with pytest.raises(ValidationError, match="nobody can be checked in") as caught:
        services.registration_check_in(registration=registration, actor=None)
    assert caught.value.code == "cancelled"


def test_a_profile_counts_only_events_that_took_place(client, member):
    member.profile.visibility = Visibility.PUBLIC
    member.profile.save()
    now = timezone.now()
    took_place = EventFactory(start=now - timedelta(days=7), end=now - timedelta(days=7, hours=-1))
    RegistrationFactory(event=took_place, user=member, checked_in_at=took_place.start)
    cancelled = EventFactory(
        start=now - timedelta(days=3),
        end=now - timedelta(days=3, hours=-1),
        status=Event.Status.CANCELLED,
    )
    RegistrationFactory(event=cancelled, user=member, checked_in_at=cancelled.start)
    # Checked in at the door a month early: not attended (yet).
    early = EventFactory(start=now + timedelta(days=30))
    RegistrationFactory(event=early, user=member, checked_in_at=now)

    assert selectors.attendance_by_kind(user=member)[0]["count"] == 1
    body = client.get(member.profile.get_absolute_url()).content.decode()
    assert "<strong>1</strong>Betacooks attended" in body
    # Once the early one has started, it counts.
    assert selectors.attendance_by_kind(user=member, now=now + timedelta(days=31))[0]["count"] == 2
