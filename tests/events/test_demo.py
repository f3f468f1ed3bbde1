"""The events demo seeder: idempotent, and the people of the articles attended past events."""

import pytest

from events.demo import REGULARS, seed_events
from events.models import Event, Registration
from members.demo import new_world

pytestmark = pytest.mark.django_db


def test_seed_demo_events_is_idempotent_and_has_attendance():
    from members.demo import demo_seeders

    world = new_world(members=120, log=lambda _msg: None)
    for order, _name, seed in demo_seeders():
        if order <= 30:
            seed(world)
    counts = (Event.objects.count(), Registration.objects.count())
    seed_events(world)
    assert (Event.objects.count(), Registration.objects.count()) == counts
    for email in REGULARS:
        attended = Registration.objects.filter(
            user__email=email, checked_in_at__isnull=False
        ).values_list("event__kind__slug", flat=True)
        assert {"betacooks", "speed-networking"} <= set(attended), email
    assert Event.objects.filter(title="Switch IT Day", chapter__slug="betagroup-charleroi").exists()
    talk = Event.objects.get(slug="free-software-for-freelancers")
    assert talk.speakers.get().name == "Adrien Ramy"
    assert Registration.objects.filter(status="waitlisted").exists()
