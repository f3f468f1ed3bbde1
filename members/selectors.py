"""Reads of the members app: querysets with what each page needs.

Every list of people starts from `Profile.objects.visible_to(user)`. The directory's search
lives in `members.directory` (`directory_query()` and `directory_search()`); its older names
are re-exported here.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import (
    Exists,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Replace
from django.utils.translation import get_language

from .directory import (  # noqa: F401 - re-exported: the directory's older names
    JOINED_CHOICES,
    MAX_PAGE,
    PER_PAGE,
    SORTS,
    DirectoryQuery,
    DirectoryResult,
    directory_choices,
    directory_notice_page,
    directory_options,
    directory_parse,
    directory_query,
    directory_search,
    profiles_in_places,
)
from .directory.cards import CARD_COLUMNS, CARD_FIELDS, profile_cards  # noqa: F401
from .directory.postgres import (  # noqa: F401
    directory_list_page,
    directory_search_page,
    directory_search_sql,
)
from .directory.postgres_count import space_people_kept, visible_total
from .directory.postgres_places import space_people_rows
from .directory.sqlite import (  # noqa: F401
    directory_profiles,
    folded_name,
    name_order,
    space_members_filter,
)
from .models import Company, Membership, Profile, Space, Term, Visibility
from .panels import company_party_sources
from .rules import is_staff, viewer_class
from .search import fold


def profile_list(*, user) -> QuerySet[Profile]:
    return profile_cards(Profile.objects.visible_to(user)).order_by(*name_order())


def community_figures(*, user) -> dict:
    """Headline figures for the home page: how many people `user` may see in all and in each
    space (`spaces_with_member_counts()`) — the numbers the directory and the space pages
    show the same viewer."""
    if connection.vendor == "postgresql":
        members = visible_total(user)  # the per-visibility counts the triggers keep
    else:
        members = Profile.objects.visible_to(user).count()
    return {"members": members, "spaces": spaces_with_member_counts(user=user)}


# --- people of a space ---------------------------------------------------------------------
# (The directory itself: `members.directory`, its one selector and the per-database code.)


def space_people(*, user, space: Space | int | OuterRef) -> QuerySet[Profile]:
    """The people of `space` that `user` may see: the one answer to "how many members has
    this space?".

    The space page lists them (`space_members()`), the home page counts them per space
    (`spaces_with_member_counts()`), the directory's space filter applies the same
    `space_members_filter()` (on PostgreSQL it reads the search rows' space lexemes, which
    `members.search.lexemes()` builds from the same home space and active memberships).
    """
    space_id = space.pk if isinstance(space, Space) else space
    return Profile.objects.visible_to(user).filter(space_members_filter(space_id))


def spaces_with_member_counts(*, user) -> list[Space]:
    """Every space, by name, with `member_count`: its `space_people()` for `user`, in one
    query. On PostgreSQL, from the counts kept per facet (the space's) and visibility
    (`directory.postgres_count.space_people_kept()`), or for a member whose own profile is
    hidden by counting the search rows' space lexemes
    (`directory.postgres_places.space_people_rows()`); elsewhere a correlated count per space."""
    cls = viewer_class(user)
    postgres = connection.vendor == "postgresql"
    if postgres and cls is not None:
        counted = space_people_kept(cls, OuterRef("pk"))
    else:
        people = (space_people_rows if postgres else space_people)(user=user, space=OuterRef("pk"))
        counted = Subquery(people.order_by().values(n=Func(F("pk"), function="COUNT")))
    return list(Space.objects.annotate(member_count=Coalesce(counted, 0)).order_by("name"))


# --- single pages ----------------------------------------------------------------------------


def profile_detail(*, user) -> QuerySet[Profile]:
    """Profiles `user` may open, with everything the profile page shows."""
    return (
        Profile.objects.visible_to(user)
        .select_related("company", "home_space", "user")
        .prefetch_related(
            "skills",
            "offers",
            "seeks",
            Prefetch(
                "user__memberships",
                queryset=Membership.objects.select_related("space").order_by("-start"),
            ),
        )
    )


def profile_contact(*, profile: Profile, viewer) -> dict:
    """The contact details `viewer` may see on `profile`.

    Anonymous visitors never see contact details; members see what the owner shared with
    members (or the public); the owner and staff see everything.
    """
    contact = {"email": "", "phone": "", "can_see_all": False}
    if viewer is None or not viewer.is_authenticated:
        return contact
    everything = viewer.has_perm("members.view_contact_details", profile)
    shared = {Visibility.PUBLIC, Visibility.MEMBERS}
    if everything or profile.email_visibility in shared:
        contact["email"] = profile.user.email
    if profile.phone and (everything or profile.phone_visibility in shared):
        contact["phone"] = profile.phone
    contact["can_see_all"] = everything
    return contact


def profile_renamed(*, user, slug: str) -> Profile | None:
    """The profile whose address was `slug` before its owner renamed themselves, if `user`
    may see it (else None, as for an address nobody had)."""
    return Profile.objects.visible_to(user).filter(old_slugs__slug=slug).only("slug").first()


def company_members(*, user, company) -> QuerySet[Profile]:
    return profile_cards(
        Profile.objects.visible_to(user).filter(company=company).order_by(*name_order())
    )


def space_members(*, user, space) -> QuerySet[Profile]:
    return profile_cards(space_people(user=user, space=space).order_by(*name_order()))


def companies_visible_to(*, user, with_page: bool = False) -> QuerySet[Company]:
    """The companies `user` may see in the company autocomplete: those with someone `user`
    may see — a company named after a hidden (or deactivated) member alone would say they
    are a member —, and those staff described (a website, a description). Staff see every
    company, as they see every profile.

    `with_page`: the companies whose page `user` may open — the same, and those another
    app's rows name for `user` (`members.panels.register_company_party_source`: a
    collaboration's party that is the company itself, or a member `user` may see taking part
    for it). A row naming a member hidden from `user` does not open it: the page would say
    they work there."""
    if is_staff(user):
        return Company.objects.all()
    shown = Exists(Profile.objects.visible_to(user).filter(company_id=OuterRef("pk")))
    shown |= ~Q(website="") | ~Q(description="")
    if with_page:
        for rows in company_party_sources(user):
            shown |= Exists(rows.filter(company_id=OuterRef("pk")))
    return Company.objects.filter(shown)


def companies_to_suggest(*, user) -> QuerySet[Company]:
    """The companies `user` may be offered when typing one (the profile form), by name."""
    return companies_visible_to(user=user).order_by("name", "pk")


def people_autocomplete(*, user, q: str, limit: int = 10, among=None) -> list[dict]:
    """Visible people whose name contains `q`, ignoring accents and case ("lea" finds "Léa",
    "zoe" "Zoë"), by name, in one query: the people picker of every form. `among`: the
    profiles a form may name, when it narrows the ones `user` may see (default: those)."""
    q = " ".join(q.split())[:60]
    folded = fold(q)
    if len(folded) < 2:
        return []
    compact = folded.replace(" ", "")
    # The directory's folded document starts with the folded name (`search.profile_document`),
    # which is as long as the name itself for names of letters, spaces, hyphens and
    # apostrophes, one longer per letter folded into two (`folded_name()`): that prefix is
    # the name as the directory searches it, on SQLite and PostgreSQL alike. The plain match
    # covers the rare name whose folding changes its length otherwise; the name without its
    # spaces, one typed run together ("vanderberg", "jeanluc", "obrien"), as the directory.
    rows = (
        (Profile.objects.visible_to(user) if among is None else among)
        .annotate(
            folded_name=folded_name(),
            compact_name=Replace(folded_name(), Value(" "), Value("")),
        )
        .filter(
            Q(folded_name__contains=folded)
            | Q(display_name__icontains=q)
            # Not for a few letters: "ad" would find "Léa Dubois" across her two names.
            | (Q(compact_name__contains=compact) if len(compact) >= 5 else Q(pk__in=[]))
        )
        .select_related("company")
        .only("slug", "display_name", "headline", "company__name")
        .order_by(*name_order())[:limit]
    )
    return [
        {
            "name": p.display_name,
            "slug": p.slug,
            "url": p.get_absolute_url(),
            "headline": p.headline,
            "company": p.company.name if p.company else "",
        }
        for p in rows
    ]


def _term_match(term: Term, folded: str, lang: str) -> tuple[int, str] | None:
    """(how well `term` matches the folded text typed — 0 its name in `lang` starts with it,
    1 another name or synonym starts with it, 2 it is inside one —, the name or synonym
    matched), or None."""
    shown = term.label(lang)
    names = [shown, term.name_en, term.name_fr, term.name_nl, *term.synonym_list]
    names.append(term.slug.replace("-", " "))
    best: tuple[int, str] | None = None
    for name in names:
        words = fold(name)
        if not words or folded not in words:
            continue
        starts = words.startswith(folded) or f" {folded}" in f" {words}"
        score = (0 if name == shown else 1) if starts else 2
        if best is None or score < best[0]:
            best = (score, name)
    return best


def terms_autocomplete(*, user, q: str, limit: int = 10) -> list[dict]:
    """Terms `user` may use (approved ones, and their own proposals) whose name in English,
    French or Dutch, a synonym or the slug contains `q`, ignoring accents and case
    ("referencement" finds "référencement", "VERTAL" "vertaling"), in one query: the
    vocabulary picker of the profile form.

    Each result is named in the active language (the member's): `name`; `matched` is the
    other name or synonym that was typed, when it differs ("vertaling" for "translation").
    Names starting with what was typed come first, then by name. Matched in Python on
    SQLite and PostgreSQL alike: the vocabulary is a few hundred rows at most.
    """
    folded = fold(" ".join(q.split())[:60])
    if not folded:
        return []
    lang = (get_language() or "en")[:2]
    found = []
    for term in Term.objects.visible_to(user).order_by("name_en", "pk"):
        match = _term_match(term, folded, lang)
        if match is not None:
            found.append((match[0], fold(term.label(lang)), term, match[1]))
    found.sort(key=lambda row: row[:2])
    return [
        {
            "slug": term.slug,
            "name": term.label(lang),
            "matched": "" if matched == term.label(lang) else matched,
            "proposed": term.status == Term.Status.PROPOSED,
        }
        for _score, _key, term, matched in found[:limit]
    ]


def profile_has_terms(*, user) -> bool:
    """Whether `user` said what they can do, offer or seek: what suggestions are made of (an
    empty list then means nobody matches yet, not that they should fill their profile in)."""
    return (
        Profile.objects.filter(user=user)
        .filter(Q(skills__isnull=False) | Q(offers__isnull=False) | Q(seeks__isnull=False))
        .exists()
    )
