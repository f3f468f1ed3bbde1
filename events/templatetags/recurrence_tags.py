"""`{{ series.rrule|rrule_describe }}`: a series' rule in words (events/recurrence.py)."""

from django import template

from ..recurrence import rrule_describe as _describe

register = template.Library()


@register.filter
def rrule_describe(rrule: str | None) -> str:
    return _describe(rrule) if rrule else ""
