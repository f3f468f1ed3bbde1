"""The collaboration form (its participants' rows and formset: `participant_forms`,
re-exported here) and the list's filters."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from betacowork.submissions.forms import NonceField
from betacowork.submissions.services import nonce_new
from events.models import Event
from members.forms import ShownTextField
from members.models import Space

from .member_field import INTRODUCER_KEPT, MemberField, introducer_kept_label, member_input
from .models import MAX_VALUE_EUR, Collaboration, Participant
from .participant_forms import (
    BaseParticipantFormSet,
    ParticipantForm,
    ParticipantFormSet,
    participant_initial,
)
from .selectors import events_attended_by
from .services import EARLIEST_START, MAX_DAYS_AHEAD

__all__ = [
    "BaseParticipantFormSet",
    "CollaborationForm",
    "EventChoiceField",
    "FilterForm",
    "ParticipantForm",
    "ParticipantFormSet",
    "participant_initial",
]


class EventChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        when = formats.date_format(timezone.localtime(obj.start), "DATE_FORMAT")
        return f"{obj.kind.name} · {obj.title} · {when}"


class CollaborationForm(forms.ModelForm):
    my_role = forms.ChoiceField(label=_("Your role"), choices=Participant.Role.choices)
    origin_event = EventChoiceField(
        label=_("Event where you met"),
        queryset=None,
        required=False,
        help_text=_("Only events you attended are listed."),
        error_messages={
            "invalid_choice": _(
                "Choose an event you attended (checked in at the door, or registered where "
                "nobody was checked in)."
            )
        },
    )
    introduced_by = MemberField(
        label=_("Member who introduced you"),
        required=False,
        widget=member_input(_("Start typing a name")),
    )
    # Logging only: the form's token, so that sending it twice logs it once (`submit_once`).
    nonce = NonceField(required=True)
    # Editing only: the version the form showed (its `updated_at`), so that saving a form
    # opened before someone else's edit does not silently undo it (`collaboration_update`).
    edited = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)

    class Meta:
        model = Collaboration
        fields = [
            "title",
            "kind",
            "my_role",
            "start_date",
            "value_eur",
            "description",
            "origin_type",
            "origin_event",
            "introduced_by",
            "space",
            "visibility",
        ]
        field_classes = {"title": ShownTextField}
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "origin_type": forms.RadioSelect,
            "visibility": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 4}),
            # Cents are stored and shown: the browser must accept them too.
            "value_eur": forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
        }
        help_texts = {
            "space": _("Where the collaboration belongs on the dashboard (an event sets it)."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance.pk:
            del self.fields["nonce"]  # an edit may be saved again: it changes, never adds
            self.initial.setdefault("edited", self.instance.updated_at.isoformat())
        else:
            del self.fields["edited"]
            if not self.is_bound:
                self.initial["nonce"] = nonce_new()
        events = events_attended_by(user=user)
        if self.instance.origin_event_id:
            # A participant editing keeps the event the author chose, attended or not.
            events = events | Event.objects.filter(pk=self.instance.origin_event_id)
        self.fields["origin_event"].queryset = events
        self.fields["introduced_by"].viewer = user
        # Editing, the origin as it is stored: kept when the editor does not change it.
        self.stored_origin = self.instance.origin_type if self.instance.pk else None
        self.origin_gone = self._origin_kept() if self.instance.pk else ""
        self.fields["space"].queryset = Space.objects.order_by("name")
        self.fields["space"].required = False
        self.fields["value_eur"].localize = False

    def _origin_kept(self) -> str:
        """Keep where the edited collaboration began when this editor cannot give it again:
        an introducer the field does not find (hidden from them: "a member", as the page
        says) is kept as the participants' rows keep theirs. The field whose stored value
        is gone (an account or an event deleted since: the origin stays, without it), or "".
        """
        collab = self.instance
        if collab.introduced_by_id:
            label = introducer_kept_label(collab.introduced_by, self.user)
            if label:
                self.fields["introduced_by"].kept = {INTRODUCER_KEPT: (label, collab.introduced_by)}
                self.initial["introduced_by"] = (label, INTRODUCER_KEPT)
        elif collab.origin_type == Collaboration.Origin.INTRODUCTION:
            self.fields["introduced_by"].help_text = _(
                "The member who introduced you has left Betacowork: it stays so unless you "
                "name another member."
            )
            return "introduced_by"
        if collab.origin_type == Collaboration.Origin.EVENT and not collab.origin_event_id:
            self.fields["origin_event"].help_text = _(
                "The event where you met was deleted: it stays so unless you choose another event."
            )
            return "origin_event"
        return ""

    def clean_value_eur(self):
        value = self.cleaned_data.get("value_eur")
        if value is not None:
            if value < 0:
                raise forms.ValidationError(_("The value cannot be negative."))
            if value > MAX_VALUE_EUR:
                raise forms.ValidationError(
                    _("That amount looks wrong: the ledger accepts values up to €100,000,000.")
                )
        return value

    def clean_start_date(self):
        start = self.cleaned_data.get("start_date")
        if start and start > timezone.localdate() + dt.timedelta(days=MAX_DAYS_AHEAD):
            raise forms.ValidationError(
                _("A collaboration cannot start more than a year from now: log it once it is on.")
            )
        if start and start < EARLIEST_START:
            raise forms.ValidationError(_("The start date is too far in the past."))
        return start

    def clean(self):
        data = super().clean()
        origin = data.get("origin_type")
        # Only the field that goes with the chosen origin is kept.
        if origin != Collaboration.Origin.EVENT:
            data["origin_event"] = None
            self.errors.pop("origin_event", None)
        if origin != Collaboration.Origin.INTRODUCTION:
            data["introduced_by"] = None
            self.errors.pop("introduced_by", None)
        # An origin kept as it is stored may lack its event or member (deleted since); one
        # the editor chooses needs it.
        gone = self.origin_gone if origin == self.stored_origin else ""
        event_missing = not data.get("origin_event") and "origin_event" not in self.errors
        if origin == Collaboration.Origin.EVENT and event_missing and gone != "origin_event":
            self.add_error("origin_event", _("Choose the event where you met."))
        introducer_missing = not data.get("introduced_by") and "introduced_by" not in self.errors
        if (
            origin == Collaboration.Origin.INTRODUCTION
            and introducer_missing
            and gone != "introduced_by"
        ):
            self.add_error("introduced_by", _("Say which member introduced you."))
        if data.get("introduced_by") is not None and data["introduced_by"].pk == self.user.pk:
            self.add_error("introduced_by", _("The introducer is someone else than you."))
        return data

    def edited_seen(self) -> dt.datetime | None:
        """The version the edit form showed; None if it sent none (or nothing readable)."""
        try:
            seen = dt.datetime.fromisoformat(self.cleaned_data.get("edited") or "")
        except ValueError:
            return None
        return seen if seen.tzinfo else None

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        origin = data["origin_type"]
        return {
            "title": data["title"],
            "kind": data["kind"],
            "start_date": data["start_date"],
            "value_eur": data.get("value_eur"),
            "description": data.get("description", ""),
            "origin_type": origin,
            "origin_event": data.get("origin_event")
            if origin == Collaboration.Origin.EVENT
            else None,
            "introduced_by": data.get("introduced_by")
            if origin == Collaboration.Origin.INTRODUCTION
            else None,
            "space": data.get("space"),
            "visibility": data["visibility"],
        }


class FilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Collaboration.Kind.choices]
    )
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    space = forms.ModelChoiceField(
        label=_("Space"),
        required=False,
        queryset=Space.objects.order_by("name"),
        empty_label=_("All spaces"),
    )
    chapter = forms.ModelChoiceField(
        label=_("Chapter"), required=False, queryset=None, empty_label=_("All chapters")
    )
    event_kind = forms.ModelChoiceField(
        label=_("Began at"),
        required=False,
        queryset=None,
        empty_label=_("Any event kind"),
        to_field_name="slug",
    )

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        from events.models import EventKind
        from members.models import Chapter

        self.fields["year"].choices = [("", _("All years"))] + [(y, str(y)) for y in years]
        self.fields["chapter"].queryset = Chapter.objects.order_by("name")
        self.fields["event_kind"].queryset = EventKind.objects.order_by("name_en")
