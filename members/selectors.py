"""Reads of the members app: querysets with what each page needs.

Every list of people starts from `Profile.objects.visible_to(user)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection
from django.db.models import Exists, F, Func, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Length, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from betacowork.db import fetchall_prepared
from betacowork.numbers import parse_int

from .models import (
    SPOKEN_LANGUAGES,
    Card,
    Membership,
    Profile,
    Space,
    Term,
    Visibility,
)
from .rules import profile_visibility_sql
from .search import (
    FACET_LANGUAGE,
    FACET_OFFER,
    FACET_PLACE,
    FACET_PLAN,
    FACET_SEEK,
    FACET_SKILL,
    FACET_SPACE,
    MAX_QUERY_CHARS,
    MAX_QUERY_WORDS,
    facets_tsquery,
    fold,
    query_words,
    search_filter,
    term_words,
    words_tsquery,
)

# Only what a card shows: the directory, company and space pages render many of them.
CARD_FIELDS = (
    "pk",
    "slug",
    "display_name",
    "headline",
    "job_title",
    "avatar_thumb",
    "updated_at",
    "card",
    "visibility",
    "company__name",
    "company__slug",
)


def profile_cards(qs: QuerySet[Profile]) -> QuerySet[Profile]:
    return qs.select_related("company").only(*CARD_FIELDS)


def profile_list(*, user) -> QuerySet[Profile]:
    return profile_cards(Profile.objects.visible_to(user)).order_by("display_name", "pk")


def community_figures(*, user) -> dict:
    """Headline figures for the home page: how many people `user` may see in all and in each
    space (`spaces_with_member_counts()`) — the numbers the directory and the space pages
    show the same viewer."""
    return {
        "members": Profile.objects.visible_to(user).count(),
        "spaces": spaces_with_member_counts(user=user),
    }


# --- the directory ---------------------------------------------------------------------------

JOINED_CHOICES = {"30": 30, "90": 90, "365": 365}
SORTS = ("name", "recent", "relevance")
PER_PAGE = 24
MAX_PAGE = 10_000


@dataclass
class DirectoryQuery:
    """The directory's filters, read leniently from a query string.

    Anything unknown or malformed is dropped with a notice the page shows; nothing here
    raises, so no query string can make the page fail.
    """

    q: str = ""
    words: list[str] = field(default_factory=list)
    skill: Term | None = None
    offer: Term | None = None
    seek: Term | None = None
    space: Space | None = None
    place: str = ""
    language: str = ""
    plan: str = ""
    joined: str = ""
    sort: str = "name"
    sort_param: str = ""  # what the visitor chose; "" = best match when searching, else name
    page: int = 1
    notices: list[str] = field(default_factory=list)

    @property
    def filtered(self) -> bool:
        return bool(
            self.words
            or self.skill
            or self.offer
            or self.seek
            or self.space
            or self.place
            or self.language
            or self.plan
            or self.joined
        )

    def params(self, **override) -> dict[str, str]:
        """The canonical query string, for shareable links and pagination."""
        values = {
            "q": self.q,
            "skill": self.skill.slug if self.skill else "",
            "offers": self.offer.slug if self.offer else "",
            "seeks": self.seek.slug if self.seek else "",
            "space": self.space.slug if self.space else "",
            "place": self.place,
            "language": self.language,
            "plan": self.plan,
            "joined": self.joined,
            "sort": self.sort_param,
        }
        values.update(override)
        return {k: v for k, v in values.items() if v not in ("", None)}

    @property
    def default_sort(self) -> str:
        return "relevance" if self.words else "name"


def directory_options(*, user) -> dict:
    """The filter form's rows (approved terms, spaces) and the word-to-term index a search
    is expanded with (every term, proposed ones included: profiles may use them).
    Two queries; cacheable."""
    every_term = list(Term.objects.order_by("name_en"))
    spaces = list(Space.objects.order_by("name").only("pk", "slug", "name", "city"))
    return {
        "terms": [t for t in every_term if t.status == Term.Status.APPROVED],
        "spaces": spaces,
        "term_words": term_words(every_term),
    }


def directory_choices() -> dict:
    """The filter form's fixed choices, in the active language (no query)."""
    return {
        "languages": SPOKEN_LANGUAGES,
        "plans": Membership.Plan.choices,
        "joined": [
            ("30", _("in the last month")),
            ("90", _("in the last 3 months")),
            ("365", _("in the last year")),
        ],
    }


