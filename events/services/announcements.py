"""Chapter announcements: "a new event in a chapter you follow", once per event and follower.

Written as data with `notify_data()` (the `ChapterAnnouncement` kind, events/messages.py:
its templates, its preference, its delivery check, its `render()` when sending), every
follower's row in one INSERT, in the transaction that publishes the event (`event_announce`,
events/services/lifecycle.py): the queries do not grow with the followers.
"""

from __future__ import annotations

from django.utils import timezone

from betacowork.messaging import notify_data
from betacowork.messaging.outbox import outbox_existing_keys, outbox_write_many

from ..messages import ChapterAnnouncement, announcement_key
from ..models import Event
from .common import event_topic, verified_addresses


def chapter_announcement_write(*, event: Event, actor=None) -> int:
    """Tell the followers of the event's chapter about it; return how many rows were written.

    Call it inside the transaction that publishes the event. Idempotent (key
    `chapter-announce:<event>:<user>`): publishing twice announces once. Only published,
    upcoming events of a chapter are announced, to verified addresses of followers who did
    not turn chapter announcements off — not to the chapter's organisers, nor to `actor`
    (the one publishing): they know (as the regional invitation, `_invitees`).
    """
    if event.chapter_id is None or event.status != Event.Status.PUBLISHED:
        return 0
    if event.start <= timezone.now():
        return 0
    chapter = event.chapter
    followers = chapter.followers.filter(is_active=True).exclude(organised_chapters=chapter)
    if actor is not None:
        followers = followers.exclude(pk=actor.pk)
    followers = list(followers.order_by("pk"))
    keys = {user.pk: announcement_key(event_id=event.pk, user_id=user.pk) for user in followers}
    existing = outbox_existing_keys(keys.values())
    followers = [u for u in followers if keys[u.pk] not in existing and u.email]
    verified = verified_addresses(u.pk for u in followers)
    messages = [
        notify_data(
            kind=ChapterAnnouncement.key,
            recipient=user,
            payload={"event": event.pk},
            dedup_key=keys[user.pk],
            topic=event_topic(event),
        )
        for user in followers
        if (user.pk, user.email.lower()) in verified
    ]
    messages = [m for m in messages if m is not None]
    outbox_write_many(messages)
    # The keys were not in the outbox a moment ago: each is a new row (a key a concurrent
    # publish wrote meanwhile is left alone: ON CONFLICT DO NOTHING).
    return len(messages)
