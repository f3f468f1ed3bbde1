"""A directory list's count brought up to date from the search rows changed since it was
taken (PostgreSQL, migration 0014: `members_searchchange`), instead of counted again after
every change. The lists' counts and pages must be the ones a fresh count gives."""

import datetime

import pytest
from django.db import connection, transaction
from django.test import Client

from members.directory import postgres, postgres_count
from members.directory.cache import directory_invalidate
from members.models import Profile, ProfileSearch, SearchChange
from members.services import account_delete
from tests.factories import UserFactory, make_member
from tests.members.test_facet_count import QUERIES, _listed

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
# The next statement's trigger is the one that prunes (every 512th).
PRUNE_NEXT = (
    "SELECT setval('members_searchchange_prune', "
    "(nextval('members_searchchange_prune') / 512 + 1) * 512 - 1)"
)

# The next prune is 511 statements away (a test that counts recounts must not meet one).
PRUNE_LATER = (
    "SELECT setval('members_searchchange_prune', "
    "nextval('members_searchchange_prune') / 512 * 512 + 1)"
)


@pytest.fixture
def clients():
    member, staff = UserFactory(), UserFactory(is_staff=True)
    clients = {"anonymous": Client(), "member": Client(), "staff": Client()}
    clients["member"].force_login(member)
    clients["staff"].force_login(staff)
    return clients


@pytest.fixture
def counts(monkeypatch):
    """How many times a list was counted (the count statement built), as a list of one; no
    pruning (which has every list counted again) for the next 511 statements."""
    with connection.cursor() as cursor:
        cursor.execute(PRUNE_LATER)
    calls = [0]
    count_sql = postgres.search_count_sql

    def counting(*args, **kwargs):
        calls[0] += 1
        return count_sql(*args, **kwargs)

    monkeypatch.setattr(postgres, "search_count_sql", counting)
    return calls


def answers(clients) -> dict[str, list]:
    """Every list's count and people, for each kind of viewer."""
    return {label: [_listed(c, params) for params in QUERIES] for label, c in clients.items()}


def counted_afresh(clients, monkeypatch) -> dict[str, list]:
    """The same, every list counted again (nothing brought up to date)."""
    from members import directory

    with monkeypatch.context() as patch:
        patch.setattr(directory, "counted_since", lambda key: None)
        directory_invalidate()
        fresh = answers(clients)
    directory_invalidate()
    return fresh


def psycopg2_connect():
    """A second connection to the test database, for another transaction at once."""
    import psycopg2

    return psycopg2.connect(**connection.get_connection_params())


def _move(profile: Profile, **fields) -> None:
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.save()


def test_lists_brought_up_to_date_are_the_lists_counted(
    world, clients, counts, settings, monkeypatch
):
    """After each change — someone new, a visibility, a skill, a home space, a date, a
    name, an account deleted — every list shows what counting it again shows, for each
    kind of viewer, and no list this process counted before is counted again."""
    from members.models import Space, Term

    settings.DIRECTORY_CACHE_SECONDS = 0
    settings.DIRECTORY_COUNT_CAP = 2000
    first = answers(clients)
    assert first == counted_afresh(clients, monkeypatch)
    assert postgres_count._since  # counts were kept, with their snapshots
    translation = Term.objects.get(slug="translation")
    beta = Space.objects.get(slug="betacowork")
    katia = {p.display_name: p for p in Profile.objects.filter(display_name__startswith="Katia")}
    changes = [  # (the change, whether it has every list counted again)
        (
            lambda: make_member(
                "Katia New",
                visibility="public",
                skills=[translation],
                home_space=beta,
                city="Liège",
                languages=["fr"],
            ),
            False,
        ),
        (lambda: _move(katia["Katia 0"], visibility="hidden"), False),
        (lambda: katia["Katia 2"].skills.remove(translation), False),
        (lambda: _move(katia["Katia 3"], home_space=None), False),
        (lambda: _move(katia["Katia 4"], member_since=datetime.date(2001, 1, 1)), False),
        (lambda: _move(katia["Katia 6"], display_name="Someone Else", languages=["fr"]), False),
        # An account deletion removes the person's images, and leaves a mark.
        (lambda: account_delete(user=katia["Katia 1"].user), True),
    ]
    for n, (change, recounted) in enumerate(changes):
        change()
        counts[0] = 0
        now = answers(clients)
        assert bool(counts[0]) == recounted, f"change {n}: counted {counts[0]} lists again"
        assert now == counted_afresh(clients, monkeypatch), f"change {n}"
        first, previous = now, first
        assert first != previous, f"change {n} moved no list"


