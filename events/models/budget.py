"""What events cost, and the yearly budgets that spending is held against."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# One cost line above this is a typing mistake, not a community event ("a few tens of euros").
MAX_COST_LINE = Decimal("100000.00")


class EventCost(models.Model):
    """One line of what an event cost: the venue, food and drinks, a speaker, other."""

    class Category(models.TextChoices):
        # A context of their own: "Speaker" is also the event page's plural heading, and one
        # msgid cannot be both a singular and a plural in a catalogue.
        VENUE = "venue", pgettext_lazy("budget category", "Venue")
        FOOD = "food", pgettext_lazy("budget category", "Food and drinks")
        SPEAKER = "speaker", pgettext_lazy("budget category", "Speaker")
        OTHER = "other", pgettext_lazy("budget category", "Other")

    event = models.ForeignKey(
        "events.Event", verbose_name=_("event"), on_delete=models.CASCADE, related_name="costs"
    )
    category = models.CharField(
        _("category"), max_length=10, choices=Category.choices, default=Category.OTHER
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    amount = models.DecimalField(
        _("amount (€)"),
        max_digits=9,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_COST_LINE)],
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("cost line")
        verbose_name_plural = _("cost lines")
        ordering = ["event", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(amount__lte=MAX_COST_LINE),
                name="events_eventcost_amount_range",
                violation_error_message=_("A cost is between €0 and €100,000."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: €{self.amount}"


class Budget(models.Model):
    """A year's budget: the whole community's (no chapter) or one chapter's."""

    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    # PROTECT: a budget is a financial record. Deleting a chapter that has budgets is
    # refused (the admin's delete page lists them) rather than erasing its history with it;
    # SET_NULL cannot keep it either, a budget without a chapter being the community's.
    chapter = models.ForeignKey(
        "members.Chapter",
        verbose_name=_("chapter"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="budgets",
        help_text=_("Empty: the whole community's budget."),
    )
    amount = models.DecimalField(
        _("budget (€)"),
        max_digits=11,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    subsidy = models.DecimalField(
        _("of which regional subsidy (€)"),
        max_digits=11,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(Decimal("0"))],
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        ordering = ["-year", "chapter__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "chapter"],
                name="events_budget_one_per_chapter_year",
                violation_error_message=_("This chapter already has a budget for that year."),
            ),
            models.UniqueConstraint(
                fields=["year"],
                condition=Q(chapter__isnull=True),
                name="events_budget_one_community_budget_per_year",
                violation_error_message=_("The community already has a budget for that year."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(subsidy__gte=0) & Q(subsidy__lte=models.F("amount")),
                name="events_budget_amounts",
                violation_error_message=_(
                    "Amounts are positive; the subsidy is within the budget."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} · {self.chapter or _('Community')}: €{self.amount}"