def _one(params, name: str) -> str:
    values = params.getlist(name) if hasattr(params, "getlist") else [params.get(name, "")]
    return (values[-1] if values else "") or ""


def directory_parse(params, *, options: dict) -> DirectoryQuery:
    query = DirectoryQuery()
    notices = query.notices

    raw_q = " ".join(_one(params, "q").split())
    if len(raw_q) > MAX_QUERY_CHARS:
        notices.append(
            _("Your search was cut to its first %(n)d characters.") % {"n": MAX_QUERY_CHARS}
        )
        raw_q = raw_q[:MAX_QUERY_CHARS]
    query.q = raw_q
    query.words = query_words(raw_q)
    if len(set(raw_q.split())) > MAX_QUERY_WORDS and query.words:
        notices.append(
            _("Only the first %(n)d words of your search are used.") % {"n": MAX_QUERY_WORDS}
        )

    terms = {t.slug: t for t in options["terms"]}
    for param, attr, label in (
        ("skill", "skill", _("skill")),
        ("offers", "offer", _("offer")),
        ("seeks", "seek", _("seek")),
    ):
        slug = _one(params, param).strip()[:80]
        if slug:
            if slug in terms:
                setattr(query, attr, terms[slug])
            else:
                notices.append(
                    _("There is no %(what)s called “%(value)s”: that filter was ignored.")
                    % {"what": label, "value": slug}
                )

    space_slug = _one(params, "space").strip()[:120]
    if space_slug:
        spaces = {s.slug: s for s in options["spaces"]}
        if space_slug in spaces:
            query.space = spaces[space_slug]
        else:
            notices.append(
                _("There is no space called “%(value)s”: that filter was ignored.")
                % {"value": space_slug}
            )

    place = " ".join(_one(params, "place").split())
    if len(place) > 80:
        notices.append(_("The city or region was too long and was ignored."))
        place = ""
    query.place = place

    language = _one(params, "language").strip()
    if language:
        if language in dict(options["languages"]):
            query.language = language
        else:
            notices.append(
                _("Unknown language “%(value)s”: that filter was ignored.")
                % {"value": language[:20]}
            )

    plan = _one(params, "plan").strip()
    if plan:
        if plan in dict(options["plans"]):
            query.plan = plan
        else:
            notices.append(
                _("Unknown plan “%(value)s”: that filter was ignored.") % {"value": plan[:20]}
            )

    joined = _one(params, "joined").strip()
    if joined:
        if joined in JOINED_CHOICES:
            query.joined = joined
        else:
            notices.append(_("“Joined” must be 30, 90 or 365 days: that filter was ignored."))

    sort = _one(params, "sort").strip()
    query.sort = query.default_sort
    if sort:
        if sort == "relevance":
            query.sort_param = sort  # without a search, relevance means name order
        elif sort in SORTS:
            query.sort = query.sort_param = sort
        else:
            notices.append(
                _("Unknown sort order “%(value)s”: sorted by name.") % {"value": sort[:20]}
            )

    page = _one(params, "page").strip()
    if page:
        if parse_int(page, minimum=1, max_digits=6) is not None:
            query.page = int(page)
        elif page == "last":
            query.page = MAX_PAGE
        else:
            notices.append(
                _("“%(value)s” is not a page number: showing the first page.")
                % {"value": page[:20]}
            )
    return query


def space_members_filter(space_id: int | OuterRef) -> Q:
    """People of a space: it is their home space, or they hold an active membership there.

    `space_id` is a space's id, or `OuterRef("pk")` inside a query on spaces (the counts of
    `spaces_with_member_counts()`)."""
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
    """Every space, by name, with `member_count`: its `space_people()` for `user`, counted in
    one query (a correlated count per space)."""
    counted = (
        space_people(user=user, space=OuterRef("pk"))
        .order_by()
        .values(n=Func(F("pk"), function="COUNT"))
    )
    return list(
        Space.objects.annotate(member_count=Coalesce(Subquery(counted), 0)).order_by("name")
    )