def test_past_the_cap_a_list_that_loses_people_is_counted_again(
    world, clients, counts, settings, monkeypatch
):
    """Past the cap ("3+ members") a list gaining people stays past it without a count; one
    losing people may fall below it: it is counted again."""
    settings.DIRECTORY_CACHE_SECONDS = 0
    settings.DIRECTORY_COUNT_CAP = 3
    params, staff = {"q": "katia"}, clients["staff"]
    assert _listed(staff, params)[0] == "3+ members"
    make_member("Katia New", visibility="public")
    counts[0] = 0
    assert _listed(staff, params)[0] == "3+ members"
    assert counts[0] == 0
    _move(Profile.objects.get(display_name="Katia 0"), display_name="Someone Else")
    counts[0] = 0
    assert _listed(staff, params)[0] == "3+ members"
    assert counts[0] == 1
    assert answers(clients) == counted_afresh(clients, monkeypatch)


def test_a_change_committed_after_the_count_began_is_not_lost(world, clients, settings):
    """A transaction that wrote a search row before a list was counted and committed after,
    while a later one committed before: the count did not see the first (its snapshot holds
    it as running, below the ids it saw committed), so bringing the count up to date adds
    it, though its rows were written before the count and before the later transaction's."""
    settings.DIRECTORY_CACHE_SECONDS = 0
    params = {"skill": "translation", "space": "betacowork"}
    member = clients["member"]
    hidden = Profile.objects.filter(visibility="hidden", skills__slug="translation").first()
    hidden.home_space = Profile.objects.get(display_name="Katia 1").home_space
    hidden.save()
    first = psycopg2_connect()
    try:
        with first.cursor() as cursor:  # written, not committed (a trigger copies it)
            cursor.execute(
                "UPDATE members_profile SET visibility = 'members' WHERE id = %s", [hidden.pk]
            )
        _move(Profile.objects.get(display_name="Katia 5"), headline="Committed later")
        before = _listed(member, params)
        first.commit()
    finally:
        first.close()
    directory_invalidate()  # as the view's save would have
    after = _listed(member, params)
    assert int(after[0].split()[0]) == int(before[0].split()[0]) + 1
    assert hidden.display_name in after[1]


def test_bulk_statements_and_pruning_have_every_list_counted_again(
    world, clients, counts, settings
):
    """A statement that moves more than a few dozen rows leaves a mark instead of their
    images, and so does each pruning of the table: a count older than a mark is counted
    again, and the table does not grow without end."""
    settings.DIRECTORY_CACHE_SECONDS = 0
    params = {"skill": "translation", "language": "fr"}  # Katia 8 among them, hidden
    member = clients["member"]
    for n in range(70):
        make_member(f"Extra {n:02}", visibility="public")
    before = _listed(member, params)
    last = SearchChange.objects.order_by("-pk").values_list("pk", flat=True).first()
    ProfileSearch.objects.update(visibility="public")  # one statement, ~80 rows: a mark
    assert list(SearchChange.objects.filter(pk__gt=last).values_list("sign", flat=True)) == [0]
    directory_invalidate()
    counts[0] = 0
    after = _listed(member, params)
    assert counts[0] == 1
    assert int(after[0].split()[0]) == int(before[0].split()[0]) + 1  # Katia 8 counts now

    directory_invalidate()
    counts[0] = 0
    _listed(member, params)
    assert counts[0] == 0  # no change since: brought up to date
    ancient = SearchChange.objects.create(xid=1, sign=1, visibility="public")
    with connection.cursor() as cursor:
        cursor.execute(PRUNE_NEXT)
        # Every transaction below this one's xmin has ended (other databases' of the same
        # cluster too, which may hold it back while tests run in parallel).
        cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        ended_before = cursor.fetchone()[0]
    _move(Profile.objects.get(display_name="Extra 00"), headline="Pruned")
    assert not SearchChange.objects.filter(pk=ancient.pk).exists()
    assert not SearchChange.objects.filter(xid__lt=ended_before).exists()
    assert SearchChange.objects.filter(sign=0, xid__gte=ended_before).exists()  # its mark
    counts[0] = 0
    _listed(member, params)
    assert counts[0] == 1  # the mark: counted again


