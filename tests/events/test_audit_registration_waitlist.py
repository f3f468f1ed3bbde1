"""The waitlist moves up whenever seats are free again, in order — also when they freed up
while the event was unpublished, and before a newcomer can take them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from betacowork.messaging.models import Outbox
from events import services
from events.models import Event, Registration
from tests.factories import UserFactory

from .factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def _full_event_with_a_waitlist():
    event = EventFactory(capacity=1)
    seated = services.event_register(event=event, name="Ann Seated", email="ann@example.test")
    waiting = services.event_register(event=event, name="Bob Waiting", email="bob@example.test")
    assert waiting.status == Registration.Status.WAITLISTED
    return event, seated, waiting


def _status(registration) -> str:
    registration.refresh_from_db()
    return registration.status


@pytest.mark.parametrize("republish", ["edit", "publish_action"])
def test_a_seat_freed_while_unpublished_goes_to_the_waitlist_when_published_again(republish):
    event, seated, waiting = _full_event_with_a_waitlist()
    services.event_update(event=event, data={"status": Event.Status.DRAFT})
    # The guest still has their cancel link, and uses it while the event is unpublished.
    services.registration_cancel(registration=seated)
    assert _status(waiting) == Registration.Status.WAITLISTED  # nothing moves in a draft

    if republish == "edit":
        services.event_update(event=event, data={"status": Event.Status.PUBLISHED})
    else:
        assert services.event_publish(event=event)
    assert _status(waiting) == Registration.Status.CONFIRMED
    assert Outbox.objects.filter(
        kind="events.registration_promoted", dedup_key=f"promoted:{waiting.pk}"
    ).exists()

    # And a newcomer queues behind, rather than taking the seat that was Bob's turn.
    newcomer = services.event_register(event=event, user=UserFactory())
    assert newcomer.status == Registration.Status.WAITLISTED


def test_capacity_raised_while_unpublished_seats_the_waitlist_when_published_again():
    event, _seated, waiting = _full_event_with_a_waitlist()
    services.event_update(event=event, data={"status": Event.Status.DRAFT})
    services.event_update(event=event, data={"capacity": 2})
    assert _status(waiting) == Registration.Status.WAITLISTED
    services.event_update(event=event, data={"status": Event.Status.PUBLISHED})
    assert _status(waiting) == Registration.Status.CONFIRMED


def test_publishing_again_promotes_nobody_when_no_seat_is_free():
    event, seated, waiting = _full_event_with_a_waitlist()
    services.event_update(event=event, data={"status": Event.Status.DRAFT})
    services.event_update(event=event, data={"status": Event.Status.PUBLISHED})
    assert _status(seated) == Registration.Status.CONFIRMED
    assert _status(waiting) == Registration.Status.WAITLISTED
    assert not Outbox.objects.filter(kind="events.registration_promoted").exists()


def test_raising_the_capacity_promotes_in_the_order_people_joined_the_waitlist():
    event = EventFactory(capacity=1)
    RegistrationFactory(event=event)
    people = [services.event_register(event=event, user=UserFactory()) for _ in range(3)]
    services.event_update(event=event, data={"capacity": 3})
    assert [_status(r) for r in people] == [
        Registration.Status.CONFIRMED,
        Registration.Status.CONFIRMED,
        Registration.Status.WAITLISTED,
    ]


def test_seats_added_once_started_go_to_the_waitlist_when_the_event_is_postponed():
    event, _seated, waiting = _full_event_with_a_waitlist()
    now = timezone.now()
    Event.objects.filter(pk=event.pk).update(
        start=now - timedelta(minutes=10), end=now + timedelta(hours=1)
    )
    services.event_update(event=event, data={"capacity": 2})  # under way: nobody moves up
    assert _status(waiting) == Registration.Status.WAITLISTED
    later = now + timedelta(days=7)
    services.event_update(event=event, data={"start": later, "end": later + timedelta(hours=1)})
    assert _status(waiting) == Registration.Status.CONFIRMED


def test_leaving_the_waitlist_is_decided_under_the_lock():
    """The view no longer reads the status before the service locks the event: a promotion
    committed between the two is seen, and the seat it gave is kept."""
    from django.core.exceptions import ValidationError

    from events import services
    from events.models import Registration
    from tests.events.factories import EventFactory, RegistrationFactory

    event = EventFactory(capacity=1)
    shown = RegistrationFactory(event=event, status=Registration.Status.WAITLISTED)
    Registration.objects.filter(pk=shown.pk).update(status=Registration.Status.CONFIRMED)
    with pytest.raises(ValidationError) as refused:
        services.registration_cancel(registration=shown, leaving_waitlist=True)
    assert refused.value.code == "seat_obtained"
    shown.refresh_from_db()
    assert shown.status == Registration.Status.CONFIRMED
    # Cancelling the seat itself (its own button) still works.
    services.registration_cancel(registration=shown)
    shown.refresh_from_db()
    assert shown.status == Registration.Status.CANCELLED
