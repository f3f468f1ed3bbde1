"""What a collaboration's fields and parties must satisfy, for create and update alike."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import Company, User

from ..models import MAX_VALUE_EUR, Collaboration, Participant, organisation_key

MAX_PARTICIPANTS = 20
MAX_DAYS_AHEAD = 365
EARLIEST_START = dt.date(2000, 1, 1)


@dataclass(frozen=True)
class ParticipantSpec:
    """One party as a form gives it: exactly one of user / company / organisation, or
    `participant_id`, an existing participant of the collaboration being edited kept as it is
    (one the form cannot give again: a member the editor may not see, a deleted account),
    with `shown_as`, how the form shows them (their name may not be shown)."""

    role: str
    user: User | None = None
    company: Company | None = None
    organisation: str = ""
    participant_id: int | None = None
    shown_as: str = ""

    @property
    def key(self) -> tuple:
        if self.participant_id is not None:
            return ("participant", self.participant_id)
        if self.user is not None:
            return ("member", self.user.pk)
        if self.company is not None:
            return ("company", self.company.pk)
        return ("organisation", self.organisation.strip().casefold())

    @property
    def name(self) -> str:
        if self.participant_id is not None:
            return self.shown_as
        if self.user is not None:
            profile = getattr(self.user, "profile", None)
            return (profile.display_name if profile else "") or self.user.name or self.user.email
        if self.company is not None:
            return self.company.name
        return self.organisation.strip()


def validate_fields(*, value_eur: Decimal | None, start_date: dt.date) -> None:
    errors = {}
    if value_eur is not None:
        if value_eur < 0:
            errors["value_eur"] = _("The value cannot be negative.")
        elif value_eur > MAX_VALUE_EUR:
            errors["value_eur"] = _(
                "€%(value)s looks wrong: the ledger accepts values up to €100,000,000."
            ) % {"value": f"{value_eur:,.0f}"}
    today = timezone.localdate()
    if start_date > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        errors["start_date"] = _(
            "A collaboration cannot start more than a year from now: log it once it is decided."
        )
    elif start_date < EARLIEST_START:
        errors["start_date"] = _("The start date is too far in the past.")
    if errors:
        raise ValidationError(errors)


def validate_participants(
    *, actor: User, specs: list[ParticipantSpec], kept: frozenset | set = frozenset()
) -> None:
    """The parties `actor` names; `kept`: the party keys an edit's collaboration has already
    (`own_company_refusal` lets those stay)."""
    if len(specs) + 1 > MAX_PARTICIPANTS:
        raise ValidationError(
            _("A collaboration has at most %(max)d participants, you gave %(n)d.")
            % {"max": MAX_PARTICIPANTS, "n": len(specs) + 1},
            code="too_many",
        )
    if not specs:
        raise ValidationError(
            _("A collaboration needs at least one other participant besides you."),
            code="alone",
        )
    seen = set()
    for spec in specs:
        if spec.user is not None and spec.user.pk == actor.pk:
            raise ValidationError(
                _("You are already in this collaboration: add the other parties only."),
                code="self_twice",
            )
        refusal = own_company_refusal(actor=actor, spec=spec, kept=kept)
        if refusal:
            raise ValidationError(refusal, code="own_company")
        if not spec.name:
            raise ValidationError(_("Every participant needs a name."), code="unnamed")
        if spec.key in seen:
            raise ValidationError(
                _("%(name)s appears twice.") % {"name": spec.name}, code="duplicate"
            )
        seen.add(spec.key)
        if spec.role not in Participant.Role.values:
            raise ValidationError(_("Choose a role for %(name)s.") % {"name": spec.name})


def own_company_refusal(
    *, actor: User, spec: ParticipantSpec, kept: frozenset | set = frozenset()
) -> str:
    """Why `spec` cannot be a party `actor` names, or "": the company of `actor`'s profile, the
    one they take part for, would make a collaboration with themselves — as naming themselves
    would (the form says both on the party's field, `forms.BaseParticipantFormSet`). Picked
    in the company list or typed as an organisation, the same company: the form turns a name
    of the directory into its company. A party the collaboration has already (`kept`, the
    edited one's party keys) stays: the member may have joined that company since, and an
    edit of the title would otherwise be refused on a row they did not touch (review)."""
    profile = getattr(actor, "profile", None)
    if spec.company is None or profile is None or spec.company.pk != profile.company_id:
        return ""
    company = spec.company
    if spec.key in kept or ("organisation", organisation_key(company.name)) in kept:
        # Kept as it was — also a party typed as an organisation before the directory had
        # its company, which the form now reads as the company.
        return ""
    return _("%(name)s is your own company: add the other parties only.") % {"name": company.name}


def attended_event_ids(user: User) -> set[int]:
    from ..selectors import events_attended_by

    return set(events_attended_by(user=user).values_list("pk", flat=True))


def validate_origin(
    *, actor: User, origin_type: str, origin_event, introduced_by: User | None
) -> None:
    if origin_type == Collaboration.Origin.EVENT:
        if origin_event is None:
            raise ValidationError(
                {"origin_event": _("Choose the event where you met.")}, code="event_missing"
            )
        if origin_event.pk not in attended_event_ids(actor):
            raise ValidationError(
                {
                    "origin_event": _(
                        "You can only choose an event you attended (checked in at the door, or "
                        "registered where nobody was checked in, for an event that has started)."
                    )
                },
                code="event_not_attended",
            )
    if origin_type == Collaboration.Origin.INTRODUCTION and introduced_by is None:
        raise ValidationError(
            {"introduced_by": _("Say which member introduced you.")}, code="introducer_missing"
        )