def test_a_count_seen_by_a_writing_transaction_is_not_kept(world, clients, settings):
    """A count taken in a transaction that has written saw rows that may never commit: it is
    used for that request, not kept."""
    settings.DIRECTORY_CACHE_SECONDS = 0
    postgres_count._since.clear()
    with transaction.atomic():
        _move(Profile.objects.get(display_name="Katia 0"), headline="Writing")
        _listed(clients["staff"], {"skill": "translation", "space": "betacowork"})
        assert not postgres_count._since
    _listed(clients["staff"], {"skill": "translation", "space": "betacowork"})
    assert postgres_count._since


def test_the_rebuild_command_has_every_list_counted_again(world, clients, counts, settings):
    """Rows written behind the triggers' back (a data-only restore with its triggers off)
    are not among the changes: the lists stay as counted until `members_search_rebuild`,
    which has every kept count counted again."""
    from io import StringIO

    from django.core.management import call_command

    settings.DIRECTORY_CACHE_SECONDS = 0
    params = {"skill": "translation", "language": "fr"}  # Katia 8 among them, hidden
    member = clients["member"]
    before = _listed(member, params)
    katia = Profile.objects.get(display_name="Katia 8")
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE members_profile DISABLE TRIGGER USER")
        cursor.execute("ALTER TABLE members_profilesearch DISABLE TRIGGER USER")
        try:
            for table, key in (("members_profile", "id"), ("members_profilesearch", "profile_id")):
                cursor.execute(
                    f"UPDATE {table} SET visibility = 'members' WHERE {key} = %s",  # noqa: S608
                    [katia.pk],
                )
        finally:
            cursor.execute("ALTER TABLE members_profile ENABLE TRIGGER USER")
            cursor.execute("ALTER TABLE members_profilesearch ENABLE TRIGGER USER")
    directory_invalidate()
    stale = _listed(member, params)  # no change the triggers saw: the count is the old one
    assert stale[0] == before[0]
    assert len(stale[1]) == len(before[1]) + 1
    call_command("members_search_rebuild", stdout=StringIO())
    counts[0] = 0
    after = _listed(member, params)
    assert counts[0] == 1
    assert int(after[0].split()[0]) == int(before[0].split()[0]) + 1
    assert "Katia 8" in after[1]


def test_the_changes_are_pruned_and_a_deleted_account_leaves_none(world, clients, settings):
    """The beat's pruning deletes the changes of every ended transaction and leaves a mark;
    an account deletion deletes every change of that person's rows (their old words) at
    once, and leaves a mark: the lists are counted again, and show what a count shows."""
    from members.search_counts import search_changes_prune
    from members.tasks import search_changes_prune_task

    settings.DIRECTORY_CACHE_SECONDS = 0
    katia = Profile.objects.get(display_name="Katia 2")
    _move(katia, headline="Words she will remove")
    assert SearchChange.objects.filter(user_id=katia.user_id).exists()
    account_delete(user=katia.user)
    assert not SearchChange.objects.filter(user_id=katia.user_id).exists()
    assert SearchChange.objects.filter(sign=0).exists()

    ancient = SearchChange.objects.create(xid=1, sign=1, visibility="public")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        ended_before = cursor.fetchone()[0]
    assert search_changes_prune_task.apply().get() is True
    assert not SearchChange.objects.filter(pk=ancient.pk).exists()
    assert not SearchChange.objects.filter(xid__lt=ended_before).exists()
    assert SearchChange.objects.filter(sign=0, xid__gte=ended_before).exists()

    other = psycopg2_connect()
    try:  # another writer is pruning: this one does not wait
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('members_searchchange'))")
        assert search_changes_prune() is False
    finally:
        other.close()