def directory_profiles(*, user, query: DirectoryQuery) -> QuerySet[Profile]:
    """The directory's list from the profile rows: SQLite's, and PostgreSQL's unfiltered one
    (a filtered list there comes from `directory_search_page()`). Best match means name
    order here."""
    qs = search_filter(Profile.objects.visible_to(user), query.words)
    if query.skill:
        qs = qs.filter(skills=query.skill)
    if query.offer:
        qs = qs.filter(offers=query.offer)
    if query.seek:
        qs = qs.filter(seeks=query.seek)
    if query.space:
        qs = qs.filter(space_members_filter(query.space.pk))
    if query.place:
        qs = qs.filter(Q(city__iexact=query.place) | Q(region__iexact=query.place))
    if query.language:
        if connection.vendor == "postgresql":
            qs = qs.filter(languages__contains=[query.language])
        else:
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
    if query.sort == "recent":
        qs = qs.order_by(F("member_since").desc(nulls_last=True), "-pk")
    else:
        qs = qs.order_by("display_name", "pk")
    return profile_cards(qs)


_ORDER = {
    "relevance": "rank DESC, display_name, {id}",
    "name": "display_name, {id}",
    "recent": "member_since DESC NULLS LAST, {id} DESC",
}

# What a member card reads (`members.models.Card`), from `members_profile p` and
# `members_company c`.
CARD_COLUMNS = (
    "p.id, p.slug, p.display_name, p.headline, p.job_title, p.avatar_thumb, p.updated_at, "
    "p.card, p.company_id, c.name, c.slug"
)


_visible_sql = profile_visibility_sql  # the `members.view_profile` rule as SQL


def _cards_sql(page: str, visible: str) -> str:
    """A statement returning (total, *CARD_COLUMNS) rows, one per card of the page in order
    (one row of NULL cards when the page is empty). `page` is SQL that defines the CTE
    `page (total, ids)`; the cards' profile rows are checked against `visible` again."""
    check = " AND " + visible.format(t="p.") if visible else ""
    return f"""
        WITH {page}
        SELECT page.total, {CARD_COLUMNS}
        FROM page
        LEFT JOIN LATERAL unnest(page.ids) WITH ORDINALITY AS x (id, n) ON TRUE
        LEFT JOIN members_profile p ON p.id = x.id{check}
        LEFT JOIN members_company c ON c.id = p.company_id
        ORDER BY x.n
    """  # noqa: S608 - only fixed fragments are interpolated; values are parameters


def directory_search_sql(*, user, query: DirectoryQuery, term_index) -> tuple[str, dict]:
    """The SQL of `directory_search_page()` and its parameters (without the page's)."""
    params: dict = {}
    where: list[str] = []
    words = words_tsquery(query.words, term_index) if query.words else ""
    facets = []
    for prefix, row in (
        (FACET_SKILL, query.skill),
        (FACET_OFFER, query.offer),
        (FACET_SEEK, query.seek),
        (FACET_SPACE, query.space),
    ):
        if row:
            facets.append((prefix, row.pk))
    for prefix, value in (
        (FACET_LANGUAGE, query.language),
        (FACET_PLAN, query.plan),
        (FACET_PLACE, query.place),
    ):
        if fold(value):
            facets.append((prefix, fold(value)))
    match = " & ".join(x for x in (words and f"({words})", facets_tsquery(facets)) if x)
    if query.place and not fold(query.place):
        where.append("FALSE")  # a place of punctuation only names no place
    if match:
        where.append("search_vector @@ %(match)s::tsquery")
        params["match"] = match
    visible = _visible_sql(user, params)
    if visible:
        where.append(visible.format(t=""))
    if query.joined:
        where.append(
            "(member_since >= %(since)s OR (member_since IS NULL AND created_on >= %(since)s))"
        )
        params["since"] = timezone.localdate() - timedelta(days=JOINED_CHOICES[query.joined])
    rank = ""
    sort = query.sort
    if sort == "relevance":
        if words:
            rank = ", ts_rank(search_vector, %(words)s::tsquery) AS rank"
            params["words"] = words
        else:
            sort = "name"
    # The matches are read once (MATERIALIZED): counted, and the page's ids picked by a
    # top-N sort (a window count over the ordered matches sorted all of them instead).
    page = f"""
        m AS MATERIALIZED (
            SELECT profile_id, display_name, member_since{rank}
            FROM members_profilesearch
            WHERE {" AND ".join(where) or "TRUE"}
        ), page AS (
            SELECT (SELECT count(*) FROM m) AS total,
                   ARRAY(SELECT profile_id FROM m ORDER BY {_ORDER[sort].format(id="profile_id")}
                         LIMIT %(limit)s OFFSET %(offset)s) AS ids
        )
    """  # noqa: S608 - only fixed fragments are interpolated; values are parameters
    return _cards_sql(page, visible), params


