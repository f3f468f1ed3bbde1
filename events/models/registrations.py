"""A seat at an event: confirmed, on the waitlist (in order), cancelled; a member's or a guest's,
with the name and address kept as they were given — or a former member's, whose account was
deleted: the row stays for the event's attendance, without their name, address or note."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .core import Event


class RegistrationQuerySet(models.QuerySet):
    def active(self) -> RegistrationQuerySet:
        return self.exclude(status=Registration.Status.CANCELLED)

    def confirmed(self) -> RegistrationQuerySet:
        return self.filter(status=Registration.Status.CONFIRMED)

    def waitlisted(self) -> RegistrationQuerySet:
        return self.filter(status=Registration.Status.WAITLISTED)


class Registration(models.Model):
    """A seat (or a place on the waitlist) for a member or a guest."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waitlist")
        # An inscription, a registratie: French says it in the feminine, unlike an event.
        CANCELLED = "cancelled", pgettext_lazy("registration status", "Cancelled")

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="registrations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="event_registrations",
    )
    name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("email"))
    language = models.CharField(
        _("language"),
        max_length=8,
        default="en",
        help_text=_("Guests get their emails in the language they registered in."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.CONFIRMED
    )
    note = models.CharField(
        _("note"), max_length=500, blank=True, help_text=_("Dietary needs, accessibility…")
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    # Set when the member deleted their account (events/signals.py): name, address and note
    # are erased; the row counts in the event's attendance, and nothing is sent to it.
    # db_default: a process still running the code before this column (a deploy's old web
    # workers) writes rows without it.
    former_member = models.BooleanField(
        _("former member"), default=False, db_default=False, editable=False
    )
    waitlisted_at = models.DateTimeField(_("waitlisted at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked in by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"],
                condition=~Q(status="cancelled") & Q(user__isnull=False),
                name="events_registration_one_active_per_user",
                violation_error_message=_("You are already registered for this event."),
            ),
            models.UniqueConstraint(
                "event",
                Lower("email"),
                condition=~Q(status="cancelled") & Q(former_member=False),
                name="events_registration_one_active_per_email",
                violation_error_message=_("This email address is already registered."),
            ),
        ]
        indexes = [
            models.Index(fields=["event", "status", "waitlisted_at"], name="events_reg_queue_idx")
        ]

    def __str__(self) -> str:
        return f"{self.display_name} → {self.event} ({self.get_status_display()})"

    @property
    def greeting_name(self) -> str:
        """What an email to them says after "Hello": the first word of the name they
        registered with, as emails to members use the first word of theirs
        (`User.get_short_name`)."""
        return ((self.name or "").split() or [self.email])[0]

    @property
    def is_guest(self) -> bool:
        return self.user_id is None and not self.former_member

    @property
    def display_name(self) -> str:
        """The name lists show: theirs, or "A former member" (erased with their account)."""
        return _("A former member") if self.former_member else self.name

    @property
    def is_active(self) -> bool:
        return self.status != self.Status.CANCELLED
