import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from members.search import fold
from tests.factories import MembershipFactory, SpaceFactory, TermFactory, make_member


@pytest.fixture
def vocab(db):
    """A small shared vocabulary, with French and Dutch names and synonyms."""
    return {
        "translation": TermFactory(
            slug="translation",
            name_en="translation",
            name_fr="traduction",
            name_nl="vertaling",
            synonyms="translator,traducteur",
        ),
        "web-design": TermFactory(
            slug="web-design", name_en="web design", name_fr="conception web", name_nl="webdesign"
        ),
        "crowdfunding": TermFactory(
            slug="crowdfunding",
            name_en="crowdfunding",
            name_fr="financement participatif",
            name_nl="crowdfunding",
        ),
        "coaching": TermFactory(slug="coaching", name_en="coaching"),
        "seo": TermFactory(slug="seo", name_en="SEO", name_fr="référencement"),
    }


@pytest.fixture(autouse=True)
def _cache_cleared_after():
    """Directory results are cached: no test may see another test's lists (the root
    conftest's `_fresh_cache` empties the cache and the process memos before each test)."""
    from django.core.cache import cache

    yield
    cache.clear()


@pytest.fixture
def spaces():
    """Two spaces: Betacowork (Brussels) and Switch Charleroi."""
    return SpaceFactory(name="Betacowork"), SpaceFactory(name="Switch Charleroi", city="Charleroi")


@pytest.fixture
def world(db, vocab, spaces):
    """Nine people named Katia 0-8 (public, members-only, hidden) with skills, offers, seeks,
    home spaces, memberships, cities and languages spread so that every kind of directory
    filter finds some of them and not others (the facet counts' and kept counts' tests)."""
    beta, switch = spaces
    translation, design = vocab["translation"], vocab["web-design"]
    for n, visibility in enumerate(["public"] * 4 + ["members"] * 3 + ["hidden"] * 2):
        person = make_member(
            f"Katia {n}",
            visibility=visibility,
            skills=[translation] if n % 2 == 0 else [],
            offers=[translation] if n % 3 == 0 else [],
            seeks=[design] if n < 5 else [],
            home_space=beta if n % 2 else switch,
            city="Liège" if n < 6 else "Namur",
            languages=["fr"] if n % 3 else ["nl"],
        )
        if n < 3:
            MembershipFactory(user=person.user, space=beta, plan="flex")
    return vocab


def names_by_code_point() -> bool:
    """Whether this database orders names by code point ("Zoë" before "Élodie"): a
    PostgreSQL database created with the "C" collation. SQLite is ordered as a reader
    would (`members.directory.sqlite.name_order()`), PostgreSQL by its collation."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT datcollate FROM pg_database WHERE datname = current_database()")
        return cursor.fetchone()[0].split(".")[0] in ("C", "POSIX")


def in_name_order(names: list[str]) -> list[str]:
    """`names` as the directory orders them by name: accents and case aside, then as
    written (by code point on a "C"-collated PostgreSQL database)."""
    if names_by_code_point():
        return sorted(names)
    return sorted(names, key=lambda name: (fold(name), name))


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.fixture
def migrator(transactional_db):
    """`migrator(("members", "00NN_…"))`: the database at that migration, its apps returned;
    every migration applied again when the test ends."""
    yield _migrate
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
