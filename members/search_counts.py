"""What PostgreSQL's triggers keep beside the search rows, started again or pruned: the
counts per visibility and per facet (`ProfileCount`, `FacetCount`) and the search rows'
changes (`SearchChange`) that the directory's kept counts are brought up to date from.
Nothing on SQLite, which keeps none of them."""

from __future__ import annotations

from django.db import connection, transaction


def profile_counts_rebuild() -> bool:
    """Start the counts PostgreSQL's triggers keep — per visibility (`ProfileCount`) and per
    facet and visibility (`FacetCount`) — again from the profiles and their search
    rows, after a data-only restore or a `loaddata` that brought the counts' own rows along
    with the rows the triggers counted; and mark the search rows' changes (`SearchChange`)
    so that every list count a process keeps is counted again. Writers wait for it (SHARE
    locks), never the reverse for long. False on SQLite, which keeps no counts."""
    if connection.vendor != "postgresql":
        return False
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE members_profile, members_profilesearch IN SHARE MODE")
        cursor.execute("DELETE FROM members_profilecount")
        cursor.execute(
            "INSERT INTO members_profilecount (visibility, n) "
            "SELECT visibility, count(*) FROM members_profile GROUP BY visibility"
        )
        cursor.execute("DELETE FROM members_facetcount")
        cursor.execute(  # each search row's facets: its lexemes that begin with "_"
            """INSERT INTO members_facetcount (lexeme, visibility, n)
               SELECT l.lexeme, r.visibility, count(*)
               FROM members_profilesearch r CROSS JOIN LATERAL unnest(r.search_vector) l
               WHERE left(l.lexeme, 1) = '_' GROUP BY 1, 2"""
        )
        cursor.execute(SEARCH_CHANGE_MARK)  # every list count kept is counted again
    from .directory.cache import directory_invalidate

    directory_invalidate()  # lists counted from the old rows are counted again
    return True


# A mark among the search rows' changes (`members.models.SearchChange`, migration 0014): every
# list count a process keeps from before it is counted again (`counted_since()`).
SEARCH_CHANGE_MARK = (
    "INSERT INTO members_searchchange (xid, sign) VALUES (pg_current_xact_id()::text::bigint, 0)"
)


def search_changes_prune(*, user_id: int | None = None) -> bool:
    """Delete the search rows' changes no count needs any more — those of every transaction
    that ended before this one's snapshot —, or, with `user_id`, every change of that
    person's rows (their account is being deleted: the old images hold their words), and
    leave a mark, so that a count that might have needed them is counted again. The
    triggers prune every 512th statement; the beat runs this every few minutes so that old
    images of a profile (words someone removed) do not stay for long on a quiet site. Never
    waits: False when another writer is pruning, or on SQLite (no changes kept)."""
    if connection.vendor != "postgresql":
        return False
    with transaction.atomic(), connection.cursor() as cursor:
        if user_id is not None:
            cursor.execute("DELETE FROM members_searchchange WHERE user_id = %s", [user_id])
        else:
            cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext('members_searchchange'))")
            if not cursor.fetchone()[0]:
                return False
            cursor.execute(
                "DELETE FROM members_searchchange"
                " WHERE xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
            )
        cursor.execute(SEARCH_CHANGE_MARK)
    return True
