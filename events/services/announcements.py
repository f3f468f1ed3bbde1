"""Chapter announcements: "a new event in a chapter you follow", once per event and follower —
and once per series and follower for the occurrences a series publishes itself.

Written as data with `notify_data()` (the `ChapterAnnouncement` kind, events/chapters/messages.py:
its templates, its preference, its delivery check, its `render()` when sending), every
follower's row in one INSERT, in the transaction that publishes the event (`event_announce`,
events/services/lifecycle.py): the queries do not grow with the followers.
"""

from __future__ import annotations

from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from betacowork.messaging import notify_data
from betacowork.messaging.models import Outbox
from betacowork.messaging.outbox import outbox_existing_keys, outbox_write_many

from ..chapters.messages import ChapterAnnouncement, announcement_key, series_announcement_key
from ..models import Event, EventSeries
from .common import event_topic, verified_addresses


def announced_series(event: Event) -> EventSeries | None:
    """The series whose news `event` is, or None when the event is news of its own.

    An occurrence its series published (the series publishes its occurrences) and that still
    follows it (not edited apart, in the series' chapter) is one more date of something its
    followers already heard of: it is announced as its series, once. One published by hand
    from a series of drafts, edited apart or moved to another chapter on its own is
    announced like any event."""
    if event.series_id is None or event.detached:
        return None
    series = event.series
    if series is None or not series.publish or series.chapter_id != event.chapter_id:
        return None
    return series


def chapter_announcement_write(*, event: Event, actor=None) -> int:
    """Tell the followers of the event's chapter about it; return how many rows were written.

    Call it inside the transaction that publishes the event. Idempotent (key
    `chapter-announce:<event>:<user>`): publishing twice announces once. Only published,
    upcoming events of a chapter are announced, to verified addresses of followers who did
    not turn chapter announcements off — not to the chapter's organisers, nor to `actor`
    (the one publishing): they know (as the regional invitation, `_invitees`).

    An occurrence of a series that publishes its occurrences is announced as the series
    (`announced_series`; key `chapter-announce-series:<series>:<user>`): a follower hears of
    a series once — not of each of its dates, nor again of the dates that replace them when
    the series changes day. The email names the series, its rhythm and its next dates.
    """
    if event.chapter_id is None or event.status != Event.Status.PUBLISHED:
        return 0
    if event.start <= timezone.now():
        return 0
    chapter = event.chapter
    followers = chapter.followers.filter(is_active=True).exclude(organised_chapters=chapter)
    if actor is not None:
        followers = followers.exclude(pk=actor.pk)
    people = list(followers.order_by("pk"))
    series = announced_series(event)
    if series is None:
        payload = {"event": event.pk}
        keys = {u.pk: announcement_key(event_id=event.pk, user_id=u.pk) for u in people}
        told = set()
    else:
        payload = {"event": event.pk, "series": series.pk}
        keys = {u.pk: series_announcement_key(series_id=series.pk, user_id=u.pk) for u in people}
        told = _told_of_an_occurrence(series, followers) if people else set()
    existing = outbox_existing_keys(keys.values())
    people = [u for u in people if keys[u.pk] not in existing and u.pk not in told and u.email]
    verified = verified_addresses(u.pk for u in people)
    messages = [
        notify_data(
            kind=ChapterAnnouncement.key,
            recipient=user,
            payload=payload,
            dedup_key=keys[user.pk],
            topic=event_topic(event),
        )
        for user in people
        if (user.pk, user.email.lower()) in verified
    ]
    messages = [m for m in messages if m is not None]
    outbox_write_many(messages)
    # The keys were not in the outbox a moment ago: each is a new row (a key a concurrent
    # publish wrote meanwhile is left alone: ON CONFLICT DO NOTHING).
    return len(messages)


def _told_of_an_occurrence(series: EventSeries, followers) -> set[int]:
    """The followers already told of one of the series' occurrences on its own (before a
    series was announced once, each occurrence was; or one published by hand): the series
    is no news to them. One query."""
    topics = (
        Event.objects.filter(series=series)
        .annotate(topic=Concat(Value("event:"), Cast("pk", CharField())))
        .values("topic")
    )
    return set(
        Outbox.objects.filter(
            kind=ChapterAnnouncement.key,
            topic__in=topics,
            recipient__in=followers.values("pk"),
        )
        .exclude(status=Outbox.Status.CANCELLED)
        .values_list("recipient_id", flat=True)
    )
