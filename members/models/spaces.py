"""Coworking spaces, who works where (memberships), and the regional chapters they host."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Space(models.Model):
    """A coworking centre: Betacowork in Brussels, or a partner space of a chapter."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    city = models.CharField(_("city"), max_length=80)
    address = models.CharField(_("address"), max_length=255, blank=True)
    network = models.CharField(
        _("network"), max_length=80, blank=True, help_text=_("For example Cowallonia.")
    )
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("space")
        verbose_name_plural = _("spaces")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"

    def get_absolute_url(self) -> str:
        return reverse("members:space", kwargs={"slug": self.slug})


class Membership(models.Model):
    """A person's plan at a space, managed by staff."""

    class Plan(models.TextChoices):
        RESIDENT = "resident", _("Resident (fixed desk)")
        FLEX = "flex", _("Flex desk")
        COMMUNITY = "community", _("Community")
        OFFICE = "office", _("Private office")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        ENDED = "ended", _("Ended")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    space = models.ForeignKey(
        Space, verbose_name=_("space"), on_delete=models.PROTECT, related_name="memberships"
    )
    plan = models.CharField(_("plan"), max_length=12, choices=Plan.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="members_membership_end_after_start",
                violation_error_message=_("A membership cannot end before it starts."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.space.name} ({self.get_plan_display()})"


class ChapterQuerySet(models.QuerySet):
    def organised_by(self, user) -> ChapterQuerySet:
        """The chapters `user` runs (`members.organise_chapter`): all of them for staff
        (`members.rules.is_staff`: active superusers too)."""
        from ..rules import chapter_organiser_q, is_staff

        return self if is_staff(user) else self.filter(chapter_organiser_q(user))


class Chapter(models.Model):
    """A regional antenna, hosted by a partner space and led by local organisers."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PLANNED = "planned", _("In discussion")

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    space = models.ForeignKey(
        Space, verbose_name=_("host space"), on_delete=models.PROTECT, related_name="chapters"
    )
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    places = models.CharField(
        _("cities and regions"),
        max_length=255,
        blank=True,
        help_text=_(
            "The chapter's area, separated by commas (e.g. Charleroi, Hainaut): members who "
            "live or work there but belong to another space are its diaspora."
        ),
    )
    organisers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("organisers"),
        blank=True,
        related_name="organised_chapters",
    )
    followers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("followers"),
        blank=True,
        related_name="followed_chapters",
    )

    objects = ChapterQuerySet.as_manager()

    class Meta:
        verbose_name = _("chapter")
        verbose_name_plural = _("chapters")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("chapters:detail", kwargs={"slug": self.slug})

    @property
    def place_list(self) -> list[str]:
        return [p.strip() for p in self.places.split(",") if p.strip()]
