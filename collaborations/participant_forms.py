"""The participants of the collaboration form: one row per other party, and the formset
that checks them together (the edit keeps the parties its editor cannot name)."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from members.models import Company

from .member_field import MemberField, kept_label, kept_token, member_input
from .models import Participant
from .services import MAX_PARTICIPANTS, ParticipantSpec, own_company_refusal, removals_refused


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