def _cards_fetch(sql: str, params: dict, *, number: int, per_page: int) -> tuple[list[Card], int]:
    params = {**params, "limit": per_page, "offset": (number - 1) * per_page}
    rows = fetchall_prepared(sql, params)
    return [Card(row[1:]) for row in rows if row[1] is not None], rows[0][0]


def directory_search_page(
    *, user, query: DirectoryQuery, term_index, number: int, per_page: int = PER_PAGE
) -> tuple[list[Card], int]:
    """(the cards of page `number`, total) of a filtered directory list, on PostgreSQL.

    One query on the `ProfileSearch` rows, whatever the filters: a search's words (each
    expanded to the terms it names, `term_index` from `directory_options()`), skill, offer,
    seek, space, language, plan and place are one tsquery the GIN index answers; "joined
    recently" and visibility are checked on the matches. The same rule as
    `Profile.objects.visible_to()` — checked again on the page's profile rows — and the
    same order as `directory_profiles()` but for best match, which ranks by `ts_rank` (name
    A; headline, job, company and terms B; the rest C).
    """
    sql, params = directory_search_sql(user=user, query=query, term_index=term_index)
    return _cards_fetch(sql, params, number=number, per_page=per_page)


def directory_list_page(
    *, user, sort: str, number: int, per_page: int = PER_PAGE, total: int | None = None
) -> tuple[list[Card], int]:
    """(the cards of page `number`, total) of the unfiltered directory, on PostgreSQL.

    One query: the total from the (visibility, user) index alone (unless the caller knows
    it), the page's ids by walking the name index, and their cards — the same list as
    `directory_profiles()`.
    """
    params: dict = {}
    visible = _visible_sql(user, params)
    where = visible.format(t="") or "TRUE"
    order = _ORDER["recent" if sort == "recent" else "name"].format(id="id")
    count = f"(SELECT count(*) FROM members_profile WHERE {where})"  # noqa: S608 - fixed SQL
    if total is not None:
        count = "%(total)s::bigint"
        params["total"] = total
    page = f"""
        page AS (
            SELECT {count} AS total,
                   ARRAY(SELECT id FROM members_profile WHERE {where} ORDER BY {order}
                         LIMIT %(limit)s OFFSET %(offset)s) AS ids
        )
    """  # noqa: S608 - only fixed fragments are interpolated; values are parameters
    return _cards_fetch(_cards_sql(page, visible), params, number=number, per_page=per_page)


