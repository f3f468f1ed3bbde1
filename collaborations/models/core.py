"""The collaboration ledger: who worked with whom, born where, worth how much.

A Collaboration counts anywhere (dashboard, lists, profile panels) only once it is
`confirmed`: every other member participant confirmed it, and staff verified the parties that
have no member to speak for them (a company without a member, an outside organisation).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MAX_VALUE_EUR = Decimal("100000000")  # €100M: the ledger of a coworking space, not of a bank


def organisation_key(name: str) -> str:
    """What makes two outside organisations' names the same organisation."""
    return name.strip().casefold()


class CollaborationQuerySet(models.QuerySet):
    def confirmed(self) -> CollaborationQuerySet:
        return self.filter(status=Collaboration.Status.CONFIRMED)

    def involving(self, user) -> CollaborationQuerySet:
        """Collaborations `user` authored or takes part in (any status)."""
        return self.filter(
            Q(author_id=user.pk)
            | Q(pk__in=Participant.objects.filter(user_id=user.pk).values("collaboration_id"))
        )

    def visible_to(self, user) -> CollaborationQuerySet:
        """What `user` may open: confirmed ones by visibility, plus their own in any status
        (`collaborations.rules.collaboration_visibility_q`: `collaborations.view_collaboration`)."""
        from ..rules import collaboration_visibility_q

        condition = collaboration_visibility_q(user)
        return self if condition is None else self.filter(condition)

    def listed_for(self, user) -> CollaborationQuerySet:
        """The browsable list: confirmed collaborations `user` may see."""
        return self.visible_to(user).confirmed()


