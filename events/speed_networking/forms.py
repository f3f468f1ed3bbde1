"""Forms of the speed-networking pages: plan the rounds, a person arrives or leaves, requests."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models.speed_networking import MAX_REQUESTS, MAX_ROUNDS
from . import services


class PlanForm(forms.Form):
    rounds = forms.IntegerField(
        label=_("Rounds"),
        min_value=1,
        max_value=MAX_ROUNDS,
        initial=6,
        help_text=_("Every round of the evening, the ones already played included."),
    )
    table_size = forms.IntegerField(
        label=_("People per table"),
        min_value=services.MIN_TABLE,
        max_value=services.MAX_TABLE,
        initial=2,
        help_text=_("2 for pairs (an odd number gives one trio); up to 6."),
    )
    round_minutes = forms.IntegerField(
        label=_("Minutes per round"), min_value=1, max_value=services.MAX_MINUTES, initial=6
    )


class PersonForm(forms.Form):
    """One person of the evening, chosen among those the organiser may see."""

    user = forms.TypedChoiceField(label=_("Who"), coerce=int, choices=())

    def __init__(self, *args, choices: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "—"), *choices]


class RoundStartForm(forms.Form):
    expected = forms.IntegerField(min_value=1, max_value=MAX_ROUNDS, required=False)


class RequestsForm(forms.Form):
    """Up to MAX_REQUESTS people among those coming (checkboxes: works without JavaScript)."""

    targets = forms.TypedMultipleChoiceField(
        label=_("I'd like to meet"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _(
                "You can only ask to meet people coming to this evening whose profile you see."
            )
        },
    )

    def __init__(self, *args, choices: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["targets"].choices = choices

    def clean_targets(self) -> list[int]:
        targets = self.cleaned_data["targets"]
        if len(set(targets)) > MAX_REQUESTS:
            raise forms.ValidationError(
                _("Choose at most %(max)s people (you chose %(n)s)."),
                params={"max": MAX_REQUESTS, "n": len(set(targets))},
            )
        return targets
