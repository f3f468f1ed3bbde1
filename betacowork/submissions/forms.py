"""The hidden token a form that creates something carries (see the package's docstring)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .services import NONCE_RE, nonce_new

STALE = _("This form was out of date: nothing was done. Check it and send it again.")


class NonceField(forms.CharField):
    """A hidden `nonce_new()` token. Optional unless `required=True` (then a form sent
    without one, from a page older than the token, is refused); a token we did not make is
    refused either way. A refused form is shown again with a fresh token, so sending it once
    more works."""

    widget = forms.HiddenInput
    default_error_messages = {"required": STALE, "stale": STALE}

    def __init__(self, *, required: bool = False, **kwargs):
        super().__init__(required=required, strip=False, **kwargs)  # the pattern bounds it

    def clean(self, value):
        value = super().clean(value)
        if value and not NONCE_RE.fullmatch(value):
            raise ValidationError(self.error_messages["stale"], code="stale")
        return value

    def bound_data(self, data, initial):
        # What the form shows again once sent: its token, or a fresh one for a refused
        # token (the same one again would be refused again).
        return data if data and NONCE_RE.fullmatch(str(data)) else nonce_new()