def profiles_in_places(
    *, viewer, places: list[str], exclude_space_id: int | None, limit: int | None = PER_PAGE
) -> tuple[list, int]:
    """(the first `limit` cards by name — all of them when None —, how many) of the people
    `viewer` may see whose city or region is one of `places` (accent- and case-insensitive)
    and who belong to a space (home space or active membership, as `space_members_filter()`
    says) but not to `exclude_space_id`: a chapter's region, working elsewhere.

    Answered like the directory's place and space filters, from its search rows: on
    PostgreSQL one statement on the `ProfileSearch` vectors, `('_c<place>' | …) & '_sp':* &
    !'_sp<space>'` answered by their GIN index, with the cards; on SQLite the profiles whose
    folded `search_document` holds one of the places, their city and region then compared
    folded (the document also holds bios). One query either way.
    """
    folded = sorted({fold(place) for place in places} - {""})
    if not folded:
        return [], 0
    if connection.vendor == "postgresql":
        match = "({}) & '{}':*".format(
            " | ".join(facets_tsquery([(FACET_PLACE, place)]) for place in folded), FACET_SPACE
        )
        if exclude_space_id is not None:
            match += " & !" + facets_tsquery([(FACET_SPACE, int(exclude_space_id))])
        params: dict = {"match": match, "limit": limit}
        where = ["search_vector @@ %(match)s::tsquery"]
        visible = _visible_sql(viewer, params)
        if visible:
            where.append(visible.format(t=""))
        page = f"""
            m AS MATERIALIZED (
                SELECT profile_id, display_name FROM members_profilesearch
                WHERE {" AND ".join(where)}
            ), page AS (
                SELECT (SELECT count(*) FROM m) AS total,
                       ARRAY(SELECT profile_id FROM m ORDER BY display_name, profile_id
                             LIMIT %(limit)s) AS ids
            )
        """  # noqa: S608 - only fixed fragments are interpolated; values are parameters
        rows = fetchall_prepared(_cards_sql(page, visible), params)
        return [Card(row[1:]) for row in rows if row[1] is not None], rows[0][0]
    in_a_place = Q()
    for place in folded:
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
        .order_by("display_name", "pk")
        if fold(profile.city) in folded or fold(profile.region) in folded
    ]
    return (found if limit is None else found[:limit]), len(found)


def directory_notice_page(requested: int, last: int) -> str:
    return ngettext(
        "There is only %(last)d page: showing it.",
        "There are only %(last)d pages: showing the last one.",
        last,
    ) % {"last": last}


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


def company_members(*, user, company) -> QuerySet[Profile]:
    return profile_cards(
        Profile.objects.visible_to(user).filter(company=company).order_by("display_name", "pk")
    )


def space_members(*, user, space) -> QuerySet[Profile]:
    return profile_cards(space_people(user=user, space=space).order_by("display_name", "pk"))


def people_autocomplete(*, user, q: str, limit: int = 10) -> list[dict]:
    """Visible people whose name contains `q`, ignoring accents and case ("lea" finds "Léa",
    "zoe" "Zoë"), by name, in one query: the people picker of every form."""
    q = " ".join(q.split())[:60]
    folded = fold(q)
    if len(folded) < 2:
        return []
    # The directory's folded document starts with the folded name (`search.profile_document`),
    # which is as long as the name itself for names of letters, spaces, hyphens and
    # apostrophes: that prefix is the name as the directory searches it, on SQLite and
    # PostgreSQL alike. The plain match covers the rare name whose folding changes its length.
    folded_name = Substr("search_document", 1, Length("display_name"))
    rows = (
        Profile.objects.visible_to(user)
        .annotate(folded_name=folded_name)
        .filter(Q(folded_name__contains=folded) | Q(display_name__icontains=q))
        .select_related("company")
        .only("slug", "display_name", "headline", "company__name")
        .order_by("display_name", "pk")[:limit]
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


def terms_autocomplete(*, user, q: str, limit: int = 10) -> list[dict]:
    """Terms `user` may use whose name (any language) or synonym contains `q`."""
    q = " ".join(q.split())[:60]
    if not q:
        return []
    rows = (
        Term.objects.visible_to(user)
        .filter(
            Q(name_en__icontains=q)
            | Q(name_fr__icontains=q)
            | Q(name_nl__icontains=q)
            | Q(synonyms__icontains=q)
            | Q(slug__icontains=q)
        )
        .order_by("name_en")[: limit * 3]
    )
    folded = q.casefold()
    results = [
        {"slug": t.slug, "name": t.label(), "proposed": t.status == Term.Status.PROPOSED}
        for t in rows
    ]
    # Names that start with what was typed first.
    results.sort(key=lambda r: (not r["name"].casefold().startswith(folded), r["name"]))
    return results[:limit]
