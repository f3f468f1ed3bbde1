"""The per-space people counts the triggers keep (PostgreSQL, migration 0013): the home page's
figures add them up instead of counting each space's people from the search rows."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client

from members.models import Membership, Profile, SpacePeopleCount
from members.selectors import community_figures, space_people, spaces_with_member_counts
from members.services import account_delete
from tests.factories import MembershipFactory, SpaceFactory, UserFactory, make_member

pytestmark = pytest.mark.postgres


def kept() -> dict[tuple[int, str], int]:
    """The counts as the triggers keep them, per (space, visibility) (zeros left out)."""
    totals: dict[tuple[int, str], int] = {}
    for row in SpacePeopleCount.objects.all():
        key = (row.space_id, row.visibility)
        totals[key] = totals.get(key, 0) + row.n
    return {k: n for k, n in totals.items() if n}


def counted() -> dict[tuple[int, str], int]:
    """The same, from each profile's home space and active memberships (not from the search
    rows the triggers read)."""
    totals: dict[tuple[int, str], int] = {}
    for profile in Profile.objects.all():
        spaces = set(
            Membership.objects.filter(
                user_id=profile.user_id, status=Membership.Status.ACTIVE
            ).values_list("space_id", flat=True)
        )
        if profile.home_space_id:
            spaces.add(profile.home_space_id)
        for space_id in spaces:
            key = (space_id, profile.visibility)
            totals[key] = totals.get(key, 0) + 1
    return totals


def shown(user) -> dict[str, int]:
    return {s.slug: s.member_count for s in spaces_with_member_counts(user=user)}


def rule(user) -> dict[str, int]:
    """Each space's people as the space page counts them for `user` (`space_people()`)."""
    return {
        s.slug: space_people(user=user, space=s).count()
        for s in spaces_with_member_counts(user=user)
    }


@pytest.fixture
def spaces():
    return SpaceFactory(name="Betacowork"), SpaceFactory(name="Switch Charleroi", city="Charleroi")


def test_the_counts_follow_home_spaces_memberships_and_visibility(db, spaces):
    beta, switch = spaces
    assert kept() == counted()
    ann = make_member("Ann One", visibility="public", home_space=beta)
    bob = make_member("Bob Two", visibility="members", home_space=beta)
    make_member("Cy Three", visibility="hidden", home_space=switch)
    assert kept() == counted()
    membership = MembershipFactory(user=ann.user, space=switch)  # a second space
    MembershipFactory(user=bob.user, space=beta)  # the home space again: counted once
    assert kept() == counted()
    assert kept()[(switch.pk, "public")] == 1
    assert kept()[(beta.pk, "members")] == 1
    membership.status = Membership.Status.ENDED
    membership.save()
    ann.visibility = "members"
    ann.save()
    assert kept() == counted()
    bob.home_space = switch
    bob.save()
    assert kept() == counted()
    account_delete(user=bob.user)  # the profile and its search row go with the account
    assert kept() == counted() == {(beta.pk, "members"): 1, (switch.pk, "hidden"): 1}


def test_each_viewer_sees_the_counts_the_space_pages_count(db, spaces):
    """Anonymous visitors, members, staff (from the kept counts), and a member whose own
    profile is hidden (counted from the search rows, their own profile included): each
    space's figure is the number of its people that viewer may see."""
    beta, switch = spaces
    for n, visibility in enumerate(["public"] * 3 + ["members"] * 2 + ["hidden"] * 4):
        make_member(f"Person {n}", visibility=visibility, home_space=beta if n % 3 else switch)
    shy = make_member("Shy Person", visibility="hidden", home_space=switch).user
    member, staff = UserFactory(), UserFactory(is_staff=True)
    for user in (AnonymousUser(), member, shy, staff):
        assert shown(user) == rule(user), user
    assert shown(AnonymousUser()) == {"betacowork": 2, "switch-charleroi": 1}
    assert shown(shy)["switch-charleroi"] == shown(member)["switch-charleroi"] + 1
    assert sum(shown(staff).values()) == 10  # everyone with a space
    assert community_figures(user=member)["members"] == Profile.objects.visible_to(member).count()
    assert community_figures(user=shy)["members"] == Profile.objects.visible_to(shy).count()


def test_the_home_page_shows_the_kept_counts(db, spaces, settings):
    """The figures on the home page are the kept counts (a row added behind the triggers'
    back shows), not a count of the people."""
    settings.DIRECTORY_CACHE_SECONDS = 0  # the figures computed on each request
    beta, _switch = spaces
    for n in range(3):
        make_member(f"Person {n}", visibility="public", home_space=beta)
    figure = '<strong>{}</strong><a href="/spaces/betacowork/">coworkers at Betacowork'
    assert figure.format(3) in Client().get("/").content.decode()
    SpacePeopleCount.objects.create(space_id=beta.pk, visibility="public", n=40)
    assert figure.format(43) in Client().get("/").content.decode()


def test_the_rows_are_folded(db, spaces):
    """Each statement that moves people adds rows; past 256 the writer folds them."""
    beta, switch = spaces
    ann = make_member("Ann One", visibility="public", home_space=beta)
    for n in range(300):
        ann.home_space = switch if n % 2 else beta
        ann.save()
    assert SpacePeopleCount.objects.count() <= 257 + 4
    assert kept() == counted() == {(switch.pk, "public"): 1}  # the last of 300 moves


@pytest.mark.django_db(transaction=True)
def test_writers_never_wait_for_each_other(db, spaces):
    """Two transactions that both move people, the first still open after folding: the
    second commits at once (it does not fold: the advisory lock is taken). Negative
    control: deleting the rows the first one folded does wait."""
    import psycopg2

    beta, _switch = spaces
    people = [make_member(f"Person {n}", visibility="public", home_space=beta) for n in range(2)]
    SpacePeopleCount.objects.bulk_create(
        SpacePeopleCount(space_id=beta.pk, visibility="public", n=0) for _ in range(260)
    )
    params = connection.get_connection_params()
    first, second = psycopg2.connect(**params), psycopg2.connect(**params)
    move = "UPDATE members_profilesearch SET visibility = 'members' WHERE profile_id = %s"
    try:
        with first.cursor() as cursor:  # folds, and keeps the rows it folded locked
            cursor.execute(move, [people[0].pk])
            cursor.execute("SELECT count(*) FROM members_spacepeoplecount")
            assert cursor.fetchone()[0] <= 4
        with second.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
            cursor.execute(move, [people[1].pk])
        second.commit()  # did not wait for the first
        with second.cursor() as cursor:
            cursor.execute("SET lock_timeout = '300ms'")
            with pytest.raises(psycopg2.errors.LockNotAvailable):
                cursor.execute("DELETE FROM members_spacepeoplecount")  # what folding waits on
        second.rollback()
        first.commit()
    finally:
        first.close()
        second.close()
    assert kept() == {(beta.pk, "members"): 2}


def test_the_rebuild_command_recounts(db, spaces):
    from io import StringIO

    from django.core.management import call_command

    beta, _switch = spaces
    make_member("Ann One", visibility="public", home_space=beta)
    SpacePeopleCount.objects.create(space_id=beta.pk, visibility="public", n=1)  # a restore
    assert kept() != counted()
    call_command("members_search_rebuild", stdout=StringIO())
    assert kept() == counted()
    assert shown(AnonymousUser())["betacowork"] == 1
