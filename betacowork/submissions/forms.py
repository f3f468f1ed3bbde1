"""The hidden token a form that creates something carries (see the package's docstring)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .services import NONCE_RE


class NonceField(forms.CharField):
    """A hidden `nonce_new()` token; optional unless `required=True` (a form sent without
    one — an old page — is then simply not recognised when repeated)."""

    widget = forms.HiddenInput
    default_error_messages = {
        "stale": _("This form is out of date: reload the page and try again."),
    }

    def __init__(self, *, required: bool = False, **kwargs):
        super().__init__(max_length=32, required=required, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value and not NONCE_RE.fullmatch(value):
            raise ValidationError(self.error_messages["stale"], code="stale")
        return value
