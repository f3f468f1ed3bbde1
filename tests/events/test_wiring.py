"""Events wired to the rest: chapter announcements on publish, seats freed by deleted accounts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from betacowork.messaging.models import Outbox
from events import services
from events.models import Event, Registration
from members.services import account_delete
from tests.factories import ChapterFactory, UserFactory

from .factories import EventFactory, RegistrationFactory, kind

pytestmark = pytest.mark.django_db


def announcements(event) -> set[str]:
    return set(
        Outbox.objects.filter(
            kind="events.chapter_announcement", topic=f"event:{event.pk}"
        ).values_list("to_email", flat=True)
    )


@pytest.fixture
def chapter_with_follower():
    chapter = ChapterFactory()
    follower = UserFactory()
    chapter.followers.add(follower)
    return chapter, follower


def test_publishing_a_draft_announces_it_to_the_chapter_followers_once(chapter_with_follower):
    chapter, follower = chapter_with_follower
    draft = EventFactory(chapter=chapter, status=Event.Status.DRAFT)
    assert announcements(draft) == set()
    assert services.event_publish(event=draft) is True
    assert announcements(draft) == {follower.email}
    assert services.event_publish(event=draft) is False  # already published: nothing new
    assert Outbox.objects.filter(kind="events.chapter_announcement").count() == 1


def test_an_event_without_chapter_announces_nothing(chapter_with_follower):
    draft = EventFactory(chapter=None, status=Event.Status.DRAFT)
    services.event_publish(event=draft)
    assert not Outbox.objects.filter(kind="events.chapter_announcement").exists()


def test_publishing_through_the_edit_form_announces(chapter_with_follower):
    chapter, follower = chapter_with_follower
    draft = EventFactory(chapter=chapter, status=Event.Status.DRAFT)
    services.event_update(event=draft, data={"status": Event.Status.PUBLISHED})
    assert announcements(draft) == {follower.email}


def test_a_new_event_saved_as_published_in_the_admin_is_announced(
    client, staff, chapter_with_follower
):
    chapter, follower = chapter_with_follower
    start = timezone.localtime(timezone.now() + timedelta(days=9)).replace(
        hour=18, minute=0, second=0, microsecond=0
    )
    end = start + timedelta(hours=3)
    client.force_login(staff)
    response = client.post(
        reverse("admin:events_event_add"),
        {
            "title": "Switch IT Day",
            "slug": "switch-it-day-test",
            "kind": kind("it-day").pk,
            "status": Event.Status.PUBLISHED,
            "visibility": Event.Visibility.PUBLIC,
            "description": "",
            "start_0": start.strftime("%Y-%m-%d"),
            "start_1": start.strftime("%H:%M:%S"),
            "end_0": end.strftime("%Y-%m-%d"),
            "end_1": end.strftime("%H:%M:%S"),
            "chapter": chapter.pk,
            "space": chapter.space.pk,
            "capacity": 50,
            "speakers-TOTAL_FORMS": 0,
            "speakers-INITIAL_FORMS": 0,
            "costs-TOTAL_FORMS": 1,
            "costs-INITIAL_FORMS": 0,
            "costs-0-category": "food",
            "costs-0-description": "Beers",
            "costs-0-amount": "30.00",
            "registrations-TOTAL_FORMS": 0,
            "registrations-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302
    event = Event.objects.get(slug="switch-it-day-test")
    assert announcements(event) == {follower.email}
    assert [(c.category, c.amount) for c in event.costs.all()] == [("food", Decimal("30.00"))]


def test_deleting_an_account_gives_its_upcoming_seat_to_the_waitlist():
    event = EventFactory(capacity=1)
    leaving = RegistrationFactory(event=event)
    waiting = RegistrationFactory(
        event=event, status=Registration.Status.WAITLISTED, confirmed_at=None
    )
    past = EventFactory(start=timezone.now() - timedelta(days=3))
    attended = RegistrationFactory(event=past, user=leaving.user)

    account_delete(user=leaving.user)

    leaving.refresh_from_db()
    waiting.refresh_from_db()
    attended.refresh_from_db()
    assert leaving.status == Registration.Status.CANCELLED
    assert leaving.user is None
    assert (leaving.former_member, leaving.name, leaving.email) == (True, "", "")
    assert waiting.status == Registration.Status.CONFIRMED
    assert Outbox.objects.filter(to_email=waiting.email, kind__icontains="promot").exists()
    # History stays: the past registration is kept, a former member's.
    assert attended.status == Registration.Status.CONFIRMED
    assert attended.user is None
    assert (attended.former_member, attended.name, attended.email) == (True, "", "")
