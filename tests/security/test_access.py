"""Who may act on what: a guest on members-only and draft events, an organiser of one
chapter on another chapter's events (by every URL that names an event or a row of it)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from events.models import Event, EventCost, Registration
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import ChapterFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_chapters(organiser):
    mine, theirs = ChapterFactory(name="Mine"), ChapterFactory(name="Theirs")
    mine.organisers.add(organiser)
    their_organiser = UserFactory(name="Their Organiser")
    theirs.organisers.add(their_organiser)
    my_event = EventFactory(chapter=mine, slug="mine-ev")
    their_event = EventFactory(chapter=theirs, slug="their-ev")
    their_reg = RegistrationFactory(event=their_event)
    cost = EventCost.objects.create(event=their_event, category="food", amount=Decimal("10"))
    return {
        "my_event": my_event,
        "their_event": their_event,
        "their_reg": their_reg,
        "their_cost": cost,
        "their_organiser": their_organiser,
    }


@pytest.mark.parametrize(
    ("visibility", "status"),
    [
        (Event.Visibility.MEMBERS, Event.Status.PUBLISHED),
        (Event.Visibility.PUBLIC, Event.Status.DRAFT),
    ],
)
def test_a_guest_cannot_register_for_a_members_only_or_draft_event(client, visibility, status):
    event = EventFactory(visibility=visibility, status=status)
    response = client.post(
        reverse("events:register", kwargs={"slug": event.slug}),
        {"name": "Outsider", "email": "out@example.test", "note": ""},
    )
    assert response.status_code in (302, 400, 403, 404)
    assert not Registration.objects.filter(event=event).exists()


def test_an_organiser_cannot_reach_another_chapters_event(client, organiser, two_chapters):
    w = two_chapters
    client.force_login(organiser)
    theirs = w["their_event"].slug
    gets = [
        reverse("organise:edit", kwargs={"slug": theirs}),
        reverse("organise:registrations", kwargs={"slug": theirs}),
        reverse("organise:registrations_csv", kwargs={"slug": theirs}),
        reverse("organise:message", kwargs={"slug": theirs}),
        reverse("events:check_in", kwargs={"slug": theirs}),
        reverse("budget:event_costs", kwargs={"slug": theirs}),
        reverse("events:networking:run", kwargs={"slug": theirs}),
        reverse("events:networking:csv", kwargs={"slug": theirs}),
        reverse("events:networking:projector_state", kwargs={"slug": theirs}),
    ]
    for url in gets:
        assert client.get(url).status_code in (403, 404), url
    # Their rows through my own event's URLs: not found.
    mine = w["my_event"].slug
    toggle = reverse("events:check_in_toggle", kwargs={"slug": mine, "pk": w["their_reg"].pk})
    assert client.post(toggle, {"action": "in"}).status_code == 404
    cost_url = reverse("budget:event_cost_delete", kwargs={"slug": mine, "pk": w["their_cost"].pk})
    assert client.post(cost_url).status_code == 404
    assert EventCost.objects.filter(pk=w["their_cost"].pk).exists()
    w["their_reg"].refresh_from_db()
    assert w["their_reg"].checked_in_at is None
    # Their organiser may.
    client.force_login(w["their_organiser"])
    assert client.get(gets[1]).status_code == 200
