"""The directory on SQLite (the embedded default): querysets on the profile rows.

A search matches the profile's folded `search_document` (its words, its terms' names and
synonyms in three languages, see `members.search`) with LIKE; the filters are plain
lookups. The same members, totals and orders as `members.directory.postgres`, and for best
match the same name tiers (the whole name, then every word a word of the name, then every
word the start of one, then the rest), each by name.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.postgres.search import SearchQueryField
from django.db import connection
from django.db.backends.signals import connection_created
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RowRange
from django.db.models.functions import Cast, Concat, Length, Replace, Substr
from django.db.models.lookups import Exact
from django.dispatch import receiver
from django.utils import timezone

from ..models import Membership, Profile, ProfileSearch
from ..search import FACET_PLACE, FOLDED_LONGER, facets_tsquery, fold, search_filter
from .cards import CARD_FIELDS, profile_cards
from .query import JOINED_CHOICES, DirectoryQuery

FOLD_FUNCTION = "members_fold"


@receiver(connection_created)
def _fold_function(sender, connection, **kwargs) -> None:
    """`fold()` in SQL on every SQLite connection, as `members_fold(text)`: what a place is
    compared by (SQLite's own case-insensitive match knows neither accents nor "È")."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(FOLD_FUNCTION, 1, fold, deterministic=True)


def place_filter(place: str) -> Q:
    """Profiles whose city or region is `place`, accents, case and spacing aside (`fold()`,
    as PostgreSQL's place lexemes and `profiles_in_places()` compare them); a place of
    punctuation only names none. On PostgreSQL (the profile rows are read there to check its
    search rows against them) by those lexemes."""
    folded = fold(place)
    if not folded:
        return Q(pk__in=[])
    if connection.vendor == "postgresql":
        lexeme = Cast(Value(facets_tsquery([(FACET_PLACE, folded)])), SearchQueryField())
        facet = Func(
            F("search_vector"),
            lexeme,
            arg_joiner=" @@ ",
            template="(%(expressions)s)",
            output_field=BooleanField(),
        )
        return Q(Exists(ProfileSearch.objects.filter(facet, profile_id=OuterRef("pk"))))
    city, region = (
        Func(F(name), function=FOLD_FUNCTION, output_field=CharField())
        for name in ("city", "region")
    )
    return Q(Exact(city, folded)) | Q(Exact(region, folded))


def space_members_filter(space_id: int | OuterRef) -> Q:
    """People of a space: it is their home space, or they hold an active membership there.

    `space_id` is a space's id, or `OuterRef("pk")` inside a query on spaces (the counts of
    `members.selectors.spaces_with_member_counts()`)."""
    membership_space = OuterRef(space_id) if isinstance(space_id, OuterRef) else space_id
    return Q(home_space_id=space_id) | Q(
        Exists(
            Membership.objects.filter(
                user_id=OuterRef("user_id"),
                space_id=membership_space,
                status=Membership.Status.ACTIVE,
            )
        )
    )


def folded_name():
    """The profile's folded name: the start of its `search_document`, which begins with it
    (`members.search.profile_document`) and is as long as the name for names of letters,
    spaces, hyphens and apostrophes — one more for each letter folded into two ("ß", "æ"…)."""
    name = F("display_name")
    for letter in FOLDED_LONGER:
        name = Replace(name, Value(letter), Value(fold(letter)))
    return Substr("search_document", 1, Length(name))


def name_order() -> list:
    """A list of profiles' order by name, as a reader orders names: accents and case aside
    ("Élodie" among the E's, "de Smet" among the D's), then as written, then by id.

    On SQLite, whose own order is by code point ("Zoë" before "Élodie", "Zoe" before "de"),
    by `folded_name()` first; PostgreSQL's database collation orders names so already."""
    if connection.vendor == "postgresql":
        return ["display_name", "pk"]
    return [folded_name(), "display_name", "pk"]


def name_tier(words: list[str]) -> tuple[Concat, Case]:
    """(the folded name between spaces, to annotate as `name_padded`; the tier: 0 the whole
    name is the search, 1 every word is a word of the name, 2 every word starts one, 3 the
    rest) — what best match orders by first."""
    padded = Concat(Value(" "), folded_name(), Value(" "))
    whole, prefix = Q(), Q()
    for word in words:
        whole &= Q(name_padded__contains=f" {word} ")
        prefix &= Q(name_padded__contains=f" {word}")
    return padded, Case(
        When(Q(name_padded=f" {' '.join(words)} "), then=Value(0)),
        When(whole, then=Value(1)),
        When(prefix, then=Value(2)),
        default=Value(3),
    )


def _facets(qs: QuerySet[Profile], query: DirectoryQuery) -> QuerySet[Profile]:
    if query.skill:
        qs = qs.filter(skills=query.skill)
    if query.offer:
        qs = qs.filter(offers=query.offer)
    if query.seek:
        qs = qs.filter(seeks=query.seek)
    if query.space:
        qs = qs.filter(space_members_filter(query.space.pk))
    if query.place:
        qs = qs.filter(place_filter(query.place))
    if query.language and connection.vendor == "postgresql":
        # The profile rows are read on PostgreSQL too: to check its search rows against them.
        qs = qs.filter(languages__contains=[query.language])
    elif query.language:
        qs = qs.filter(languages__icontains=f'"{query.language}"')
    if query.plan:
        qs = qs.filter(
            Exists(
                Membership.objects.filter(
                    user_id=OuterRef("user_id"),
                    plan=query.plan,
                    status=Membership.Status.ACTIVE,
                )
            )
        )
    if query.joined:
        since = timezone.localdate() - timedelta(days=JOINED_CHOICES[query.joined])
        qs = qs.filter(
            Q(member_since__gte=since) | Q(member_since__isnull=True, created_at__date__gte=since)
        )
    return qs


def directory_profiles(*, user, query: DirectoryQuery) -> QuerySet[Profile]:
    """The directory's list from the profile rows, in its order: every filter of `query`,
    visible to `user`."""
    qs = _facets(search_filter(Profile.objects.visible_to(user), query.words), query)
    if query.sort == "recent":
        qs = qs.order_by(F("member_since").desc(nulls_last=True), "-pk")
    elif query.sort == "relevance" and query.words:
        padded, tier = name_tier(query.words)
        qs = qs.annotate(name_padded=padded).annotate(name_tier=tier)
        qs = qs.order_by("name_tier", *name_order())
    else:
        qs = qs.order_by(*name_order())
    return profile_cards(qs)


def page_ids(qs: QuerySet[Profile]):
    """(pk, total) rows of a Profile queryset in its order: the total counted in the same pass."""
    order = [
        (F(o[1:]).desc() if o.startswith("-") else F(o).asc()) if isinstance(o, str) else o
        for o in qs.query.order_by
    ]
    total = Window(Count("pk"), order_by=order, frame=RowRange(start=None, end=None))
    return qs.annotate(directory_total=total).values_list("pk", "directory_total")


def profile_page_fetch(qs: QuerySet[Profile], *, user, per_page: int):
    """A `fetch(number) -> (cards, total)` for a Profile queryset: the page's ids and the
    total in one pass, then the cards by primary key."""
    ids_qs = page_ids(qs)

    def fetch(number: int) -> tuple[list[Profile], int]:
        rows = list(ids_qs[(number - 1) * per_page : number * per_page])
        if not rows:
            return [], (qs.count() if number > 1 else 0)
        ids = [pk for pk, _total in rows]
        cards = {
            p.pk: p for p in profile_cards(Profile.objects.visible_to(user).filter(pk__in=ids))
        }
        return [cards[pk] for pk in ids if pk in cards], rows[0][1]

    return fetch


def profiles_in_places(
    *, viewer, places: list[str], exclude_space_id: int | None, limit: int | None
) -> tuple[list[Profile], int]:
    """`members.directory.profiles_in_places()` on SQLite: the profiles whose folded
    `search_document` holds one of the (folded) places, their city and region then compared
    folded (the document also holds bios). One query."""
    in_a_place = Q()
    for place in places:
        in_a_place |= Q(search_document__contains=place)
    in_a_space = Q(home_space__isnull=False) | Q(
        Exists(
            Membership.objects.filter(user_id=OuterRef("user_id"), status=Membership.Status.ACTIVE)
        )
    )
    qs = Profile.objects.visible_to(viewer).filter(in_a_place, in_a_space)
    if exclude_space_id is not None:
        qs = qs.exclude(space_members_filter(exclude_space_id))
    found = [
        profile
        for profile in qs.select_related("company")
        .only(*CARD_FIELDS, "city", "region")
        .order_by(*name_order())
        if fold(profile.city) in places or fold(profile.region) in places
    ]
    return (found if limit is None else found[:limit]), len(found)
