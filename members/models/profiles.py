"""Profiles, their companies and the shared vocabulary of terms."""

from __future__ import annotations

import json
from typing import NamedTuple

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .accounts import Language  # noqa: F401
from .spaces import Space


class Company(models.Model):
    name = models.CharField(_("name"), max_length=160)
    slug = models.SlugField(_("slug"), max_length=180, unique=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("members:company", kwargs={"slug": self.slug})


class TermQuerySet(models.QuerySet):
    def visible_to(self, user) -> TermQuerySet:
        """Approved terms, plus the ones `user` proposed (staff see every proposal)."""
        from ..rules import is_staff

        if is_staff(user):
            return self
        if user is not None and user.is_authenticated:
            return self.filter(Q(status=Term.Status.APPROVED) | Q(proposed_by_id=user.pk))
        return self.filter(status=Term.Status.APPROVED)


class Term(models.Model):
    """One entry of the shared vocabulary for skills, offers and seeks, named in en/fr/nl."""

    class Status(models.TextChoices):
        APPROVED = "approved", _("Approved")
        PROPOSED = "proposed", _("Proposed")

    # Unicode allowed: a term named in another script ("日本語") is filtered by a slug that
    # says so (`?skill=日本語`, a query parameter: no URL path takes a term's slug).
    slug = models.SlugField(_("slug"), max_length=80, unique=True, allow_unicode=True)
    name_en = models.CharField(_("name (English)"), max_length=80)
    name_fr = models.CharField(_("name (French)"), max_length=80, blank=True)
    name_nl = models.CharField(_("name (Dutch)"), max_length=80, blank=True)
    synonyms = models.CharField(
        _("synonyms"),
        max_length=255,
        blank=True,
        help_text=_("Other words for this term, separated by commas, in any language."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.APPROVED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposed_terms",
    )

    objects = TermQuerySet.as_manager()

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["name_en"]

    def __str__(self) -> str:
        return self.name

    def label(self, language: str | None = None) -> str:
        lang = (language or get_language() or "en")[:2]
        return getattr(self, f"name_{lang}", "") or self.name_en

    @property
    def synonym_list(self) -> list[str]:
        return [s.strip() for s in self.synonyms.split(",") if s.strip()]

    @property
    def name(self) -> str:
        """The term's name in the active language, falling back to English."""
        lang = (get_language() or "en")[:2]
        return getattr(self, f"name_{lang}", "") or self.name_en


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public: anyone can see it")
    MEMBERS = "members", _("Members only")
    HIDDEN = "hidden", _("Hidden: only me and staff")


class ProfileQuerySet(models.QuerySet):
    def visible_to(self, user) -> ProfileQuerySet:
        """Profiles `user` may see. Every list of people goes through here; the rule is
        `members.rules.profile_visibility_q` (the `members.view_profile` permission)."""
        from ..rules import profile_visibility_q

        condition = profile_visibility_q(user)
        return self if condition is None else self.filter(condition)


class Profile(models.Model):
    """A member's public face in the directory, edited by its owner."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="profile",
    )
    slug = models.SlugField(_("slug"), max_length=180, unique=True)
    display_name = models.CharField(_("display name"), max_length=150)
    headline = models.CharField(_("headline"), max_length=160, blank=True)
    bio = models.TextField(_("bio"), blank=True, max_length=4000)
    avatar = models.ImageField(_("avatar"), upload_to="avatars/", blank=True)
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="profiles",
    )
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    skills = models.ManyToManyField(
        Term, verbose_name=_("skills"), blank=True, related_name="skilled_profiles"
    )
    offers = models.ManyToManyField(
        Term, verbose_name=_("offers"), blank=True, related_name="offering_profiles"
    )
    offers_text = models.CharField(_("what I offer"), max_length=280, blank=True)
    seeks = models.ManyToManyField(
        Term, verbose_name=_("seeks"), blank=True, related_name="seeking_profiles"
    )
    seeks_text = models.CharField(_("what I am looking for"), max_length=280, blank=True)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    home_space = models.ForeignKey(
        Space,
        verbose_name=_("home space"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="home_profiles",
    )
    city = models.CharField(_("city"), max_length=80, blank=True)
    region = models.CharField(_("region"), max_length=80, blank=True)
    website = models.URLField(_("website"), blank=True)
    linkedin = models.URLField(_("LinkedIn"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    visibility = models.CharField(
        _("profile visibility"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.MEMBERS,
    )
    email_visibility = models.CharField(
        _("email visibility"), max_length=10, choices=Visibility.choices, default=Visibility.HIDDEN
    )
    phone_visibility = models.CharField(
        _("phone visibility"), max_length=10, choices=Visibility.choices, default=Visibility.HIDDEN
    )
    hidden_until_login = models.BooleanField(
        _("hidden until first login"),
        default=False,
        help_text=_(
            "Imported people and self-service sign-ups stay hidden until they log in for the "
            "first time."
        ),
    )
    # Set while staff have deactivated the account: the profile is then hidden like any
    # hidden profile (every list, count and search row reads `visibility` alone), and this
    # is the visibility its owner chose, given back on reactivation
    # (`members.services.profile_follow_account`).
    visibility_on_reactivation = models.CharField(
        _("visibility once reactivated"),
        max_length=10,
        choices=Visibility.choices,
        blank=True,
        default="",
        editable=False,
        help_text=_(
            "The account is deactivated: the profile is hidden until staff reactivate it, "
            "then it has this visibility again."
        ),
    )
    member_since = models.DateField(_("member since"), null=True, blank=True)
    avatar_thumb = models.ImageField(
        _("avatar thumbnail"), upload_to="avatars/thumbs/", blank=True, editable=False
    )
    # Denormalised for the directory, rebuilt by members.search.profile_search_refresh()
    # whenever the profile, its company, one of its terms or a membership changes: the cards
    # must not cost a query per member, and SQLite searches this folded text (PostgreSQL
    # searches the vector of `ProfileSearch`, below).
    search_document = models.TextField(_("search document"), blank=True, editable=False)
    card = models.JSONField(_("card data"), default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        ordering = ["display_name"]
        indexes = [
            models.Index(fields=["display_name", "id"], name="members_profile_name_idx"),
            models.Index(fields=["-member_since", "id"], name="members_profile_since_idx"),
            # Counting what `visible_to()` lets a member see reads this small index alone
            # (an index-only scan) instead of the wide profile rows: 1 ms, not 20-40 ms,
            # for the directory's unfiltered total at 10,000 members.
            models.Index(fields=["visibility", "user"], name="members_profile_visible_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("members:profile", kwargs={"slug": self.slug})

    @property
    def initials(self) -> str:
        return initials_of(self.display_name)

    @property
    def avatar_version(self) -> str:
        return avatar_version_of(self.updated_at)


def initials_of(name: str) -> str:
    parts = [p for p in name.split() if p[:1].isalpha()]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


class ProfileSlug(models.Model):
    """An address a profile had before its owner renamed themselves: it answers with a
    permanent redirect to the profile's address, so old links keep working. No profile takes
    a slug another profile had (`members.services.profile_update`)."""

    profile = models.ForeignKey(
        Profile, verbose_name=_("profile"), on_delete=models.CASCADE, related_name="old_slugs"
    )
    slug = models.SlugField(_("slug"), max_length=180, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("former profile address")
        verbose_name_plural = _("former profile addresses")

    def __str__(self) -> str:
        return self.slug


def avatar_version_of(updated_at) -> str:
    """Changes with every save: avatar URLs carry it so browsers may cache them for good."""
    return str(int(updated_at.timestamp())) if updated_at else "0"


class CardCompany(NamedTuple):
    pk: int
    name: str
    slug: str


class Card:
    """What a member card shows, read straight from a row of `members.selectors.CARD_SQL`.

    The directory's filtered pages load their cards in the same statement as their ids and
    total; the card tag (`members_tags.profile_cards`) reads these attributes exactly as it
    reads a `Profile` loaded with `members.selectors.CARD_FIELDS`.
    """

    __slots__ = (
        "_card",
        "avatar_thumb",
        "company",
        "company_id",
        "display_name",
        "headline",
        "job_title",
        "pk",
        "row",
        "slug",
        "updated_at",
    )

    def __init__(self, row) -> None:
        (
            self.pk,
            self.slug,
            self.display_name,
            self.headline,
            self.job_title,
            self.avatar_thumb,
            self.updated_at,
            self._card,
            self.company_id,
            company_name,
            company_slug,
        ) = row
        # Everything the card shows, as read: a rendered card is kept under it
        # (`members.directory.cards.cards_html()`).
        self.row = tuple(row)
        self.company = (
            CardCompany(self.company_id, company_name, company_slug) if self.company_id else None
        )

    @property
    def card(self) -> dict:
        """The card's JSON (skills, offers), decoded when first read."""
        if isinstance(self._card, str):
            self._card = json.loads(self._card)
        return self._card or {}

    initials = Profile.initials
    avatar_version = Profile.avatar_version
    get_absolute_url = Profile.get_absolute_url
