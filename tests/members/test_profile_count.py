"""The per-visibility profile counts the triggers keep (PostgreSQL, migration 0012): the
directory's unfiltered total adds them up instead of counting every visible profile."""

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from members.directory.postgres import directory_list_page
from members.models import Profile, ProfileCount
from members.rules import profile_visibility_sql
from tests.factories import UserFactory, make_member

pytestmark = pytest.mark.postgres


def kept() -> dict[str, int]:
    """The counts as the triggers keep them, per visibility (zeros left out)."""
    totals: dict[str, int] = {}
    for row in ProfileCount.objects.all():
        totals[row.visibility] = totals.get(row.visibility, 0) + row.n
    return {v: n for v, n in totals.items() if n}


def counted() -> dict[str, int]:
    """The same, counted from the profiles themselves."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT visibility, count(*) FROM members_profile GROUP BY visibility")
        return dict(cursor.fetchall())


def visible_counted(user) -> int:
    params: dict = {}
    where = profile_visibility_sql(user, params).format(t="") or "TRUE"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM members_profile WHERE {where}", params)  # noqa: S608
        return cursor.fetchone()[0]


def test_the_counts_follow_every_way_profiles_are_written(db):
    assert kept() == counted()
    ann = make_member("Ann One", visibility="public")
    bob = make_member("Bob Two", visibility="members")
    make_member("Cy Three", visibility="hidden")
    assert kept() == counted()
    ann.visibility = "hidden"  # a save
    ann.save()
    assert kept() == counted()
    Profile.objects.filter(pk=bob.pk).update(visibility="public")  # a queryset update
    Profile.objects.update(headline="Same visibility")  # every row, nothing moves
    assert kept() == counted()
    with connection.cursor() as cursor:  # raw SQL
        cursor.execute("UPDATE members_profile SET visibility = 'members' WHERE id = %s", [ann.pk])
    assert kept() == counted()
    bob.user.delete()  # the profile goes with its account
    assert kept() == counted()
    assert kept() == {"members": 1, "hidden": 1}


def test_the_unfiltered_total_is_each_viewers_own(db):
    """Anonymous visitors, members, a member whose own profile is hidden (they see it) and
    staff: each total is the one the visibility rule counts, and the page says it."""
    for n, visibility in enumerate(["public"] * 3 + ["members"] * 2 + ["hidden"] * 4):
        make_member(f"Person {n}", visibility=visibility)
    shy = make_member("Shy Person", visibility="hidden").user
    member, staff = UserFactory(), UserFactory(is_staff=True)
    totals = {}
    for label, user in [("anonymous", None), ("member", member), ("own", shy), ("staff", staff)]:
        _cards, totals[label] = directory_list_page(user=user, sort="name", number=1)
        assert totals[label] == visible_counted(user), label
    assert totals["anonymous"] == 3
    assert totals["own"] == totals["member"] + 1  # the same lists, and their own profile
    assert totals["staff"] == Profile.objects.count()
    assert "3 members" in Client().get(reverse("members:directory")).content.decode()


def test_the_rows_are_folded(db):
    """Each statement adds a row; past 64 rows the writer folds them into one per visibility."""
    ann = make_member("Ann One", visibility="public")
    for n in range(150):
        Profile.objects.filter(pk=ann.pk).update(visibility="hidden" if n % 2 else "members")
    assert ProfileCount.objects.count() <= 65 + 3
    assert kept() == counted() == {"hidden": 1}  # the last of 150 moves: hidden


@pytest.mark.django_db(transaction=True)
def test_writers_never_wait_for_each_other(db):
    """Two transactions that both move profiles, the first still open: the second commits at
    once, even when both pass the folding threshold (only one folds: the other does not wait
    for it). Negative control: deleting the rows the first one folded does wait."""
    import psycopg2

    people = [make_member(f"Person {n}", visibility="public") for n in range(2)]
    # Past the threshold: the next writer folds.
    ProfileCount.objects.bulk_create(ProfileCount(visibility="public", n=0) for _ in range(70))
    params = connection.get_connection_params()
    first, second = psycopg2.connect(**params), psycopg2.connect(**params)
    try:
        with first.cursor() as cursor:  # folds, and keeps the rows it folded locked
            cursor.execute(
                "UPDATE members_profile SET visibility = 'hidden' WHERE id = %s", [people[0].pk]
            )
            cursor.execute("SELECT count(*) FROM members_profilecount")
            assert cursor.fetchone()[0] <= 3
        with second.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
            cursor.execute(
                "UPDATE members_profile SET visibility = 'members' WHERE id = %s", [people[1].pk]
            )
        second.commit()  # did not wait for the first
        with second.cursor() as cursor:
            cursor.execute("SET lock_timeout = '300ms'")
            with pytest.raises(psycopg2.errors.LockNotAvailable):
                cursor.execute("DELETE FROM members_profilecount")  # what folding would wait on
        second.rollback()
        first.commit()
    finally:
        first.close()
        second.close()
    assert kept() == counted() == {"hidden": 1, "members": 1}


def test_the_rebuild_command_recounts(db):
    """After a restore that brought the counts' rows along with the profiles (counted twice),
    `members_search_rebuild` starts them again from the profiles."""
    from io import StringIO

    from django.core.management import call_command

    make_member("Ann One", visibility="public")
    ProfileCount.objects.create(visibility="public", n=1)  # e.g. loaddata of a dump
    assert kept() != counted()
    out = StringIO()
    call_command("members_search_rebuild", stdout=out)
    assert kept() == counted()
    assert "Profile counts recounted." in out.getvalue()
    assert "1 member" in Client().get(reverse("members:directory")).content.decode()
