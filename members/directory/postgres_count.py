"""Counting on PostgreSQL: how many match a filtered directory list, up to the cap (the
statement's `counted` part, `members.directory.postgres.directory_search_sql()`, in parts
that are cheap to count first for a one-word search); and what the counts the triggers keep
answer without counting — each viewer's total (`ProfileCount`), a one-facet list's total, a
broad word's cap and each space's people (`FacetCount`); and a count taken before, brought
up to date from the search rows' changes since (`SearchChange`, `counted_since()`)."""

from __future__ import annotations

from django.db import connection
from django.db.models import BigIntegerField, F, Func, OuterRef, Subquery, TextField, Value
from django.db.models.functions import Cast, Concat

from betacowork.db import fetchall_prepared

from ..models import FacetCount, Visibility
from ..rules import is_staff
from ..search import FACET_SPACE, TERM, fold, term_word
from .query import DirectoryQuery, count_cap

# The expression of the GIN index on names (migration 0009): a profile's name lexemes.
NAME_VECTOR = "ts_filter(search_vector, '{a}')"


def _term_witness(query: DirectoryQuery, term_index) -> str:
    """A part of a search without facets that is cheap to count: every word by one of the
    terms it names (the first) — "" when no word names a term. Every profile it matches
    matches the whole (`words_tsquery()` offers each word's terms as alternatives)."""
    parts, named = [], False
    for word in query.words:
        term = term_word(word)  # "C++": the term itself
        if term is None:
            term = next(
                (pk for pk, names in term_index if any(n.startswith(word) for n in names)), None
            )
        named = named or term is not None
        parts.append(f"'{TERM}{term}'" if term is not None else f"'{word}':*")
    return " & ".join(parts) if named else ""


def _count_sql(where: list[str], parts: list[str], cap: int) -> str:
    """The matches counted up to cap + 1, from `parts`: SQL conditions that split the match
    into disjoint parts, read in turn, the cheap ones first. A part that alone passes the
    cap ends the count: the bitmap of the whole match is read only when the parts before it
    had fewer matches than the cap. The same count as one `LIMIT cap + 1` over the match."""
    selects = [
        f"SELECT FROM members_profilesearch WHERE {' AND '.join([*where, part])} LIMIT {cap + 1}"
        for part in parts
    ]
    if len(selects) == 1:
        return f"SELECT count(*) AS n FROM ({selects[0]}) m"  # noqa: S608 - fixed fragments
    union = " UNION ALL ".join(f"({x})" for x in selects)
    return f"SELECT count(*) AS n FROM (SELECT FROM ({union}) u LIMIT {cap + 1}) m"  # noqa: S608


def search_count_sql(
    query: DirectoryQuery,
    term_index,
    where: list[str],
    match: str,
    params: dict,
    cap: int,
    *,
    facets: bool,
) -> str:
    """The statement counting a filtered list's matches up to cap + 1.

    Without words, one `LIMIT cap + 1` over the match. With words, the parts that are cheap
    to count come first: the name matches (the names' own GIN index), which alone pass the
    cap for a common first name; then, when its words name terms, the other profiles of one
    term per word (`_term_witness()`: no prefix to expand, no weight to recheck), which
    alone pass it for a popular skill; then the rest of the match. The later parts leave
    out the earlier ones by a test on each row read, not in the tsquery (a negated prefix
    would make the GIN index expand it): the term's part by id, the rest by its vector.

    Only for one word and no filter: a common first name or skill is where the parts pay.
    A full name ("zoe martin") or a word with a filter has few name matches and a rarer
    term: the earlier parts would not reach the cap, and their reads would come on top of
    the whole match's (measured at 100,000 members: 5.7 -> 9.0 ms for "zoe martin",
    7.9 -> 9.3 ms for "zoe" joined in the last year)."""
    if len(query.words) != 1 or facets or query.joined:
        return _count_sql(where, [match or "TRUE"], cap)
    named = f"{NAME_VECTOR} @@ %(name_prefix)s::tsquery"  # a name match is a match
    # Not a name match, tested on the whole vector: not every word a prefix in weight A.
    params["count_named"] = " & ".join(f"'{w}':*A" for w in query.words)
    not_named = "NOT search_vector @@ %(count_named)s::tsquery"
    witness = _term_witness(query, term_index)
    if not witness:
        return _count_sql(where, [named, f"{match} AND {not_named}"], cap)
    params["count_term"] = witness
    term = "search_vector @@ %(count_term)s::tsquery"
    # Read only when the name matches were fewer than the cap: those few are left out by id
    # (hashed), not by testing each of up to 2,001 vectors for the name (costlier).
    unnamed = f"profile_id NOT IN (SELECT profile_id FROM members_profilesearch WHERE {named})"  # noqa: S608
    parts = [named, f"{term} AND {unnamed}", f"{match} AND {not_named} AND NOT {term}"]
    return _count_sql(where, parts, cap)


