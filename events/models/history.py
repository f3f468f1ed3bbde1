"""What happened to an event, by whom: the history organisers and staff read on the event's
console page and in the admin. Services write it (events/services/history.py); the actor's
name is kept when their account goes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .core import Event


class EventChange(models.Model):
    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        DUPLICATED = "duplicated", _("Created as a copy")
        EDITED = "edited", _("Edited")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="changes"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("by (name)"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    fields = models.JSONField(_("changed fields"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("event change")
        verbose_name_plural = _("event history")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["event", "-at"], name="events_change_event_at")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.actor_name or '—'}"

    def field_labels(self) -> list[str]:
        """The changed fields' names as the forms call them (translated)."""
        labels = []
        for name in self.fields:
            try:
                labels.append(str(Event._meta.get_field(name).verbose_name))
            except Exception:  # a field removed since: show its name
                labels.append(name)
        return labels
