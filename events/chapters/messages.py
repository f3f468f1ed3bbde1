"""The chapters' kinds of message (imported by `EventsConfig.ready()`): the announcement of a
new event (or series) to a chapter's followers, and the invitation to its region's members."""

from __future__ import annotations

import re
from collections import defaultdict

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from betacowork.messaging import MessageKind, member_context, register_kind
from betacowork.messaging.rendering import message_render
from members.models import Chapter

from ..messages import upcoming_event_reasons
from ..models import Event

_ANNOUNCE_KEY = re.compile(r"^chapter-announce:(?P<event>\d+):(?P<user>\d+)$")
_SERIES_ANNOUNCE_KEY = re.compile(r"^chapter-announce-series:(?P<series>\d+):(?P<user>\d+)$")
_INVITE_KEY = re.compile(r"^chapter-invite:(?P<event>\d+):(?P<user>\d+)$")


def announcement_key(*, event_id: int, user_id: int) -> str:
    return f"chapter-announce:{event_id}:{user_id}"


def series_announcement_key(*, series_id: int, user_id: int) -> str:
    """One announcement per series and follower, whichever of its occurrences brings it."""
    return f"chapter-announce-series:{series_id}:{user_id}"


def invitation_key(*, event_id: int, user_id: int) -> str:
    """One invitation per event and person, whoever clicks and however often."""
    return f"chapter-invite:{event_id}:{user_id}"


@register_kind
class ChapterInvitation(MessageKind):
    """ "Come to our next event": sent by a chapter's organisers to the members of its region
    who work in another space (`events.chapters.services.chapter_diaspora_invite`)."""

    key = "events.chapter_invitation"
    template_prefix = "chapters/email/invitation"
    preference = "regional_invitations"
    preference_label = _("Invitations to events in my region")

    def obsolete_reasons(self, rows: list) -> dict[int, str]:
        """An invitation to an event that was cancelled, deleted or has started is not sent."""
        return upcoming_event_reasons(rows, _INVITE_KEY)


# How many dates after the next one a series' announcement lists (the chapter's page has all).
SERIES_DATES_SHOWN = 5


def series_dates_to_come(series_ids) -> dict[int, list[Event]]:
    """{series id: its published occurrences to come in the series' chapter, in order}: what
    a series' announcement names when it is sent. One query (none without a series)."""
    found: dict[int, list[Event]] = defaultdict(list)
    series_ids = set(series_ids)
    if not series_ids:
        return found
    occurrences = (
        Event.objects.filter(
            series_id__in=series_ids,
            status=Event.Status.PUBLISHED,
            start__gt=timezone.now(),
            chapter_id=F("series__chapter_id"),
        )
        .select_related("series", "chapter", "space", "kind")
        .order_by("start", "pk")
    )
    for event in occurrences:
        found[event.series_id].append(event)
    return found


@register_kind
class ChapterAnnouncement(MessageKind):
    """A new event in a chapter the member follows: written when the event is published. The
    occurrences a series publishes are announced as their series, once (a row whose payload
    names the series): its rhythm and its next dates, with their own templates."""

    key = "events.chapter_announcement"
    template_prefix = "events/email/chapter_announcement"
    series_template_prefix = "events/email/chapter_series_announcement"
    preference = "chapter_announcement"
    preference_label = _("New events in the chapters I follow")

    def obsolete_reasons(self, rows) -> dict[int, str]:
        """An announcement for a cancelled or past event is not sent, nor a series' one when
        the series has no published date to come, nor one to someone who no longer follows
        the event's chapter (it says "you receive this because you follow …"): unfollowed
        since, or the event moved to another chapter."""
        reasons = upcoming_event_reasons(rows, _ANNOUNCE_KEY)
        wanted, of_series = {}, {}
        for row in rows:
            match = _ANNOUNCE_KEY.match(row.dedup_key)
            if match and row.pk not in reasons:
                wanted[row.pk] = (int(match["event"]), int(match["user"]))
            match = _SERIES_ANNOUNCE_KEY.match(row.dedup_key)
            if match:
                of_series[row.pk] = (int(match["series"]), int(match["user"]))
        about = {}  # {row: (the chapter it is about, its recipient)}
        if wanted:
            chapters = dict(
                Event.objects.filter(pk__in={e for e, _u in wanted.values()}).values_list(
                    "pk", "chapter_id"
                )
            )
            about = {pk: (chapters.get(e), u) for pk, (e, u) in wanted.items()}
        dates = series_dates_to_come(s for s, _u in of_series.values())
        for pk, (series_id, user_id) in of_series.items():
            if dates.get(series_id):
                about[pk] = (dates[series_id][0].chapter_id, user_id)
            else:
                reasons[pk] = "Series has no published date to come."
        if not about:
            return reasons
        follows = set(
            Chapter.followers.through.objects.filter(
                chapter_id__in={c for c, _u in about.values()},
                user_id__in={u for _c, u in about.values()},
            ).values_list("chapter_id", "user_id")
        )
        for pk, pair in about.items():
            if pair not in follows:
                reasons[pk] = "Recipient no longer follows the event's chapter."
        return reasons

    def prefetch(self, rows) -> dict:
        """The rows' events (a series' row: the series' dates to come) and followers, three
        queries at most for the batch."""
        from django.contrib.auth import get_user_model

        events = {row.payload.get("event") for row in rows if "series" not in row.payload}
        return {
            "events": Event.objects.select_related("chapter", "space", "kind").in_bulk(events),
            "series": series_dates_to_come(
                row.payload["series"] for row in rows if "series" in row.payload
            ),
            "users": get_user_model().objects.in_bulk({row.recipient_id for row in rows}),
        }

    def render(self, row, batch: dict | None = None) -> tuple:
        """A row written as data (`payload`: the event, or the series): the event, or the
        series' next dates, as they are when sent, in the language and with the links of the
        follower the row names."""
        from ..services import absolute_url

        batch = batch if batch is not None else self.prefetch([row])
        user = batch["users"].get(row.recipient_id)
        series_id = row.payload.get("series")
        if series_id is None:
            event = batch["events"].get(row.payload.get("event"))
        else:
            dates = batch["series"].get(series_id)
            if not dates:
                raise LookupError("Series has no published date to come.")
            event = dates[0]
        if event is None or user is None:
            raise LookupError("Event or follower deleted.")
        context = {
            **member_context(self, user),
            "event": event,
            "chapter": event.chapter,
            "start": timezone.localtime(event.start),
            "place": event.place,
            "event_url": absolute_url(event.get_absolute_url()),
        }
        template_prefix = self.template_prefix
        if series_id is not None:
            template_prefix = self.series_template_prefix
            context |= {
                "series": event.series,
                "then": [timezone.localtime(e.start) for e in dates[1 : SERIES_DATES_SHOWN + 1]],
                "more": len(dates) > SERIES_DATES_SHOWN + 1,
                "chapter_url": absolute_url(event.chapter.get_absolute_url()),
            }
        message = message_render(
            template_prefix=template_prefix, context=context, language=row.language
        )
        return message, []
