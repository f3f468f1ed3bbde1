"""factory_boy factories for events."""

from datetime import time, timedelta

import factory
from django.utils import timezone

from events.models import Event, EventKind, EventSeries, Registration, Speaker
from tests.factories import SpaceFactory, UserFactory


def kind(slug: str = "betacooks") -> EventKind:
    """A seeded kind. Transactional tests flush the data migration's rows: recreate them."""
    found = EventKind.objects.filter(slug=slug).first()
    if found is None:
        found = EventKind.objects.create(slug=slug, name_en=slug.replace("-", " ").title())
    return found


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    title = factory.Sequence(lambda n: f"Event {n}")
    slug = factory.Sequence(lambda n: f"event-{n}")
    kind = factory.LazyFunction(lambda: kind("betacooks"))
    start = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    end = factory.LazyAttribute(lambda o: o.start + timedelta(minutes=90))
    space = factory.SubFactory(SpaceFactory)
    capacity = 10
    status = Event.Status.PUBLISHED
    visibility = Event.Visibility.PUBLIC


SEAT_AGE = timedelta(days=3)


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    event = factory.SubFactory(EventFactory)
    user = factory.SubFactory(UserFactory)
    name = factory.LazyAttribute(lambda o: o.user.name if o.user else "Guest")
    email = factory.LazyAttribute(lambda o: o.user.email if o.user else "guest@example.test")
    status = Registration.Status.CONFIRMED
    # A seat taken a while ago, as most are when a reminder falls due (one confirmed within
    # the hour before it gets none: events/services/reminders.py, FRESH_CONFIRMATION).
    created_at = factory.LazyFunction(lambda: timezone.now() - SEAT_AGE)
    confirmed_at = factory.SelfAttribute("created_at")
    # As the registration service sets it: the waitlist's order (a waitlisted row without it
    # has no place in the queue: `waitlist_position`).
    waitlisted_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == Registration.Status.WAITLISTED else None
    )


class SpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Speaker

    event = factory.SubFactory(EventFactory)
    name = "Adrien Ramy"
    affiliation = "BetaGroup"


class EventSeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventSeries

    title = "Betacooks"
    kind = factory.LazyFunction(lambda: kind("betacooks"))
    rrule = "FREQ=WEEKLY;BYDAY=TU"
    start_time = time(12, 30)
    duration_minutes = 90
    capacity = 50
    space = factory.SubFactory(SpaceFactory)
