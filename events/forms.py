"""Forms of the event pages, and the bounds every form that sets a capacity shares (the
organiser console's and the admin's; the admin's forms live in admin/)."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members.forms import PersonNameField, ShownTextField, json_list_checked
from members.models import Chapter, Space

from .models import EventKind


def stored_if_shown(exc: ValidationError, stored: datetime | None) -> datetime:
    """`stored` when `exc` is Django's refusal of an ambiguous local time ("may be
    ambiguous") and that time is the one a form showed for `stored`; else `exc` again.

    On the night summer time ends 02:30 comes twice, and Django refuses to choose: an event
    starting or ending then could not be saved at all, even to fix its title. The time the
    form showed unchanged reads back as the moment it showed (to the minute or the second,
    as the widget shows it); a new time in that hour is still refused: only the person who
    typed it knows which one they mean."""
    if exc.code != "ambiguous_timezone" or stored is None:
        raise exc
    shown = timezone.localtime(stored).replace(tzinfo=None, microsecond=0)
    if exc.params["datetime"] not in (shown, shown.replace(second=0)):
        raise exc
    return stored


class WallClockSplitField(forms.SplitDateTimeField):
    """The admin's date and time of an event (`EventAdminForm`): the one the form showed
    reads back as the stored moment, even in the repeated hour of the autumn night
    (`stored_if_shown`); the console's `WallClockField` does the same with one input."""

    stored: datetime | None = None  # set by the form: the instance's value

    def compress(self, data_list):
        try:
            return super().compress(data_list)
        except ValidationError as exc:
            return stored_if_shown(exc, self.stored)


# A sanity ceiling for everyone (staff included): no room holds more, and it keeps absurd
# numbers out of the database. At least one seat: a capacity of 0 would waitlist everyone.
MIN_CAPACITY = 1
MAX_CAPACITY = 5000

# An event's or a series' title and room, in the console's forms and the admin's
# (`Meta.field_classes`): never blank-looking, never shown reversed.
SHOWN_TEXT_FIELDS = {"title": ShownTextField, "room": ShownTextField}


def field_bounds(field, low_value: int, high_value: int, *, low: str, high: str) -> None:
    """Replace a model form field's range checks with ours (and our messages)."""
    field.validators = [
        v for v in field.validators if not isinstance(v, MinValueValidator | MaxValueValidator)
    ]
    field.validators += [
        MinValueValidator(low_value, message=low),
        MaxValueValidator(high_value, message=high),
    ]


def capacity_bounds(field) -> None:
    """Keep an event's (or a series') capacity field within MIN_CAPACITY..MAX_CAPACITY seats:
    the console's forms and the admin's call it, so both refuse the same numbers."""
    field.widget.attrs.update(min=MIN_CAPACITY, max=MAX_CAPACITY, inputmode="numeric")
    field_bounds(
        field,
        MIN_CAPACITY,
        MAX_CAPACITY,
        low=gettext("An event needs at least one seat."),
        high=gettext("At most %(limit)s seats.") % {"limit": MAX_CAPACITY},
    )


# Reminders go out at most this many minutes (30 days) before the start.
MAX_REMINDER_OFFSET = 30 * 24 * 60


def reminder_offsets_checked(form, *, when_empty) -> None:
    """`reminder_offsets_minutes` typed in an admin form (a kind's, an event's): a list of
    whole minutes before the start, each from 1 to MAX_REMINDER_OFFSET — what the reminder
    sweep reads. Empty: [] (no reminders) for a kind, None (the kind's) for an event."""
    json_list_checked(
        form.fields,
        "reminder_offsets_minutes",
        item_ok=lambda o: type(o) is int and 1 <= o <= MAX_REMINDER_OFFSET,
        message=gettext(
            "Give a list of minutes before the start, each from 1 to %(max)s (e.g. [1440, 120])."
        )
        % {"max": MAX_REMINDER_OFFSET},
        when_empty=when_empty,
    )


class EventFilterForm(forms.Form):
    """Filters of the event list and month view; values are slugs in the query string."""

    kind = forms.ModelChoiceField(
        label=_("Kind"),
        queryset=EventKind.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("All kinds"),
    )
    chapter = forms.ModelChoiceField(
        label=_("Chapter"),
        queryset=Chapter.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("All chapters"),
    )
    space = forms.ModelChoiceField(
        label=_("Space"),
        queryset=Space.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("All spaces"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages["invalid_choice"] = _(
                "Unknown value in the filter: choose one from the list."
            )

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v is not None}


class RegistrationForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the organisers (optional)"),
        help_text=_("Dietary needs, accessibility, anything we should know."),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class GuestRegistrationForm(RegistrationForm):
    # Cleaned as a member's name is (no control or direction-override characters): it is
    # shown to organisers and greets the address in the confirmation email.
    # `autocomplete` says what each field asks (WCAG 1.3.5): browsers and assistive tools
    # fill in the person's own name and address.
    name = PersonNameField(
        label=_("Your name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Your email"),
        max_length=254,  # the column's size (EmailValidator alone lets 320 characters in)
        help_text=_("We email you a link here: your place is booked when you open it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    field_order = ["name", "email", "note"]


def add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on `form`: on its fields when the service named them
    (a name the form does not have goes above the form), else above the form."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for name, errors in exc.error_dict.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)
