"""The directory's search rows (PostgreSQL's index of the profiles) and the counts and
changes PostgreSQL's triggers keep beside them."""

from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from .profiles import Profile, ProfileQuerySet, Visibility


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
