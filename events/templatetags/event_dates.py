"""How pages and emails write when an event ends: `{% load event_dates %}`.

`{{ event.start|date:"l j F Y, H:i" }}-{% ends event.start event.end "l j F Y, H:i" %}`
writes "Friday 6 March 2026, 09:00-17:00" for a day's event, and "Friday 6 March 2026,
09:00-Saturday 7 March 2026, 17:00" for one that ends on a later day (Brussels dates): the
end's time alone would say the event ends the day it starts.
"""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.formats import date_format

register = template.Library()


@register.simple_tag
def ends(start, end, day_format: str = "l j F Y, H:i") -> str:
    """`end` after a dash following `start`: its time ("17:00") on the local day `start`
    is on, else written in `day_format` (a format string or the name of one, as `date`
    takes), the start's own format, with its date."""
    if start is None or end is None:
        return ""
    start, end = _local(start), _local(end)
    return date_format(end, "H:i" if start.date() == end.date() else day_format)


def _local(moment):
    """`moment` in the current time zone (Brussels), as the `date` filter shows it."""
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment
