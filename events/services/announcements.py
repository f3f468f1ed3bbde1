"""Chapter announcements: "a new event in a chapter you follow", once per event and follower.

Written with `notify()` (the `ChapterAnnouncement` kind, events/messages.py: its templates,
its preference, its delivery check) in the transaction that publishes the event
(`event_announce`, events/services/lifecycle.py).
"""

from __future__ import annotations

from django.utils import timezone

from betacowork.messaging import notify
from betacowork.messaging.outbox import outbox_existing_keys

from ..messages import ChapterAnnouncement, announcement_key
from ..models import Event
from .common import absolute_url, event_topic, verified_addresses


def chapter_announcement_write(*, event: Event) -> int:
    """Tell the followers of the event's chapter about it; return how many rows were written.

    Call it inside the transaction that publishes the event. Idempotent (key
    `chapter-announce:<event>:<user>`): publishing twice announces once. Only published,
    upcoming events of a chapter are announced, to verified addresses of followers who did
    not turn chapter announcements off.
    """
    if event.chapter_id is None or event.status != Event.Status.PUBLISHED:
        return 0
    if event.start <= timezone.now():
        return 0
    followers = list(event.chapter.followers.filter(is_active=True).order_by("pk"))
    keys = {user.pk: announcement_key(event_id=event.pk, user_id=user.pk) for user in followers}
    existing = outbox_existing_keys(keys.values())
    followers = [u for u in followers if keys[u.pk] not in existing and u.email]
    verified = verified_addresses(u.pk for u in followers)
    context = {
        "event": event,
        "chapter": event.chapter,
        "start": timezone.localtime(event.start),
        "place": event.place,
        "event_url": absolute_url(event.get_absolute_url()),
    }
    written = 0
    for user in followers:
        if (user.pk, user.email.lower()) not in verified:
            continue
        written += notify(
            kind=ChapterAnnouncement.key,
            recipient=user,
            context=context,
            dedup_key=keys[user.pk],
            topic=event_topic(event),
        )
    return written
