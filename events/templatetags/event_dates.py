"""How pages and emails write when an event starts and ends: `{% load event_dates %}`.

`{% starts event.start event.end "l j F Y, H:i" %}-{% ends event.start event.end "l j F Y, H:i" %}`
writes "Friday 6 March 2026, 09:00-17:00" for a day's event, and "Friday 6 March 2026,
09:00-Saturday 7 March 2026, 17:00" for one that ends on a later day (Brussels dates): the
end's time alone would say the event ends the day it starts.

On the night summer time ends, 02:00-03:00 comes twice: when the start or the end falls in
that hour, each time says which clock it is ("02:30 (summer time)-02:45 (winter time)",
an hour and a quarter, not a quarter of an hour). Every other range reads as before.
"""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def starts(start, end, day_format: str = "l j F Y, H:i") -> str:
    """`start` written in `day_format` (a format string or the name of one, as `date`
    takes), as the `date` filter writes it — with its clock when the range crosses the
    autumn night's repeated hour (`_clock`)."""
    if start is None:
        return ""
    return date_format(_local(start), day_format) + _clock(start, start, end)


@register.simple_tag
def ends(start, end, day_format: str = "l j F Y, H:i") -> str:
    """`end` after a dash following `start`: its time ("17:00") on the local day `start`
    is on, else written in `day_format` (a format string or the name of one, as `date`
    takes), the start's own format, with its date — and its clock when the range crosses
    the autumn night's repeated hour (`_clock`)."""
    if start is None or end is None:
        return ""
    local_start, local_end = _local(start), _local(end)
    written = date_format(
        local_end, "H:i" if local_start.date() == local_end.date() else day_format
    )
    return written + _clock(end, start, end)


def _clock(moment, start, end) -> str:
    """What follows `moment` when `start` or `end` falls in the hour the clocks going back
    repeat: " (summer time)" or " (winter time)", its clock; "" otherwise (and for a range
    missing an end)."""
    if start is None or end is None or not (_repeated(start) or _repeated(end)):
        return ""
    return " " + (_("(summer time)") if _local(moment).dst() else _("(winter time)"))


def _repeated(moment) -> bool:
    """Whether `moment`'s wall clock (Brussels) shows a time that comes twice: the other
    pass through it (PEP 495's `fold`) is another offset from UTC."""
    if not timezone.is_aware(moment):
        return False
    local = timezone.localtime(moment)
    return local.utcoffset() != local.replace(fold=1 - local.fold).utcoffset()


def _local(moment):
    """`moment` in the current time zone (Brussels), as the `date` filter shows it."""
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment
