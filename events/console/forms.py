"""The organiser console's forms: an event, a series, a message to the registrants.

Scope is part of validation: the chapter choices are the chapters the user runs
(`Chapter.objects.organised_by`: theirs; all for staff), so another chapter's id is an invalid
choice, and the capacity limit of chapter events (`CHAPTER_CAPACITY_LIMIT`) is checked against
the user's `events.exceed_chapter_capacity` permission. The services check both again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from betacowork.submissions.forms import NonceField
from members.forms import ShownTextField
from members.models import Chapter

from .. import services
from ..forms import SHOWN_TEXT_FIELDS, capacity_bounds, field_bounds, stored_if_shown
from ..models import Event, EventSeries, validate_event_time
from ..recurrence import RecurrenceField
from ..rules import CHAPTER_CAPACITY_LIMIT
from .services import EVENT_EDIT_FIELDS, capacity_error

# How long a console event may last: a chapter's events are evenings and days (a series' are
# 24 hours at most). A longer one is a typo in the end's year (QA: 2027 to 2030 was saved).
EVENT_MAX_DAYS = 7


class _ScopedForm(forms.ModelForm):
    """Chapter choices limited to the user's chapters; capacity within their limit."""

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        chapter = self.fields["chapter"]
        chapter.queryset = Chapter.objects.organised_by(user).select_related("space")
        chapter.required = not user.has_perm("events.add_event_without_chapter")
        chapter.empty_label = (
            _("Choose the chapter") if chapter.required else _("No chapter (a Betacowork event)")
        )
        chapter.error_messages["invalid_choice"] = _(
            "Choose one of your chapters: you can only create events for those."
        )
        capacity = self.fields["capacity"]
        capacity_bounds(capacity)  # the bounds the admin's forms share
        if not user.has_perm("events.exceed_chapter_capacity"):
            capacity.help_text = _("At most %(limit)s seats for a chapter event.") % {
                "limit": CHAPTER_CAPACITY_LIMIT
            }
        if self.instance.pk:
            # An edit: each field carries the value it showed (a hidden copy), so that only
            # what the organiser changed is saved (`service_fields`) — a form opened before a
            # colleague moved the event (or the weekly lunch) does not move it back, nor tell
            # its registrants again. A series' picker shows its rule.
            for name in self.Meta.fields:
                self.fields[name].show_hidden_initial = True

    def service_fields(self) -> dict:
        """The fields to save: all for a new one; for an edit, what the organiser changed
        (what they left as the form showed it stays as it is now; a field sent without its
        shown value — a client that does not send them — is taken as sent)."""
        names = self.Meta.fields
        if self.instance.pk:
            names = [
                name
                for name in names
                if name in self.changed_data or self.add_initial_prefix(name) not in self.data
            ]
            if "chapter" in names and "space" not in names and not self.data.get("space"):
                names.append("space")  # left empty for a new chapter: that chapter's space
        return {name: self.cleaned_data[name] for name in names}

    def clean(self):
        cleaned = super().clean()
        chapter = cleaned.get("chapter")
        if chapter is not None and not cleaned.get("space") and "space" not in self.errors:
            # An empty place means the chapter's host space.
            cleaned["space"] = chapter.space
        if "capacity" not in self.errors and "chapter" not in self.errors:
            capacity = cleaned.get("capacity")
            unchanged = bool(self.instance.pk) and capacity == self.instance.capacity
            error = capacity_error(
                user=self.user, chapter=chapter, capacity=capacity, unchanged=unchanged
            )
            if error:
                self.add_error("capacity", error)
        return cleaned


class WallClockField(forms.DateTimeField):
    """A local (Brussels) date and time. The one the form showed reads back as the stored
    moment: on the night summer time ends 02:30 comes twice, and Django refuses to choose
    ("may be ambiguous"), so an event ending then could not be saved at all, even to fix its
    title. A new time in that hour is still refused: only the organiser knows which
    (`stored_if_shown`, which the admin's `WallClockSplitField` asks too)."""

    stored: datetime | None = None  # set by the form: the instance's value

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as exc:
            return stored_if_shown(exc, self.stored)

    def has_changed(self, initial, data):
        # The widget shows minutes: an event stored at 18:00:30, shown "18:00", is unchanged.
        if isinstance(initial, datetime):
            initial = initial.replace(second=0, microsecond=0)
        return super().has_changed(initial, data)


