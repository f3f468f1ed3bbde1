"""Forms of the budget pages: a cost line (organisers, from a phone) and a year's budget
(staff). Amounts are checked by the services' `parse_euros`, so the form and the service
refuse the same things with the same words."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from betacowork.submissions.forms import NonceField
from betacowork.submissions.services import nonce_new

from ..models import EventCost
from .services import MAX_BUDGET, parse_euros


class EuroField(forms.CharField):
    """Euros with cents, typed as text ("12.50" or "12,50"): a phone's number keypad, and no
    browser rounding or refusing the comma."""

    def __init__(self, *, maximum: Decimal | None = None, placeholder: str = "12.50", **kwargs):
        self.maximum = maximum
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": placeholder}
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return None
        if self.maximum is None:
            return parse_euros(value)
        return parse_euros(value, maximum=self.maximum)


class EventCostForm(forms.Form):
    category = forms.ChoiceField(
        label=_("What for"),
        choices=EventCost.Category.choices,
        error_messages={"invalid_choice": _("Choose a category from the list.")},
    )
    amount = EuroField(label=_("Amount (€)"))
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=200,
        help_text=_("Optional, e.g. “Beers and pizzas”."),
    )
    # Adding only: a double tap or a resent form records the line once (`submit_once`).
    nonce = NonceField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("nonce", nonce_new())


COMMUNITY = "community"


class BudgetForm(forms.Form):
    """The year's budget of the community or of one chapter."""

    scope = forms.ChoiceField(label=_("Budget of"))
    amount = EuroField(label=_("Budget (€)"), maximum=MAX_BUDGET, placeholder="120000")
    subsidy = EuroField(
        label=_("Of which regional subsidy (€)"),
        maximum=MAX_BUDGET,
        required=False,
        placeholder="60000",
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=255)

    def __init__(self, *args, chapters, **kwargs):
        super().__init__(*args, **kwargs)
        self.chapters = {str(c.pk): c for c in chapters}
        self.fields["scope"].choices = [
            (COMMUNITY, _("The whole community")),
            *[(pk, c.name) for pk, c in self.chapters.items()],
        ]

    def clean(self):
        cleaned = super().clean()
        amount, subsidy = cleaned.get("amount"), cleaned.get("subsidy")
        if subsidy is None:
            cleaned["subsidy"] = subsidy = Decimal("0.00")
        if amount is not None and subsidy > amount:
            raise ValidationError({"subsidy": _("The subsidy is part of the budget: not more.")})
        return cleaned

    @property
    def chapter(self):
        """The chosen chapter, None for the community (after validation)."""
        return self.chapters.get(self.cleaned_data["scope"])
