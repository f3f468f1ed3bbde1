"""Adversarial review of the event pages: bad input never 500s, and no page names a person
with a hidden profile (or shows someone's email) to anyone but staff."""

import pytest
from django.urls import reverse

from events import services
from events.models import Event
from members.models import Visibility
from tests.factories import ChapterFactory, UserFactory

from .factories import EventFactory

pytestmark = pytest.mark.django_db


def _person(name: str, visibility: str = Visibility.MEMBERS, email: str | None = None):
    user = UserFactory(name=name, **({"email": email} if email else {}))
    user.profile.visibility = visibility
    user.profile.save()
    return user


@pytest.fixture
def chapter_event(organiser):
    chapter = ChapterFactory()
    chapter.organisers.add(organiser)
    return EventFactory(title="Charleroi IT Day", chapter=chapter, capacity=20)


# Bad input ------------------------------------------------------------------------------


def test_personal_feed_with_a_nul_or_huge_token_is_a_404(client):
    # Postgres refuses NUL in a string literal: this was a 500 there.
    for token in ("%00", "abc%00def", "x" * 10_000):
        response = client.get(f"/events/calendar/{token}.ics")
        assert response.status_code == 404, token


def test_check_in_search_with_a_nul_is_not_a_500(client, staff, event):
    services.event_register(event=event, name="Zoë Guest", email="zoe@example.test")
    client.force_login(staff)
    url = reverse("events:check_in", kwargs={"slug": event.slug})
    response = client.get(url, {"q": "zo\x00ë"})
    assert response.status_code == 200
    response = client.get(url, {"q": "\x00"})
    assert response.status_code == 200
    assert "Zoë Guest" in response.content.decode()


def test_check_in_page_of_a_draft_is_404_not_403_for_a_plain_member(client, member):
    draft = EventFactory(status=Event.Status.DRAFT)
    client.force_login(member)
    # A 403 would confirm that an unpublished event with this address exists.
    assert client.get(reverse("events:check_in", kwargs={"slug": draft.slug})).status_code == 404
    assert client.get(reverse("events:check_in", kwargs={"slug": "no-such"})).status_code == 404