_SUM = "(SELECT coalesce(sum(n), 0)::bigint FROM members_profilecount{where})"
# Which visibilities each class of viewer sees in full (`members.rules.viewer_class()`; a
# member also sees their own profile, whatever its visibility): the rule of
# `profile_visibility_sql()`, for counts kept per visibility. None: all of them.
SEEN = {
    "anonymous": (Visibility.PUBLIC,),
    "member": (Visibility.PUBLIC, Visibility.MEMBERS),
    "staff": None,
}


def class_visibility_sql(cls: str, params: dict) -> str:
    """The visibility rule of `profile_visibility_sql()` for a class of viewers ("" for
    staff): what every viewer of the class sees, for a count they share."""
    seen = SEEN[cls]
    if seen is None:
        return ""
    params.update({f"seen{i}": visibility for i, visibility in enumerate(seen)})
    return "visibility IN ({})".format(", ".join(f"%(seen{i})s" for i in range(len(seen))))


def visible_total_sql(user, params: dict) -> str:
    """How many profiles `user` may see, from the per-visibility counts the triggers keep
    (`members.models.ProfileCount`): the rule of `profile_visibility_sql()` — anonymous
    visitors public profiles, members members-only ones too and their own, staff all —
    added up from a handful of rows instead of counted (12 ms at 100,000 members)."""
    if user is None or not user.is_authenticated:
        params["public"] = Visibility.PUBLIC
        return _SUM.format(where=" WHERE visibility = %(public)s")
    if is_staff(user):  # staff, or an active superuser
        return _SUM.format(where="")
    params.update(public=Visibility.PUBLIC, members=Visibility.MEMBERS, viewer=user.pk)
    seen = _SUM.format(where=" WHERE visibility IN (%(public)s, %(members)s)")
    own = (
        "(SELECT count(*) FROM members_profile WHERE user_id = %(viewer)s"
        " AND visibility NOT IN (%(public)s, %(members)s))"
    )
    return f"({seen} + {own})"


