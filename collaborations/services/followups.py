"""After the event: inviting the people who attended to log what came out of it."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from betacowork.messaging import notify
from betacowork.messaging.preferences import wants_email
from members.models import User

from ..messages import EventFollowup
from ..models import Participant
from ..selectors.ledger import attended_registrations
from .common import site_url

FOLLOW_UP_KIND = EventFollowup.key
FOLLOW_UP_WINDOW_DAYS = 3


def collaboration_follow_up_url(event) -> str:
    return f"{reverse('collaborations:create')}?event={event.pk}"


def event_followups_write(*, now: dt.datetime | None = None) -> int:
    """Invite, by email, everyone who attended an event (`attended_registrations`: checked in,
    or confirmed where nobody was checked in) that ended before today (within the last few
    days) to log what came out of it. One message per event and member, ever: the
    de-duplication key makes a second run (or a retried task) write nothing."""
    from events.models import Event

    now = now or timezone.now()
    today_start = timezone.make_aware(dt.datetime.combine(timezone.localdate(now), dt.time.min))
    events = Event.objects.filter(
        end__lt=today_start,
        end__gte=today_start - dt.timedelta(days=FOLLOW_UP_WINDOW_DAYS),
        status=Event.Status.PUBLISHED,
    ).select_related("kind")
    written = 0
    for event in events:
        attendees = (
            attended_registrations()
            .filter(event=event, user__isnull=False, user__is_active=True)
            .exclude(
                user__in=Participant.objects.filter(collaboration__origin_event=event).values(
                    "user_id"
                )
            )
            .select_related("user")
            .order_by("pk")
        )
        for registration in attendees:
            user = registration.user
            if not wants_email(user, EventFollowup.preference):
                continue
            written += _followup_write(event=event, user=user)
    return written


@transaction.atomic
def _followup_write(*, event, user: User) -> int:
    from events.speed_networking.selectors import met_at_event

    url = site_url(collaboration_follow_up_url(event))
    # At a speed-networking evening: the people they sat with, as they may see them.
    met = [p.name for p in met_at_event(event=event, user=user, viewer=user) if p.slug]
    return int(
        notify(
            kind=EventFollowup.key,
            recipient=user,
            context={"event": event, "met": met, "recipient": user, "url": url},
            dedup_key=f"event-followup:{event.pk}:{user.pk}",
            topic=f"event:{event.pk}",
        )
    )
