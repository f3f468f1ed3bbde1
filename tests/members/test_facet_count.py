"""The per-facet profile counts the triggers keep (PostgreSQL, migration 0013): the home page's
people per space and the directory's one-facet and broad one-word lists add them up instead of
counting the search rows."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client

from members.models import FacetCount, Membership, Profile
from members.selectors import community_figures, space_people, spaces_with_member_counts
from members.services import account_delete
from tests.factories import MembershipFactory, UserFactory, make_member, spaces_of

pytestmark = pytest.mark.postgres
# The next statement's trigger is the one that folds (every 512th).
FOLD_NEXT = (
    "SELECT setval('members_facetcount_fold', "
    "(nextval('members_facetcount_fold') / 512 + 1) * 512 - 1)"
)


def kept(prefix: str = "_sp") -> dict[tuple[int, str], int]:
    """The counts of one kind of facet (spaces by default) as the triggers keep them, per
    (id, visibility), zeros left out."""
    totals: dict[tuple[int, str], int] = {}
    for row in FacetCount.objects.filter(lexeme__regex=rf"^{prefix}[0-9]+$"):
        key = (int(row.lexeme[len(prefix) :]), row.visibility)
        totals[key] = totals.get(key, 0) + row.n
    return {k: n for k, n in totals.items() if n}


def counted() -> dict[tuple[int, str], int]:
    """The same, from each profile's home space and active memberships (not from the search
    rows the triggers read)."""
    totals: dict[tuple[int, str], int] = {}
    for profile in Profile.objects.all():
        for space_id in spaces_of(profile):
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
    Profile.objects.filter(pk=bob.pk).update(visibility="public")  # no save(): the sync trigger
    assert kept() == counted()
    Profile.objects.filter(pk=bob.pk).update(visibility="members")
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
    FacetCount.objects.create(lexeme=f"_sp{beta.pk}", visibility="public", n=40)
    assert figure.format(43) in Client().get("/").content.decode()


def test_the_rows_are_folded(db, spaces):
    """Each statement that moves a facet adds rows; every 512th statement folds them."""
    beta, switch = spaces
    ann = make_member("Ann One", visibility="public", home_space=beta)
    for n in range(600):
        ann.home_space = switch if n % 2 else beta
        ann.save()
    assert FacetCount.objects.count() < 600
    assert kept() == counted() == {(switch.pk, "public"): 1}  # the last of 300 moves


@pytest.mark.django_db(transaction=True)
def test_writers_never_wait_for_each_other(db, spaces):
    """Two transactions that both move people, the first still open after folding: the
    second commits at once (it does not fold: the advisory lock is taken). Negative
    control: deleting the rows the first one folded does wait."""
    import psycopg2

    beta, _switch = spaces
    people = [make_member(f"Person {n}", visibility="public", home_space=beta) for n in range(2)]
    FacetCount.objects.bulk_create(
        FacetCount(lexeme=f"_sp{beta.pk}", visibility="public", n=0) for _ in range(5)
    )
    params = connection.get_connection_params()
    first, second = psycopg2.connect(**params), psycopg2.connect(**params)
    move = "UPDATE members_profilesearch SET visibility = 'members' WHERE profile_id = %s"
    try:
        with first.cursor() as cursor:  # folds, and keeps the rows it folded locked
            cursor.execute(FOLD_NEXT)
            cursor.execute(move, [people[0].pk])
            cursor.execute("SELECT count(*) FROM members_facetcount WHERE n = 0")
            assert cursor.fetchone()[0] == 0  # folded: the zero rows are gone
        with second.cursor() as cursor:  # its turn to fold too: it cannot, and goes on
            cursor.execute("SET lock_timeout = '2s'")
            cursor.execute(FOLD_NEXT)
            cursor.execute(move, [people[1].pk])
        second.commit()  # did not wait for the first
        with second.cursor() as cursor:
            cursor.execute("SET lock_timeout = '300ms'")
            with pytest.raises(psycopg2.errors.LockNotAvailable):
                cursor.execute("DELETE FROM members_facetcount")  # what folding waits on
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
    FacetCount.objects.create(lexeme=f"_sp{beta.pk}", visibility="public", n=1)  # a restore
    assert kept() != counted()
    call_command("members_search_rebuild", stdout=StringIO())
    assert kept() == counted()
    assert shown(AnonymousUser())["betacowork"] == 1


# --- the directory's lists ------------------------------------------------------------------

URL = "/directory/"
# One facet of each kind, a word naming a term (above and below the cap), and what the kept
# counts do not answer: two facets, a word with a facet, a word naming no term, "joined", a
# place of punctuation only.
QUERIES = [
    {"skill": "translation"},
    {"offers": "translation"},
    {"seeks": "web-design"},
    {"space": "betacowork"},
    {"language": "fr"},
    {"place": "Liège"},
    {"plan": "flex"},
    {"q": "translation"},
    {"q": "webdesign"},
    {"skill": "translation", "space": "betacowork"},
    {"q": "translation", "language": "fr"},
    {"q": "katia"},
    {"skill": "translation", "joined": "365"},
    {"skill": "translation", "place": "!!"},
]


def _listed(client, params) -> tuple[str, list[str]]:
    """(the count as the page says it, the names of its cards in order)."""
    response = client.get(URL, params)
    assert response.status_code == 200
    page = response.content.decode()
    count = re.search(r"data-directory-count>\s*([\d,]+\+? members?)\b", page)[1]
    return count, re.findall(r'<div class="member-card-title"><h3>([^<]*)</h3>', page)


@pytest.mark.parametrize("cap", [2000, 3])
def test_the_lists_the_kept_counts_answer_are_the_lists_counted(world, settings, monkeypatch, cap):
    """Every list shows the same count and people whether its total comes from the kept
    facet counts or from counting its matches, for each kind of viewer, under a cap the
    lists pass and one they do not."""
    from members import directory

    settings.DIRECTORY_COUNT_CAP = cap
    settings.DIRECTORY_CACHE_SECONDS = 0
    member, staff = UserFactory(), UserFactory(is_staff=True)
    clients = {"anonymous": Client(), "member": Client(), "staff": Client()}
    clients["member"].force_login(member)
    clients["staff"].force_login(staff)
    for label, client in clients.items():
        kept_answers = [_listed(client, params) for params in QUERIES]
        monkeypatch.setattr(directory, "kept_total", lambda *args, **kwargs: None)
        from members.directory.cache import directory_invalidate

        directory_invalidate()  # forget the totals kept in this process
        counted_answers = [_listed(client, params) for params in QUERIES]
        monkeypatch.undo()
        directory_invalidate()
        assert kept_answers == counted_answers, label
        assert sum(bool(names) for _count, names in kept_answers) >= 10, kept_answers
        capped = [count for count, _names in kept_answers if count.endswith("+ members")]
        assert bool(capped) == (cap == 3), kept_answers


def test_a_one_facet_list_reads_its_kept_count(world, member_client, settings):
    """The count of a list filtered by one facet is the kept one (a row added behind the
    triggers' back shows), and a broad word is capped from its term's kept count."""
    from members.models import Term

    settings.DIRECTORY_CACHE_SECONDS = 0
    translation = Term.objects.get(slug="translation")
    before = _listed(member_client, {"skill": "translation"})[0]
    FacetCount.objects.create(lexeme=f"_s{translation.pk}", visibility="public", n=40)
    from members.directory.cache import directory_invalidate

    directory_invalidate()
    after = _listed(member_client, {"skill": "translation"})[0]
    assert after == f"{int(before.split()[0]) + 40} members"
    settings.DIRECTORY_COUNT_CAP = 30
    directory_invalidate()
    FacetCount.objects.create(lexeme=f"_t{translation.pk}", visibility="members", n=30)
    assert _listed(member_client, {"q": "translation"})[0] == "30+ members"
    FacetCount.objects.create(lexeme=f"_t{translation.pk}", visibility="hidden", n=-30)
    directory_invalidate()
    # members do not see hidden profiles: the rows that count for them still pass the cap
    assert _listed(member_client, {"q": "translation"})[0] == "30+ members"