def visible_total(user) -> int:
    """`visible_total_sql()` on its own: how many profiles `user` may see in all."""
    params: dict = {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {visible_total_sql(user, params)}", params)
        return cursor.fetchone()[0]


def _kept(cls: str, lexeme):
    """The `FacetCount` rows of the facet `lexeme` (a string or an expression) that a viewer
    of class `cls` sees."""
    kept = FacetCount.objects.filter(lexeme=lexeme)
    return kept.filter(visibility__in=SEEN[cls]) if SEEN[cls] is not None else kept


def space_people_kept(cls: str, space: OuterRef) -> Subquery:
    """How many people of `space` (an `OuterRef` to a space's id) a viewer of class `cls`
    ("anonymous", "member" or "staff") sees, from the counts the triggers keep per facet and
    visibility (`members.models.FacetCount`, the space's `_sp<id>`): a few rows added up
    instead of the space's search rows counted. Not for a member whose own profile is hidden
    (no class: their own profile counts too)."""
    lexeme = Concat(Value(FACET_SPACE), Cast(space, TextField()))
    total = Cast(Func(F("n"), function="SUM"), BigIntegerField())  # sum(bigint) is numeric
    return Subquery(_kept(cls, lexeme).order_by().values(total=total))


# A facet's kept count for a class of viewers (the rows of `_kept()`, added up).
_KEPT_SUM = "SELECT coalesce(sum(n), 0) FROM members_facetcount WHERE lexeme = %(lexeme)s"


def kept_total(cls: str | None, query: DirectoryQuery, term_index, facets: list[str]):
    """A filtered list's total from the kept facet counts, when they answer it without
    counting; else None. `facets`: the list's facet lexemes (`postgres.facet_lexemes()`).

    - one facet and no words (a skill, a space, a language…): its exact count;
    - one word that names a term, and no facet: cap + 1 ("2,000+") when the term's profiles
      alone pass the cap — each of them matches the word (`_term_witness()`).
    Not for "joined" (a date the facets do not hold) nor for a viewer without a class."""
    if cls is None or query.joined or (query.place and not fold(query.place)):
        return None
    cap = count_cap()
    if len(facets) == 1 and not query.words:
        lexeme = facets[0]
    elif len(query.words) == 1 and not facets and (witness := _term_witness(query, term_index)):
        lexeme = witness.strip("'")
    else:
        return None
    params = {"lexeme": lexeme}
    seen = class_visibility_sql(cls, params)
    sql = _KEPT_SUM + (f" AND {seen}" if seen else "")
    total = fetchall_prepared(sql, params, plan="generic")[0][0]  # no ORM: after each change
    if query.words:
        return cap + 1 if total > cap else None
    return int(total)


# The snapshot a count is taken under, in the statement that counts (`pg_current_snapshot()`
# is the statement's): NULL inside a transaction that has written, whose own uncommitted
# rows the count saw — such a count is not kept.
SNAPSHOT = "CASE WHEN pg_current_xact_id_if_assigned() IS NULL THEN pg_current_snapshot()::text END"
# The rows of `members_searchchange` (migration 0014) a count taken under the snapshot
# %(counted_under)s did not see: every transaction it did not see has an id at least its xmin.
_SINCE = f"""
    SELECT count(*) FILTER (WHERE sign = 0),
           coalesce(sum(sign) FILTER (WHERE sign <> 0 AND {{conditions}}), 0),
           {SNAPSHOT}
    FROM members_searchchange
    WHERE xid >= %(counted_xmin)s
      AND NOT pg_visible_in_snapshot(xid::text::xid8, %(counted_under)s::pg_snapshot)
"""  # noqa: S608 - only fixed fragments are interpolated; values are parameters

# Counts this process took, kept across directory versions with the snapshot they were
# taken under: `count_key()` -> (total up to cap + 1, snapshot).
_since: dict[tuple, tuple[int, str]] = {}
SINCE_KEPT = 1000


def count_keep(key: tuple, total: int, seen: str) -> None:
    """Keep `total`, counted under the snapshot `seen`, for `counted_since()`."""
    if len(_since) >= SINCE_KEPT and key not in _since:
        _since.clear()
    _since[key] = (int(total), seen)


def counted_since(key: tuple) -> int | None:
    """The count kept under `key` — (cap, the list's conditions on the search rows, their
    parameters): `postgres.count_key()` —, brought up to date from the search rows changed
    since it was taken, without counting the list again: each changed row's images
    (`members.models.SearchChange`: -1 the row before, +1 after) written by a transaction
    its snapshot did not see, matched with the same conditions, added up. None when there is
    none kept, or a mark says to count again (a bulk statement, a pruning), or a count past
    the cap lost matches (how many remain above it is unknown)."""
    kept = _since.get(key)
    if kept is None:
        return None
    total, seen = kept
    cap, conditions, params = key
    sql = _SINCE.format(conditions=conditions)
    values = {**dict(params), "counted_under": seen, "counted_xmin": int(seen.split(":", 1)[0])}
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        marks, moved, now = cursor.fetchone()
    if marks or (total > cap and moved < 0) or total + moved < 0:
        _since.pop(key, None)
        return None
    total = min(total + moved, cap + 1)
    if now is not None:
        _since[key] = (total, now)
    return total
