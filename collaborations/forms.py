"""The collaboration form and its participants formset."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from betacowork.submissions.forms import NonceField
from betacowork.submissions.services import nonce_new
from events.models import Event
from members.forms import ShownTextField
from members.models import Company, Space

from .member_field import (
    INTRODUCER_KEPT,
    MemberField,
    introducer_kept_label,
    kept_label,
    kept_token,
    member_input,
)
from .models import MAX_VALUE_EUR, Collaboration, Participant
from .selectors import events_attended_by
from .services import (
    EARLIEST_START,
    MAX_DAYS_AHEAD,
    MAX_PARTICIPANTS,
    ParticipantSpec,
    own_company_refusal,
    removals_refused,
)


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


class ParticipantForm(forms.Form):
    member = MemberField(
        label=_("Member"), required=False, widget=member_input(_("Start typing a name"))
    )
    company = forms.ModelChoiceField(
        label=_("or a company"), queryset=Company.objects.order_by("name"), required=False
    )
    organisation = forms.CharField(
        label=_("or an outside organisation"),
        max_length=160,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Homeexchange")}),
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=[("", "—"), *Participant.Role.choices], required=False
    )

    def __init__(self, *args, viewer=None, kept=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].viewer = viewer
        self.fields["member"].kept = {
            token: (kept_label(p), p) for token, p in (kept or {}).items()
        }

    def clean(self):
        data = super().clean()
        given = [
            name
            for name in ("member", "company", "organisation")
            if data.get(name) not in (None, "")
        ]
        if not given and not data.get("role"):
            return data  # an empty row
        if len(given) > 1:
            raise forms.ValidationError(
                _("Give one party per row: a member, a company or an outside organisation.")
            )
        if not given and "member" not in self.errors:
            self.add_error("member", _("Say who this participant is."))
        if not data.get("role"):
            self.add_error("role", _("Choose this participant's role."))
        return data

    def party_field(self) -> str:
        """The field that names this row's party (`clean` lets one only)."""
        data = self.cleaned_data
        return next(
            n for n in ("member", "company", "organisation") if data.get(n) not in (None, "")
        )

    def spec(self) -> ParticipantSpec | None:
        data = self.cleaned_data
        if not data or not (data.get("member") or data.get("company") or data.get("organisation")):
            return None
        if isinstance(data.get("member"), Participant):
            kept = data["member"]
            return ParticipantSpec(
                role=data["role"], participant_id=kept.pk, shown_as=kept_label(kept)
            )
        organisation = (data.get("organisation") or "").strip()
        company = data.get("company")
        if organisation and company is None:
            # An organisation typed by name that is in fact a company of the directory.
            company = Company.objects.filter(
                Q(name__iexact=organisation) | Q(slug__iexact=organisation)
            ).first()
            if company is not None:
                organisation = ""
        return ParticipantSpec(
            role=data["role"],
            user=data.get("member"),
            company=company,
            organisation=organisation,
        )


class BaseParticipantFormSet(forms.BaseFormSet):
    """The other parties. Editing, `participants` are the collaboration's, from
    `selectors.participants_prefetch(user)`: those the form cannot name are kept as they are."""

    def __init__(self, *args, user, participants=(), **kwargs):
        self.user = user
        # The other parties, in the order of the rows the edit form drew (`participant_initial`).
        self.others = [p for p in participants if p.user_id != user.pk]
        kept = {kept_token(p): p for p in participants if p.user_id != user.pk and kept_label(p)}
        kwargs.setdefault("form_kwargs", {}).update(viewer=user, kept=kept)
        super().__init__(*args, **kwargs)

    def clean(self):
        """Each error on the field it is about (the row's party, the first row's member when
        none is given), so that the field is marked invalid and described by it, and the
        focus goes to it when the form comes back (`site.js`), as for any field error."""
        if any(self.errors):
            return
        seen = set()
        specs = []
        for form in self.forms:
            spec = form.spec()
            if spec is None:
                continue
            if spec.user is not None and spec.user.pk == self.user.pk:
                form.add_error(
                    "member",
                    _("You are already in this collaboration: add the other parties only."),
                )
            elif refusal := own_company_refusal(
                actor=self.user, spec=spec, kept={p.party_key for p in self.others}
            ):
                form.add_error(form.party_field(), refusal)
            elif spec.key in seen:
                form.add_error(
                    form.party_field(), _("%(name)s appears twice.") % {"name": spec.name}
                )
            else:
                seen.add(spec.key)
                specs.append(spec)
        if any(self.errors):
            return
        if not specs:
            message = _(
                "Add at least one other participant: a collaboration is never with yourself only."
            )
            if not self.forms:  # a form sent without its rows: no field to point at
                raise forms.ValidationError(message)
            self.forms[0].add_error("member", message)
            return
        for participant in removals_refused(self.others, actor=self.user, specs=specs):
            # On the row that showed them: the edit does not take them off (rules.may_remove).
            name = kept_label(participant) or participant.user.profile.display_name
            message = _(
                "%(name)s confirmed this collaboration: an edit cannot remove them. Keep their row."
            ) % {"name": capfirst(name)}
            row = self.others.index(participant)
            if row >= len(self.forms):  # a form sent without its rows
                raise forms.ValidationError(message)
            self.forms[row].add_error("member", message)
        if any(self.errors):
            return
        self.specs = specs


ParticipantFormSet = forms.formset_factory(
    ParticipantForm,
    formset=BaseParticipantFormSet,
    extra=3,
    max_num=MAX_PARTICIPANTS - 1,
    validate_max=True,
    absolute_max=MAX_PARTICIPANTS * 3,
)
ParticipantFormSet.default_error_messages = {
    **forms.BaseFormSet.default_error_messages,
    "too_many_forms": _(
        "A collaboration has at most 20 participants including you: remove some rows."
    ),
}


def participant_initial(participants, *, exclude_user_id: int) -> list[dict]:
    """The formset's rows for a collaboration's `participants` (from
    `selectors.participants_prefetch(editor)`), the editor's own left out. A participant the
    form cannot name is shown as the detail page shows them, with its token (`kept_label`)."""
    rows = []
    for p in participants:
        if p.user_id == exclude_user_id:
            continue
        label = kept_label(p)
        if label:
            member = (label, kept_token(p))
        elif p.user_id:
            member = (p.user.profile.display_name, p.user.profile.slug)
        else:
            member = ""
        rows.append(
            {
                "member": member,
                "company": p.company_id if not (p.user_id or p.former_member) else None,
                "organisation": p.organisation,
                "role": p.role,
            }
        )
    return rows


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
