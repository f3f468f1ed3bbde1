"""Profiles, their companies, the shared vocabulary of terms, and the directory's search rows."""

from __future__ import annotations

import json
from typing import NamedTuple

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
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
        if user is not None and user.is_authenticated:
            if user.is_staff:
                return self
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


class ProfileSearch(models.Model):
    """The directory's index on PostgreSQL: one narrow row per profile.

    Every filtered directory list (a search, a skill, a space, a language, a plan, a place,
    "joined recently", in any order) is answered from these rows, in one statement that also
    reads the page's cards from the profile rows (`members.selectors.directory_search_page()`).

    `search_vector` holds the profile's words (name A; headline, job title and company B;
    what I offer/seek, bio, city and region C) plus lexemes no typed word can produce
    (`members.search.lexemes`): each of its terms as `_t<id>` (weight B: a search for
    "vertaling" is expanded to the terms named so, in any language, and matches `_t<id>`),
    and its facets — skills, offers, seeks, spaces, plans, languages, places — so one GIN
    look-up answers every filter at once. A term's names and synonyms are not copied into
    the rows, which keeps them small: ~340 bytes instead of ~870, and a common word's matches
    on ~500 pages instead of ~1,200.

    Kept by `members.search.profile_search_refresh()`; on PostgreSQL a trigger also copies
    the visibility, owner, name and "member since" whenever a profile row changes them by a
    path that does not refresh (a queryset .update(), raw SQL). Not queried on SQLite
    (searches there match `Profile.search_document`). On PostgreSQL the table also has a
    generated column, `name_lexemes` (the name's lexemes, counted from the vector: migration
    0011), read by the directory's raw SQL only.
    """

    profile = models.OneToOneField(
        Profile,
        verbose_name=_("profile"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="search_row",
    )
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices)
    user_id = models.BigIntegerField(_("user id"))
    display_name = models.CharField(_("display name"), max_length=150)
    member_since = models.DateField(_("member since"), null=True)
    created_on = models.DateField(_("created"), null=True)
    search_vector = SearchVectorField(_("search vector"), null=True)

    # The same columns as a profile's for `visible_to()`: visibility and user_id.
    objects = ProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("profile search row")
        verbose_name_plural = _("profile search rows")

    def __str__(self) -> str:
        return self.display_name


class ProfileCount(models.Model):
    """How many profiles there are of each visibility, as rows to add up (PostgreSQL).

    The directory's unfiltered total (95,000 people a member sees at 100,000 members) was an
    index-only count of every visible profile, 12 ms each time a change made it count again.
    On PostgreSQL statement triggers on `members_profile` (migration 0012) append one row
    per visibility and statement — +n for profiles inserted, -n for those deleted, both for
    an update that moves some — so no writer ever waits on another (nothing is updated in
    place), and a writer that finds more than a few dozen rows folds them into one per
    visibility unless another is doing so. A total is the sum of a handful of rows.
    Not used on SQLite, where the directory counts its page's queryset.
    """

    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices)
    n = models.BigIntegerField(_("profiles"))

    class Meta:
        verbose_name = _("profile count")
        verbose_name_plural = _("profile counts")

    def __str__(self) -> str:
        return f"{self.visibility}: {self.n:+d}"


class FacetCount(models.Model):
    """How many profiles carry each facet, per visibility, as rows to add up (PostgreSQL).

    A facet is a search row's lexeme that begins with "_" (`members.search`): a term, skill,
    offer or seek (`_t3`, `_s3`…), a space (`_sp1`: home space or active membership), a plan,
    a language, a place. Statement triggers on `members_profilesearch` (migration 0013)
    append, per statement, one row per facet and visibility it moved, from the rows' own
    lexemes — the same profiles the directory's filters find —, and fold them every few
    hundred statements, as `ProfileCount`'s are folded. They answer the home page's people
    per space (62 ms for three spaces at 100,000 members, counted) and a directory list
    filtered by one facet, or searched for one word whose term alone passes the cap, without
    counting (`members.directory.postgres_count.kept_total()`). Not used on SQLite, nor for a
    member whose own profile is hidden (their own profile counts too)."""

    lexeme = models.CharField(_("facet"), max_length=200)
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices)
    n = models.BigIntegerField(_("profiles"))

    class Meta:
        verbose_name = _("facet count")
        verbose_name_plural = _("facet counts")
        indexes = [models.Index(fields=["lexeme"], name="members_facetcount_lexeme")]

    def __str__(self) -> str:
        return f"{self.lexeme}, {self.visibility}: {self.n:+d}"


class SearchChange(models.Model):
    """A search row as it was before a change, or is after it, kept for a while (PostgreSQL).

    A filtered directory list's count reads nothing but the search rows (`members.directory.
    postgres_count`): once counted, it can be brought up to date with the rows changed since
    instead of counted again after every change (4-6 ms for a list of three facets at
    100,000 members). Statement triggers on `members_profilesearch` (migration 0014) append,
    for each row a statement inserts, deletes or changes, its old image (`sign` -1) and its
    new one (+1), with the id of the transaction that wrote them (`xid`): a count taken under
    a snapshot is brought up to date by the rows of the transactions that snapshot did not
    see, matched with the list's own conditions. A statement moving more than a few dozen
    rows, and each pruning of the table, append a *mark* instead (`sign` 0, no image): a
    count that did not see a mark is counted again. Not used on SQLite."""

    xid = models.BigIntegerField(_("transaction"))
    sign = models.SmallIntegerField(_("change"))
    # A mark has no image: NULL in every column of one, the visibility too.
    visibility = models.CharField(  # noqa: DJ001
        _("visibility"), max_length=10, choices=Visibility.choices, null=True
    )
    user_id = models.BigIntegerField(_("user id"), null=True)
    member_since = models.DateField(_("member since"), null=True)
    created_on = models.DateField(_("created"), null=True)
    search_vector = SearchVectorField(_("search vector"), null=True)

    class Meta:
        verbose_name = _("search row change")
        verbose_name_plural = _("search row changes")
        indexes = [models.Index(fields=["xid"], name="members_searchchange_xid")]

    def __str__(self) -> str:
        return f"{self.xid}: {self.sign:+d}"
