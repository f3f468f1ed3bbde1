"""The dates an event may have, and its registration window's rules — asked by the event
models, the admin's and the console's forms and the services alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The dates an event may have: no evening is planned further ahead, and a date near the
# calendar's ends would overflow what is computed from it (a default end, a copy a week
# later, a registration window moved with it) — a typo's year 9999 or 0202 is refused.
EVENT_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
EVENT_YEARS_AHEAD = 10
EVENT_TIME_FIELDS = ("start", "end", "registration_opens_at", "registration_closes_at")


def validate_event_time(value) -> None:
    """Raise ValidationError when `value` cannot be an event's start, end or registration
    window (before 2000, or more than `EVENT_YEARS_AHEAD` years ahead)."""
    if value is None:
        return
    if value < EVENT_EARLIEST:
        raise ValidationError(_("An event cannot be dated before 2000."), code="too_early")
    if value > timezone.now() + timedelta(days=366 * EVENT_YEARS_AHEAD):
        raise ValidationError(
            _("An event can be dated at most %(years)s years ahead.")
            % {"years": EVENT_YEARS_AHEAD},
            code="too_far",
        )


def validate_registration_window(*, start, opens, closes) -> None:
    """Raise ValidationError, by field, when a registration window would let nobody in or
    promise what cannot happen: opening at or after the event's start ("opens on" a date
    nobody can register after), closing after the start (registration ends at the start
    anyway), or closing before it opens. An empty bound is an open end (until the start)."""
    errors = {}
    if start and opens and opens >= start:
        errors["registration_opens_at"] = _("Registration must open before the event starts.")
    if opens and closes and closes <= opens:
        errors["registration_closes_at"] = _("Registration must close after it opens.")
    elif start and closes and closes > start:
        errors["registration_closes_at"] = _(
            "Registration cannot close after the event starts: leave it empty to keep it "
            "open until the start."
        )
    if errors:
        raise ValidationError(errors)
