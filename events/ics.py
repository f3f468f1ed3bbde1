"""iCalendar (RFC 5545) output: one event, a public feed, a personal feed.

Times are written in Europe/Brussels with a VTIMEZONE (standard DST rules), so calendars
show the right wall-clock time on both sides of a DST change. UIDs are stable
(`event-<pk>@<site host>`) and SEQUENCE is `Event.version` (one more once cancelled), so a
calendar that imported the event updates it in place when the time or place changes or when
it is cancelled. The second 02:00-03:00 of the night summer time ends is written in UTC.

A feed (`events_ics`) also names itself and says how often to fetch it again: `NAME` and
`REFRESH-INTERVAL;VALUE=DURATION` (RFC 7986) with their widely read forerunners
`X-WR-CALNAME` (Apple, Google, Outlook) and `X-PUBLISHED-TTL` (Outlook).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Timezone, TimezoneDaylight, TimezoneStandard, vDuration
from icalendar import Event as VEvent

from .models import Event

TZID = "Europe/Brussels"
PRODID = "-//Betacowork//Events//EN"
# How often a subscribed calendar should fetch a feed again: public programmes change a few
# times a day; a personal feed should show a new registration or a cancellation soon.
PUBLIC_FEED_REFRESH = timedelta(hours=6)
PERSONAL_FEED_REFRESH = timedelta(hours=1)
# RFC 5545 §3.3.11: a TEXT value holds no control character but the tab (line breaks are
# written escaped by icalendar). Any other one — a word processor's soft line break (U+000B)
# pasted into a title, a form feed, an escape — would make the whole calendar invalid.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(value: str) -> str:
    """`value` as a calendar may hold it: each control character becomes a space."""
    return CONTROL_CHARACTERS.sub(" ", value)


def site_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "betacowork.local"


def event_uid(event: Event) -> str:
    return f"event-{event.pk}@{site_host()}"


def _vtimezone() -> Timezone:
    """Europe/Brussels: CET (UTC+1) in winter, CEST (UTC+2) from the last Sunday of March
    to the last Sunday of October (EU rules since 1996)."""
    tz = Timezone()
    tz.add("tzid", TZID)
    daylight = TimezoneDaylight()
    daylight.add("tzname", "CEST")
    daylight.add("dtstart", datetime(1970, 3, 29, 2, 0, 0))
    daylight.add("tzoffsetfrom", timedelta(hours=1))
    daylight.add("tzoffsetto", timedelta(hours=2))
    daylight.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1su"})
    standard = TimezoneStandard()
    standard.add("tzname", "CET")
    standard.add("dtstart", datetime(1970, 10, 25, 3, 0, 0))
    standard.add("tzoffsetfrom", timedelta(hours=2))
    standard.add("tzoffsetto", timedelta(hours=1))
    standard.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1su"})
    tz.add_component(daylight)
    tz.add_component(standard)
    return tz


def _calendar(name: str | None = None, *, refresh: timedelta | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        name = _text(name)
        cal.add("name", name)
        cal.add("x-wr-calname", name)
        cal.add("x-wr-timezone", TZID)
    if refresh:
        cal.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", vDuration(refresh))
    cal.add_component(_vtimezone())
    return cal


def sequence(event: Event) -> int:
    """The event's SEQUENCE: its `version` (bumped when the time or place changes), one more
    once it is cancelled. A calendar keeps the copy it has when a file says the same
    SEQUENCE, so a cancellation must count as a revision (RFC 5546 §2.1.4) — and a cancelled
    event never comes back, so the number still only grows."""
    return event.version + (1 if event.status == Event.Status.CANCELLED else 0)


def _add_time(vevent: VEvent, name: str, moment: datetime, tz: ZoneInfo) -> None:
    """DTSTART/DTEND as Brussels wall-clock time with TZID=Europe/Brussels, defined by the
    VTIMEZONE above — except in the hour that comes twice when summer time ends: RFC 5545
    §3.3.5 reads a repeated local time as its *first* occurrence, so 02:30 of the second
    pass (CET) would be shown an hour early. That one is written in UTC ("…Z")."""
    local = moment.astimezone(tz)
    if local.fold and local.utcoffset() != local.replace(fold=0).utcoffset():
        vevent.add(name, moment.astimezone(UTC))
        return
    vevent.add(name, local.replace(tzinfo=None), parameters={"TZID": TZID})


def _vevent(event: Event, *, stamp: datetime, waitlisted: bool = False) -> VEvent:
    tz = ZoneInfo(TZID)
    vevent = VEvent()
    vevent.add("uid", event_uid(event))
    vevent.add("sequence", sequence(event))
    vevent.add("dtstamp", stamp)
    _add_time(vevent, "dtstart", event.start, tz)
    _add_time(vevent, "dtend", event.end, tz)
    # In a member's own feed, a place on the waitlist is no seat (`waitlisted`, annotated
    # by `personal_feed_events`, or given for one person's attachment): tentative, and said
    # in the title.
    waitlisted = waitlisted or getattr(event, "waitlisted", False)
    title = _("%(title)s (waitlist)") % {"title": event.title} if waitlisted else event.title
    vevent.add("summary", _text(title))
    if event.description:
        vevent.add("description", _text(event.description))
    if event.place:
        vevent.add("location", _text(event.place))
    vevent.add("url", f"{settings.SITE_URL}{event.get_absolute_url()}")
    vevent.add("categories", [_text(event.kind.name)])  # in the calendar's language
    if event.status == Event.Status.CANCELLED:
        vevent.add("status", "CANCELLED")
    else:
        vevent.add("status", "TENTATIVE" if waitlisted else "CONFIRMED")
    vevent.add("last-modified", event.updated_at or stamp)
    return vevent


def _serialise(cal: Calendar) -> bytes:
    return cal.to_ical()


def event_ics(event: Event, *, waitlisted: bool = False) -> bytes:
    """One VEVENT with its VTIMEZONE: the "add to calendar" file and the email attachment
    (`waitlisted`: for a person on the waitlist, TENTATIVE and "(waitlist)" in the title)."""
    cal = _calendar()
    cal.add_component(_vevent(event, stamp=timezone.now(), waitlisted=waitlisted))
    return _serialise(cal)


def events_ics(
    events: Iterable[Event], *, name: str, refresh: timedelta = PUBLIC_FEED_REFRESH
) -> bytes:
    """A feed: many VEVENTs sharing one VTIMEZONE, named `name`, to fetch every `refresh`."""
    cal = _calendar(name, refresh=refresh)
    stamp = timezone.now()
    for event in events:
        cal.add_component(_vevent(event, stamp=stamp))
    return _serialise(cal)
