"""A draft is seen by staff and its chapter's organisers alone, and "cancelling" it must not
change that: a cancelled event is listed for everyone (its registrants were told), so a draft
that was never announced — its title, its description — would be published by a cancel.
The console and the admin refuse to cancel a draft; a published event is cancelled as
before."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from events import services
from events.models import Event
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import ChapterFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def chapter_world():
    charleroi, kortrijk = ChapterFactory(name="Charleroi"), ChapterFactory(name="Kortrijk")
    organiser = make_member("Norman Organiser").user
    charleroi.organisers.add(organiser)
    other = make_member("Jurgen Organiser").user
    kortrijk.organisers.add(other)
    return charleroi, organiser, other


def _seen_by_others(event, other) -> dict[str, bool]:
    anonymous, member, kortrijk = Client(), Client(), Client()
    member.force_login(make_member("Member Max").user)
    kortrijk.force_login(other)
    seen = {}
    for name, client in (("anonymous", anonymous), ("member", member), ("other", kortrijk)):
        seen[f"{name} page"] = client.get(event.get_absolute_url()).status_code == 200
        seen[f"{name} list"] = event.title in client.get(reverse("events:list")).content.decode()
        seen[f"{name} api"] = event.title in client.get("/api/v1/events/").content.decode()
    seen["feed"] = event.title in anonymous.get(reverse("events:feed")).content.decode()
    return seen


def test_an_organiser_cannot_publish_a_draft_by_cancelling_it(client, chapter_world):
    charleroi, organiser, other = chapter_world
    draft = EventFactory(chapter=charleroi, status=Event.Status.DRAFT, title="Secret merger party")
    client.force_login(organiser)
    assert client.get(reverse("organise:cancel", args=[draft.slug])).status_code in (302, 400)
    response = client.post(reverse("organise:cancel", args=[draft.slug]))
    assert response.status_code in (302, 400)
    draft.refresh_from_db()
    assert draft.status == Event.Status.DRAFT
    assert not any(_seen_by_others(draft, other).values())
    # The organiser still previews it.
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_an_organiser_still_cancels_a_published_event(client, chapter_world):
    charleroi, organiser, other = chapter_world
    event = EventFactory(chapter=charleroi, title="Switch IT day")
    client.force_login(organiser)
    assert client.get(reverse("organise:cancel", args=[event.slug])).status_code == 200
    assert client.post(reverse("organise:cancel", args=[event.slug])).status_code == 302
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    assert _seen_by_others(event, other)["anonymous page"]  # listed as cancelled


def test_the_admin_does_not_publish_a_draft_by_cancelling_it(client, chapter_world):
    _charleroi, _organiser, other = chapter_world
    draft = EventFactory(status=Event.Status.DRAFT, title="Unannounced board dinner")
    published = EventFactory(title="Open lunch")
    client.force_login(UserFactory(name="Sofie Staff", is_staff=True, is_superuser=True))
    client.post(
        reverse("admin:events_event_changelist"),
        {
            "action": "action_cancel",
            "_selected_action": [draft.pk, published.pk],
            "post": "yes",
        },
    )
    draft.refresh_from_db()
    published.refresh_from_db()
    assert draft.status == Event.Status.DRAFT
    assert published.status == Event.Status.CANCELLED
    assert not any(_seen_by_others(draft, other).values())


def test_the_admin_form_does_not_cancel_a_draft_but_cancels_a_published_event(client):
    from tests.events.test_admin import _change_data

    client.force_login(UserFactory(name="Sofie Staff", is_staff=True, is_superuser=True))
    draft = EventFactory(status=Event.Status.DRAFT, title="Unannounced board dinner")
    response = client.post(
        reverse("admin:events_event_change", args=[draft.pk]),
        _change_data(draft, status="cancelled"),
    )
    assert response.status_code == 200  # the form again, with the error
    assert "Nobody holds a place at this draft" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Event.Status.DRAFT
    published = EventFactory(title="Open lunch")
    response = client.post(
        reverse("admin:events_event_change", args=[published.pk]),
        _change_data(published, status="cancelled"),
    )
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.status == Event.Status.CANCELLED


def test_a_draft_with_people_registered_is_cancelled_and_they_are_told(db):
    """Unpublished after people registered: they hold seats, so calling it off cancels it
    (they are told) rather than leave them holding seats at an event that will not be."""
    event = EventFactory(status=Event.Status.PUBLISHED)
    RegistrationFactory(event=event)
    Event.objects.filter(pk=event.pk).update(status=Event.Status.DRAFT)
    event.refresh_from_db()
    assert services.event_cancel(event=event) == 1
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    # Nobody at all: refused, and it stays a draft.
    empty = EventFactory(status=Event.Status.DRAFT)
    with pytest.raises(ValidationError, match="Nobody holds a place at this draft"):
        services.event_cancel(event=empty)
    empty.refresh_from_db()
    assert empty.status == Event.Status.DRAFT


def test_the_admin_does_not_create_an_event_cancelled(client, db):
    """Created cancelled, an event nobody ever heard of would be listed for everyone."""
    from tests.events.factories import kind
    from tests.events.test_admin_tester_round3 import _add_data

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:events_event_add"),
        _add_data(kind("betacooks"), status="cancelled", start_0="2030-03-05"),
    )
    assert response.status_code == 200
    assert "A new event is not created cancelled" in response.content.decode()
    assert not Event.objects.exists()