class EventForm(_ScopedForm):
    """Create or edit an event. On a new event an empty end means the kind's duration.

    A new event's form carries a `nonce` (see `console_event_create`): sent twice, it
    creates one event. An edit keeps the stored start and end when the form shows them
    unchanged (the widget has no seconds: "18:00" for 18:00:30 is no new time), and changes
    only the fields the organiser changed: each field carries a hidden copy of the value it
    showed, so a form opened before another organiser moved the event does not move it back
    (nor tell its registrants again) when it is saved with a new description.
    """

    nonce = NonceField()

    class Meta:
        model = Event
        fields = list(EVENT_EDIT_FIELDS)  # what the console's service lets it change
        field_classes = {"start": WallClockField, "end": WallClockField, **SHOWN_TEXT_FIELDS}
        widgets = {
            "start": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "end": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "description": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        for name in ("start", "end"):  # before `clean()` computes a default end from it
            self.fields[name].validators.append(validate_event_time)
            self.fields[name].stored = getattr(self.instance, name) if self.instance.pk else None
        self.fields["space"].help_text = _("Empty: the chapter's host space.")
        if not self.instance.pk:
            self.fields["end"].required = False
            self.fields["end"].help_text = _("Empty: the start plus the kind's usual duration.")

    def _kept(self, name: str):
        """The submitted time, or the stored one when the form showed it unchanged."""
        value = self.cleaned_data.get(name)
        stored = getattr(self.instance, name, None) if self.instance.pk else None
        if value and stored and value == stored.replace(second=0, microsecond=0):
            return stored
        return value

    def clean_start(self):
        return self._kept("start")

    def clean_end(self):
        return self._kept("end")

    def clean(self):
        cleaned = super().clean()
        start, end, kind = cleaned.get("start"), cleaned.get("end"), cleaned.get("kind")
        if start and not end and "end" not in self.errors and kind is not None:
            end = cleaned["end"] = services.event_default_end(start=start, kind=kind)
        if start and end and end <= start:
            self.add_error("end", _("An event must end after it starts."))
        elif start and end and self._too_long(end - start):
            self.add_error(
                "end",
                ngettext(
                    "An event lasts at most %(days)s day: check the end date.",
                    "An event lasts at most %(days)s days: check the end date.",
                    EVENT_MAX_DAYS,
                )
                % {"days": EVENT_MAX_DAYS},
            )
        if start and not self.instance.pk and start <= timezone.now():
            # A new event in the past is a typo (it could not be announced, nor attended).
            self.add_error("start", _("This date is past: a new event needs a date to come."))
        elif start and self.instance.pk and "start" not in self.errors:
            try:  # the edit service's rule (a started or past event may still be corrected)
                services.event_move_check(event=self.instance, start=start)
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned

    def _too_long(self, length: timedelta) -> bool:
        """Longer than EVENT_MAX_DAYS — and, for an event staff made longer in the admin,
        longer than it is (its title may still be edited, its start moved)."""
        if length <= timedelta(days=EVENT_MAX_DAYS):
            return False
        return not self.instance.pk or length > self.instance.end - self.instance.start

    def changed_elsewhere(self) -> list[str]:
        """The labels of the fields someone else changed since this edit form was drawn:
        the value it showed (its hidden copy) is no longer the stored one."""
        if not self.instance.pk:
            return []
        labels = []
        for name in self.Meta.fields:
            field, shown_name = self.fields[name], self.add_initial_prefix(name)
            if shown_name not in self.data:
                continue
            shown = field.hidden_widget().value_from_datadict(self.data, self.files, shown_name)
            if field.has_changed(self.get_initial_for_field(field, name), shown):
                labels.append(str(field.label))
        return labels


class SeriesForm(_ScopedForm):
    """A recurring event: the recurrence picker plus time, duration, dates and place."""

    rrule = RecurrenceField(
        help_text=_lazy("For example monthly, on the first Thursday."),
    )
    nonce = NonceField()  # a new series' form sent twice creates one (`console_series_save`)

    class Meta:
        model = EventSeries
        fields = [
            "title",
            "kind",
            "chapter",
            "rrule",
            "start_time",
            "duration_minutes",
            "starts_on",
            "ends_on",
            "space",
            "room",
            "capacity",
            "visibility",
            "publish",
            "description",
        ]
        field_classes = SHOWN_TEXT_FIELDS
        widgets = {
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "start_time": _lazy("Local time (Brussels)."),
            "ends_on": _lazy("Optional: leave empty to repeat until you stop it."),
            "publish": _lazy(
                "Otherwise each occurrence is created as a draft: publish it from the console "
                "when its details are final."
            ),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["rrule"].keep_current(self.instance.rrule if self.instance.pk else "")
        if self.instance.pk:
            self.fields["ends_on"].help_text = _(
                "Empty: it repeats with no end. To stop the series, give the last date it "
                "takes place, or today's date: nothing is added after it. Later occurrences "
                "nobody registered for are removed; the others stay, for you to cancel."
            )
        duration = self.fields["duration_minutes"]
        duration.widget.attrs.update(min=15, max=24 * 60, step=15)
        field_bounds(
            duration,
            15,
            24 * 60,
            low=_("At least 15 minutes."),
            high=_("At most 24 hours (1440 minutes)."),
        )

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The last date is before the first date."))
            return cleaned
        if self.errors or not cleaned.get("rrule") or not cleaned.get("start_time"):
            return cleaned
        candidate = EventSeries(
            rrule=cleaned["rrule"],
            starts_on=starts_on,
            ends_on=ends_on,
            start_time=cleaned["start_time"],
        )
        try:
            rule = services.series_rule(candidate)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                self.add_error(name if name in self.fields else "rrule", messages)
            return cleaned
        if self.instance.pk:
            # A last date of today or gone by is how an organiser stops a series: no date is
            # generated after it (`series_follow` removes the upcoming occurrences past it
            # that nothing hangs on, and keeps the others for the organiser to cancel).
            return cleaned
        # A new series whose dates are all in the past would generate nothing either.
        today = timezone.localdate()
        after = datetime.combine(max(starts_on, today), datetime.min.time())
        following = rule.after(after, inc=True)
        if following is None or (ends_on and following.date() > ends_on):
            self.add_error(
                "rrule",
                _("This repeats on no date from today to the last date: check the dates."),
            )
        return cleaned


class MessageForm(forms.Form):
    """A short note to the registrants; `nonce` makes a double submit send once."""

    subject = ShownTextField(label=_lazy("Subject"), max_length=120)
    body = forms.CharField(
        label=_lazy("Message"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 7, "maxlength": 2000}),
        help_text=_lazy("Plain text, at most 2000 characters."),
    )
    include_waitlist = forms.BooleanField(
        label=_lazy("Also send it to the people on the waitlist"), required=False
    )
    nonce = NonceField(required=True)
    # Shown once the same note was found sent a moment ago (`organiser_note_send`).
    again = forms.BooleanField(label=_lazy("Yes, send it again"), required=False)

    def __init__(self, *args, reply_to: str = "", cancelled: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if cancelled:  # nobody waits for a seat any more
            self.fields["include_waitlist"].label = _(
                "Also send it to the people who were waiting for a seat"
            )
        if reply_to:
            # The note goes out with `Reply-To` the writer's address (organiser_note_send).
            self.fields["body"].help_text = _(
                "Plain text, at most 2000 characters. The email names you, and replies go "
                "to your address, %(email)s."
            ) % {"email": reply_to}