class Collaboration(models.Model):
    class Kind(models.TextChoices):
        CLIENT_SUPPLIER = "client-supplier", _("Client and supplier")
        SERVICE = "service", _("Service (translation, web design…)")
        SUBCONTRACTING = "subcontracting", _("Subcontracting")
        HIRE = "hire", _("Hire")
        INVESTMENT = "investment", _("Financing or investment")
        PARTNERSHIP = "partnership", _("Joint project or partnership")
        ACQUISITION = "acquisition", _("Acquisition or takeover")
        OTHER = "other", _("Other")

    class Origin(models.TextChoices):
        EVENT = "event", _("We met at an event")
        INTRODUCTION = "introduction", _("A member introduced us")
        SPACE = "space", _("We met at the space")
        OTHER = "other", _("Other")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public: anyone can see it")
        MEMBERS = "members", _("Members only")
        PARTICIPANTS = "participants", _("Participants only (counted, never shown)")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True, max_length=4000)
    start_date = models.DateField(_("start date"))
    value_eur = models.DecimalField(
        _("value (€)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Optional. The value of the deal, the raise or the contract, in euros."),
    )
    origin_type = models.CharField(
        _("where it began"), max_length=20, choices=Origin.choices, default=Origin.SPACE
    )
    origin_event = models.ForeignKey(
        "events.Event",
        verbose_name=_("event where it began"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="collaborations_started",
    )
    introduced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("introduced by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="introduced_collaborations",
    )
    space = models.ForeignKey(
        "members.Space",
        verbose_name=_("space"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="collaborations",
    )
    chapter = models.ForeignKey(
        "members.Chapter",
        verbose_name=_("chapter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="collaborations",
    )
    visibility = models.CharField(
        _("visibility"), max_length=20, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    revision = models.PositiveIntegerField(
        _("revision"),
        default=1,
        help_text=_("Bumped when a change of value or participants asks for confirmation again."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="authored_collaborations",
    )
    author_name = models.CharField(_("author name"), max_length=150)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CollaborationQuerySet.as_manager()

    class Meta:
        verbose_name = _("collaboration")
        verbose_name_plural = _("collaborations")
        ordering = ["-start_date", "-pk"]
        indexes = [
            models.Index(fields=["status", "start_date"], name="collab_status_start_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(value_eur__isnull=True) | Q(value_eur__gte=0),
                name="collab_value_not_negative",
                violation_error_message=_("The value cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(value_eur__isnull=True) | Q(value_eur__lte=MAX_VALUE_EUR),
                name="collab_value_not_absurd",
                violation_error_message=_("The value is above €100,000,000: please check it."),
            ),
            models.CheckConstraint(
                condition=Q(introduced_by__isnull=True) | Q(origin_type="introduction"),
                name="collab_introducer_only_for_introductions",
                violation_error_message=_(
                    "An introducer can only be given when a member introduced you."
                ),
            ),
            models.CheckConstraint(
                condition=Q(origin_event__isnull=True) | Q(origin_type="event"),
                name="collab_event_only_for_event_origin",
                violation_error_message=_("An event can only be given when you met at an event."),
            ),
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(confirmed_at__isnull=False),
                name="collab_confirmed_has_date",
                violation_error_message=_("A confirmed collaboration needs a confirmation date."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("collaborations:detail", kwargs={"pk": self.pk})

    @property
    def is_confirmed(self) -> bool:
        return self.status == self.Status.CONFIRMED


class Participant(models.Model):
    """One party: a member (possibly for their company), a company, or an outside organisation."""

    class Role(models.TextChoices):
        CLIENT = "client", _("Client")
        SUPPLIER = "supplier", _("Supplier")
        INVESTOR = "investor", _("Investor")
        EMPLOYER = "employer", _("Employer")
        # The person hired (the kind "Hire" is the hiring): recrue, nieuwe medewerker.
        HIRE = "hire", pgettext_lazy("participant role: the person hired", "Hire")
        PARTNER = "partner", _("Partner")
        BUYER = "buyer", _("Buyer")
        SELLER = "seller", _("Seller")
        OTHER = "other", _("Other")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")

    collaboration = models.ForeignKey(
        Collaboration,
        verbose_name=_("collaboration"),
        on_delete=models.CASCADE,
        related_name="participants",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="collaboration_participations",
    )
    company = models.ForeignKey(
        "members.Company",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="collaboration_participations",
    )
    organisation = models.CharField(
        _("outside organisation"),
        max_length=160,
        blank=True,
        help_text=_("An organisation that is not in the directory, by name."),
    )
    name = models.CharField(
        _("name"), max_length=160, help_text=_("Kept when the account or company is deleted.")
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    state = models.CharField(
        _("confirmation"), max_length=10, choices=State.choices, default=State.PENDING
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by (staff)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Set by the account deletion step (`services.participants_keep_for_deleted_user`) before the
    # account goes: once `user` is NULL, a former member's row would otherwise look like a
    # party no member speaks for (a company, or a deleted one), for staff to verify.
    former_member = models.BooleanField(
        _("former member"),
        default=False,
        help_text=_(
            "A member whose account was deleted: the name is kept, the answer they gave too."
        ),
    )

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["collaboration", "user"],
                condition=Q(user__isnull=False),
                name="collab_participant_member_once",
                violation_error_message=_("This member is already a participant."),
            ),
            models.UniqueConstraint(
                fields=["collaboration", "company"],
                # A former member who took part for their company is not the company itself.
                condition=Q(company__isnull=False, user__isnull=True, former_member=False),
                name="collab_participant_company_once",
                violation_error_message=_("This company is already a participant."),
            ),
            models.CheckConstraint(
                condition=~Q(name=""),
                name="collab_participant_named",
                violation_error_message=_("A participant needs a name."),
            ),
            models.CheckConstraint(
                condition=Q(company__isnull=True) | Q(organisation=""),
                name="collab_participant_company_or_organisation",
                violation_error_message=_(
                    "A participant is either a company of the directory or an outside "
                    "organisation, not both."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(state="confirmed") | Q(confirmed_at__isnull=False),
                name="collab_participant_confirmed_has_date",
                violation_error_message=_("A confirmation needs a date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"

    @property
    def needs_staff(self) -> bool:
        """No member speaks for this party: staff verify it instead. Never for a former
        member: their answer stays as they left it."""
        return self.user_id is None and not self.former_member

    @property
    def left_unanswered(self) -> bool:
        """A former member who left before answering: the collaboration cannot be confirmed
        with them in it (`services.common.status_recompute` declines it)."""
        return self.former_member and self.state == self.State.PENDING

    @property
    def party_key(self) -> tuple:
        """What makes two participant rows the same party."""
        if self.former_member:
            return ("former", self.pk)
        if self.user_id:
            return ("member", self.user_id)
        if self.company_id:
            return ("company", self.company_id)
        return ("organisation", organisation_key(self.organisation))


class CollaborationHistory(models.Model):
    """One entry per change: who, when, what (a JSON diff {field: [before, after]})."""

    class Action(models.TextChoices):
        CREATED = "created", _("Logged")
        UPDATED = "updated", _("Edited")
        REOPENED = "reopened", _("Edited: asked for confirmation again")
        CONFIRMED = "confirmed", _("Confirmed by a participant")
        DECLINED = "declined", _("Declined by a participant")
        VERIFIED = "verified", _("Verified by staff")
        REJECTED = "rejected", _("Rejected by staff")
        STATUS = "status", _("Status changed")

    collaboration = models.ForeignKey(
        Collaboration,
        verbose_name=_("collaboration"),
        on_delete=models.CASCADE,
        related_name="history",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("by (name)"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=1)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return _("%(action)s, by %(name)s") % {
            "action": self.get_action_display(),
            "name": self.actor_name or "—",
        }
