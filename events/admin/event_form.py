"""The event admin's form: the console's rules on the admin's fields (`EventAdmin`)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .. import services
from ..forms import (
    SHOWN_TEXT_FIELDS,
    WallClockSplitField,
    capacity_bounds,
    reminder_offsets_checked,
)
from ..models import (
    EVENT_TIME_FIELDS,
    Event,
    validate_event_time,
    validate_registration_window,
)
from ..services.lifecycle import capacity_below_confirmed


class EventAdminForm(forms.ModelForm):
    """Refuses an end before the start, an event still to come moved into the past (a past
    one's times may be corrected), a registration window out of place (opening or
    closing after the start, closing before it opens), a capacity out of the console's bounds
    or below the confirmed count, and a status change the services refuse (out of cancelled;
    cancelling an event that has started)."""

    class Meta:
        # Its times read back as stored when shown unchanged, even in the autumn night's
        # repeated hour (`WallClockSplitField`).
        field_classes = {
            **SHOWN_TEXT_FIELDS,
            **dict.fromkeys(EVENT_TIME_FIELDS, WallClockSplitField),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in EVENT_TIME_FIELDS:
            if name in self.fields:
                self.fields[name].validators.append(validate_event_time)
                if self.instance.pk:
                    self.fields[name].stored = getattr(self.instance, name)
        if "capacity" in self.fields:
            capacity_bounds(self.fields["capacity"])
        reminder_offsets_checked(self, when_empty=None)
        if not self.instance.pk and "end" in self.fields:
            # A new event may leave these empty: the kind's defaults fill them in.
            self.fields["end"].required = False
            self.fields["end"].help_text = _("Empty: the start plus the kind's default duration.")
            if "capacity" in self.fields:
                self.fields["capacity"].help_text = _(
                    "Empty on a new event: the kind's default capacity (unlimited if it has none)."
                )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        kind = cleaned.get("kind")
        if not self.instance.pk and kind is not None:
            if start and not end and "end" not in self.errors:
                end = cleaned["end"] = services.event_default_end(start=start, kind=kind)
            if cleaned.get("capacity") is None and "capacity" in self.fields:
                cleaned["capacity"] = kind.default_capacity
        self._window_clean(cleaned, start)
        if start and end and end <= start:
            self.add_error("end", _("An event must end after it starts."))
        if self.instance.pk and start and "start" not in self.errors:
            try:  # the edit service's rule: an event still to come moves to a date to come
                services.event_move_check(event=self.instance, start=start)
            except ValidationError as exc:
                self.add_error(None, exc)
        status = cleaned.get("status")
        if status and "status" not in self.errors:
            try:
                services.event_status_check(
                    event=self.instance, status=status, start=start, title=cleaned.get("title")
                )
            except ValidationError as exc:
                self.add_error(None, exc)
        capacity = cleaned.get("capacity")
        if self.instance.pk and capacity is not None and "capacity" not in self.errors:
            confirmed = self.instance.registrations.confirmed().count()
            if capacity < confirmed:
                self.add_error("capacity", capacity_below_confirmed(confirmed))
        return cleaned

    def _window_clean(self, cleaned: dict, start) -> None:
        """The registration window against the start (`validate_registration_window`), each
        error on its field."""
        window = ("registration_opens_at", "registration_closes_at")
        if "start" in self.errors or any(name in self.errors for name in window):
            return
        opens, closes = cleaned.get("registration_opens_at"), cleaned.get("registration_closes_at")
        moving = "start" in self.changed_data and not set(window) & set(self.changed_data)
        if self.instance.pk and start and moving:
            # A new start takes the window along (`window_follow_start`): check it there.
            moved = Event(start=start, registration_opens_at=opens, registration_closes_at=closes)
            services.window_follow_start(event=moved, previous_start=self.instance.start)
            opens, closes = moved.registration_opens_at, moved.registration_closes_at
        try:
            validate_registration_window(start=start, opens=opens, closes=closes)
        except ValidationError as exc:
            self.add_error(None, exc)
