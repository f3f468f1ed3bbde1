"""Chapter announcements (events/services/announcements.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from betacowork.messaging.models import Outbox
from events.models import Event
from events.services.announcements import chapter_announcement_write
from tests.events.factories import EventFactory
from tests.factories import ChapterFactory, UserFactory

pytestmark = pytest.mark.django_db


def event_in(delta: timedelta, **kwargs) -> Event:
    start = timezone.now() + delta
    return EventFactory(start=start, end=start + timedelta(minutes=90), **kwargs)


def test_chapter_announcement_goes_to_verified_followers_once():
    chapter = ChapterFactory()
    follower, unverified, opted_out, _stranger = (
        UserFactory(),
        UserFactory(verified=False),
        UserFactory(email_opt_outs=["chapter_announcement"]),
        UserFactory(),
    )
    chapter.followers.add(follower, unverified, opted_out)
    event = event_in(timedelta(days=10), chapter=chapter)
    assert chapter_announcement_write(event=event) == 1
    assert chapter_announcement_write(event=event) == 0
    row = Outbox.objects.get()
    assert row.dedup_key == f"chapter-announce:{event.pk}:{follower.pk}"
    assert row.kind == "events.chapter_announcement"
    assert "List-Unsubscribe" in row.headers
    draft = event_in(timedelta(days=10), chapter=chapter, status=Event.Status.DRAFT)
    assert chapter_announcement_write(event=draft) == 0


def test_the_chapters_organisers_and_the_one_publishing_are_not_told(organiser, staff):
    """QA: organisers got "a new event in a chapter you follow" about their own event. Like
    the regional invitation, the announcement skips those who know: the chapter's organisers
    and whoever publishes it (staff following the chapter)."""
    from events.services import event_publish

    chapter = ChapterFactory()
    chapter.organisers.add(organiser)
    follower = UserFactory()
    chapter.followers.add(follower, organiser, staff)
    draft = event_in(timedelta(days=10), chapter=chapter, status=Event.Status.DRAFT)

    assert event_publish(event=draft, actor=staff)

    rows = Outbox.objects.filter(kind="events.chapter_announcement")
    assert list(rows.values_list("recipient_id", flat=True)) == [follower.pk]
