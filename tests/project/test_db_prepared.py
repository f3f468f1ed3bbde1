"""betacowork.db.fetchall_prepared: the directory's statements prepared once per connection."""

import pytest
from django.db import connection, transaction

from betacowork.db import fetchall_prepared

SQL = "SELECT CAST(%(a)s AS INTEGER) + CAST(%(b)s AS INTEGER), CAST(%(a)s AS INTEGER) * 2"
MARK = "CAST($1 AS INTEGER) + CAST($2 AS INTEGER)"


def _prepared_here() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_same_rows_as_a_plain_query(db):
    """On every database (SQLite simply runs the query)."""
    assert fetchall_prepared(SQL, {"a": 2, "b": 3}) == [(5, 4)]
    assert fetchall_prepared(SQL, {"b": 10, "a": 1}) == [(11, 2)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_prepared_once_per_connection_and_again_on_a_new_one():
    assert fetchall_prepared(SQL, {"a": 2, "b": 3}) == [(5, 4)]
    assert len([s for s in _prepared_here() if MARK in s]) == 1
    assert fetchall_prepared(SQL, {"a": 4, "b": 5}) == [(9, 8)]  # EXECUTE only
    assert len([s for s in _prepared_here() if MARK in s]) == 1
    # Prepared inside a transaction that rolls back: still there (it belongs to the session).
    other = "SELECT CAST(%(a)s AS INTEGER) - 1"
    with transaction.atomic():
        assert fetchall_prepared(other, {"a": 1}) == [(0,)]
        transaction.set_rollback(True)
    assert fetchall_prepared(other, {"a": 5}) == [(4,)]
    connection.close()  # a new session knows nothing: prepared again
    assert fetchall_prepared(SQL, {"a": 7, "b": 1}) == [(8, 14)]
    assert len([s for s in _prepared_here() if MARK in s]) == 1


@pytest.mark.postgres
def test_off_for_a_transaction_pooler(db, settings):
    settings.PREPARED_STATEMENTS = False
    assert fetchall_prepared(SQL + " + 0", {"a": 2, "b": 3}) == [(5, 4)]
    assert not [s for s in _prepared_here() if "+ 0" in s]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_statement_deallocated_behind_its_back_is_prepared_again():
    """Something (a pooler's DISCARD ALL) dropped the session's statements: outside a
    transaction the next call prepares again at once; inside one, that call fails and the
    next one prepares again."""
    from django.db import DatabaseError

    assert fetchall_prepared(SQL, {"a": 1, "b": 1}) == [(2, 2)]
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    assert fetchall_prepared(SQL, {"a": 2, "b": 2}) == [(4, 4)]
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    with pytest.raises(DatabaseError), transaction.atomic():
        fetchall_prepared(SQL, {"a": 3, "b": 3})
    assert fetchall_prepared(SQL, {"a": 3, "b": 3}) == [(6, 6)]
    # A PREPARE whose EXECUTE failed stays prepared, and is not prepared twice.
    bad = "SELECT CAST(%(a)s AS INTEGER) / CAST(%(b)s AS INTEGER)"
    with pytest.raises(DatabaseError):
        fetchall_prepared(bad, {"a": 1, "b": 0})
    assert fetchall_prepared(bad, {"a": 6, "b": 3}) == [(2,)]


def _plans(mark: str) -> list[tuple[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        return [(generic, custom) for sql, generic, custom in cursor.fetchall() if mark in sql]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_plan_chosen_for_one_run_and_that_run_only():
    """`plan="generic"` runs the statement with its generic plan at once, `plan="custom"`
    plans it for its values every time (PostgreSQL alone: five custom plans, then the generic
    one when it looks no dearer); the setting ends with the statement."""
    connection.close()  # a session of its own: no statement prepared by an earlier test
    assert fetchall_prepared(SQL, {"a": 2, "b": 3}, plan="generic") == [(5, 4)]
    assert fetchall_prepared(SQL, {"a": 4, "b": 5}, plan="generic") == [(9, 8)]
    assert _plans(MARK) == [(2, 0)]
    by_default = "SELECT CAST(%(a)s AS INTEGER) * 3"
    custom = "SELECT CAST(%(a)s AS INTEGER) * 5"
    for a in range(7):
        assert fetchall_prepared(by_default, {"a": a}) == [(3 * a,)]
        assert fetchall_prepared(custom, {"a": a}, plan="custom") == [(5 * a,)]
    assert _plans("CAST($1 AS INTEGER) * 3") == [(2, 5)]
    assert _plans("CAST($1 AS INTEGER) * 5") == [(0, 7)]
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "auto"
    # Inside a transaction the setting would outlive the statement: not set there.
    third = "SELECT CAST(%(a)s AS INTEGER) * 4"
    with transaction.atomic():
        assert fetchall_prepared(third, {"a": 2}, plan="generic") == [(8,)]
        with connection.cursor() as cursor:
            cursor.execute("SHOW plan_cache_mode")
            assert cursor.fetchone()[0] == "auto"
    assert _plans("CAST($1 AS INTEGER) * 4") == [(0, 1)]


UPDATE = "UPDATE members_space SET city = %(city)s WHERE slug = %(slug)s"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_execute_prepared_counts_the_rows_it_changed():
    """`execute_prepared` (the outbox's "sent" record): the row count of the UPDATE itself,
    on the first run (PREPARE and EXECUTE in one query) as on the next ones."""
    from betacowork.db import execute_prepared
    from members.models import Space

    Space.objects.create(slug="prep-a", name="A", city="Liège")
    Space.objects.create(slug="prep-b", name="B", city="Namur")
    with connection.cursor() as cursor:
        assert execute_prepared(cursor, UPDATE, {"city": "Mons", "slug": "prep-a"}) == 1
        assert execute_prepared(cursor, UPDATE, {"city": "Mons", "slug": "nowhere"}) == 0
        assert execute_prepared(cursor, UPDATE, {"slug": "prep-b", "city": "Arlon"}) == 1
    assert dict(Space.objects.filter(slug__startswith="prep-").values_list("slug", "city")) == {
        "prep-a": "Mons",
        "prep-b": "Arlon",
    }
    assert len([s for s in _prepared_here() if "UPDATE members_space" in s]) == 1
