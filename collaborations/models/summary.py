"""The dashboard's running tallies: what the micro-economy dashboard shows, kept up to date by
the services in the same transaction as each change (`collaborations.services.summary`), so
that a request reads a few hundred small rows instead of aggregating the whole ledger.

One row per dimension and key. The key columns a dimension does not use hold 0 or "" (never
NULL: the upsert's ON CONFLICT needs every key column to compare equal), and ids are plain
integers, not foreign keys — names, event kinds and visibility are looked up when the page
is read, so renaming an event or hiding a profile needs no tally change.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

KEY_FIELDS = (
    "dimension",
    "year",
    "kind",
    "origin_type",
    "event_id",
    "user_id",
    "company_id",
    "space_id",
    "chapter_id",
    "organisation",
)


class DashboardTally(models.Model):
    class Dimension(models.TextChoices):
        # Confirmed collaborations (n), how many of them have a value, and that value:
        YEAR = "year", _("by year")  # year
        KIND = "kind", _("by kind")  # kind
        ORIGIN = "origin", _("by origin")  # origin_type, event_id
        INTRODUCER = "introducer", _("by introducer")  # user_id
        PLACE = "place", _("by place")  # space_id, chapter_id
        # Participations in confirmed collaborations (n):
        MEMBER = "member", _("participations by member")  # user_id
        COMPANY = "company", _("participations by company")  # company_id
        ORGANISATION = "organisation", _("participations by outside organisation")  # its key
        # … and by party (the graph's nodes), for each audience's visible collaborations:
        PARTY_PUBLIC = "party-public", _("parties, public collaborations")
        PARTY_MEMBERS = "party-members", _("parties, public and members-only collaborations")

    dimension = models.CharField(_("dimension"), max_length=16, choices=Dimension.choices)
    year = models.IntegerField(_("year"), default=0)
    kind = models.CharField(_("kind"), max_length=20, blank=True, default="")
    origin_type = models.CharField(_("origin"), max_length=20, blank=True, default="")
    event_id = models.BigIntegerField(_("event id"), default=0)
    user_id = models.BigIntegerField(_("member id"), default=0)
    company_id = models.BigIntegerField(_("company id"), default=0)
    space_id = models.BigIntegerField(_("space id"), default=0)
    chapter_id = models.BigIntegerField(_("chapter id"), default=0)
    organisation = models.CharField(_("organisation"), max_length=160, blank=True, default="")
    n = models.IntegerField(_("count"), default=0)
    valued = models.IntegerField(_("with a value"), default=0)
    volume_cents = models.BigIntegerField(_("value in cents"), default=0)

    class Meta:
        verbose_name = _("dashboard tally")
        verbose_name_plural = _("dashboard tallies")
        constraints = [
            models.UniqueConstraint(fields=list(KEY_FIELDS), name="collab_tally_key"),
        ]
        indexes = [
            models.Index(fields=["dimension", "-n"], name="collab_tally_rank_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.dimension}: {self.n}"


class DashboardGeneration(models.Model):
    """One row: how many times the dashboard's inputs changed. `dashboard_invalidate` adds one
    after each change commits; a snapshot built from what generation g showed is served only
    while the generation is still g."""

    n = models.BigIntegerField(_("generation"), default=0)

    class Meta:
        verbose_name = _("dashboard generation")
        verbose_name_plural = _("dashboard generations")

    def __str__(self) -> str:
        return str(self.n)


class DashboardSnapshot(models.Model):
    """The dashboard's figures, charts and graph as rendered for one audience and language,
    with the generation they were read at: an uncached request reads this one row instead of
    computing and drawing the figures again (`collaborations.snapshots`)."""

    class Audience(models.TextChoices):
        PUBLIC = "public", _("visitors")
        MEMBERS = "members", _("members")

    audience = models.CharField(_("audience"), max_length=8, choices=Audience.choices)
    language = models.CharField(_("language"), max_length=8)
    generation = models.BigIntegerField(_("generation"))
    # Which code and catalogues drew it: a new release draws the snapshots again.
    rendering = models.CharField(_("rendering"), max_length=16)
    html = models.TextField(_("rendered figures"))
    built_at = models.DateTimeField(_("built at"))

    class Meta:
        verbose_name = _("dashboard snapshot")
        verbose_name_plural = _("dashboard snapshots")
        constraints = [
            models.UniqueConstraint(fields=["audience", "language"], name="collab_snapshot_key"),
        ]

    def __str__(self) -> str:
        return f"{self.audience}/{self.language} @{self.generation}"
