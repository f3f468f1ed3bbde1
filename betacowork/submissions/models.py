"""One row per form that created something: who sent it, for what, its token, what it made."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Submission(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), on_delete=models.CASCADE
    )
    purpose = models.CharField(_("purpose"), max_length=80)  # e.g. "events.create"
    nonce = models.CharField(_("form token"), max_length=32)
    object_id = models.BigIntegerField(_("made"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "purpose", "nonce"], name="submissions_one_per_form"
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.nonce}"
