"""Finding a person by name (issue 16): name matches first — the whole name, then a word of
the name, then the start of one, then the rest —, accent- and case-insensitive, on SQLite
(the default) and on PostgreSQL alike; and above the count cap (issue 14) the same order
for the first page, with "2,000+ members" (here: the cap, lowered)."""

import itertools
import re

import pytest
from django.urls import reverse

from members.directory import directory_query, directory_search
from tests.factories import TermFactory, UserFactory, make_member

from .conftest import in_name_order

URL = reverse("members:directory")

ZOES = [
    "Zoë Peeters",
    "Zoe Janssens",
    "Zoé Maes",
    "ZOË Jacobs",
    "Zoë Van den Berg",
    "Zoe Willems",
    "Zoé Claes",
    "Anna Zoë Dubois",
]


def names(response) -> list[str]:
    return re.findall(r"<h3>([^<]+)</h3>", response.content.decode())


@pytest.fixture
def zoes(db):
    """Eight Zoës, a Zoltan (the start of a name only), and people whose skills, bio or
    headline say "zoek…" — the Dutch "zoekmachine" (search engine) — all sorted before the
    Zoës by name."""
    seo = TermFactory(
        slug="seo", name_en="SEO", name_fr="référencement", name_nl="zoekmachineoptimalisatie"
    )
    for name in ZOES:
        make_member(name, visibility="members")
    make_member("Zoltan Kovacs", visibility="members")
    for n in range(12):
        make_member(f"Aaron Seo {n:02d}", visibility="members", skills=[seo])
    make_member("Bart Zoekt", visibility="members", headline="zoekmachine marketing")
    make_member("Hidden Zoë", visibility="hidden")
    return seo


@pytest.fixture
def member_client(client, db):
    client.force_login(UserFactory(name="Viewer Person"))
    return client


def _check_zoe_order(found: list[str]) -> None:
    assert set(found[:8]) == set(ZOES), found  # all eight Zoës first
    assert found[8] == "Bart Zoekt", found  # then a name that starts with "zoe"
    assert found[9:] == [f"Aaron Seo {n:02d}" for n in range(12)], found  # then the SEO people
    assert "Hidden Zoë" not in found


@pytest.mark.parametrize("q", ["zoe", "Zoë", "ZOE", "zoé"])
def test_zoes_come_first_accents_and_case_ignored(member_client, zoes, q):
    _check_zoe_order(names(member_client.get(URL, {"q": q})))  # 21: one page


def test_the_whole_name_comes_before_a_word_of_it(member_client, zoes):
    make_member("Zoe", visibility="members")  # a one-word name: exactly what was typed
    found = names(member_client.get(URL, {"q": "zoe"}))
    assert found[0] == "Zoe"
    found = names(member_client.get(URL, {"q": "zoe van den berg"}))
    assert found[0] == "Zoë Van den Berg"


def test_a_last_name_counts_like_a_first_name(member_client, zoes):
    make_member("Aaron Bos", visibility="members", bio="Worked at Jansen & Co")
    make_member("Zoë Jansen-Smit", visibility="members")
    assert names(member_client.get(URL, {"q": "jansen"}))[:2] == ["Zoë Jansen-Smit", "Aaron Bos"]
    found = names(member_client.get(URL, {"q": "jans"}))
    assert set(found[:2]) == {"Zoe Janssens", "Zoë Jansen-Smit"}
    assert found[2] == "Aaron Bos"


def test_name_order_and_newest_first_are_not_changed_by_the_tiers(member_client, zoes):
    by_name = names(member_client.get(URL, {"q": "zoe", "sort": "name"}))
    assert by_name == in_name_order(by_name)
    assert by_name[0].startswith("Aaron Seo")


def _capped(settings, cap: int) -> None:
    settings.DIRECTORY_COUNT_CAP = cap
    settings.DIRECTORY_CACHE_SECONDS = 0


def _searched(viewer, params: dict, **kw):
    return directory_search(viewer=viewer, query=directory_query(params=params), **kw)


def test_above_the_cap_the_count_says_so_and_the_zoes_still_come_first(
    member_client, zoes, settings
):
    _capped(settings, 10)
    response = member_client.get(URL, {"q": "zoe"})
    html = response.content.decode()
    assert "10+ members" in html
    assert "21 members" not in html
    _check_zoe_order(names(response))
    # The pages stop at the cap: one page of 24 here, whatever is asked.
    assert response.context["page_obj"].paginator.num_pages == 1
    assert names(member_client.get(URL, {"q": "zoe", "page": "3"})) == names(response)
    below = member_client.get(URL, {"q": "zoekt"})
    assert "1 member" in below.content.decode()
    assert names(below) == ["Bart Zoekt"]


@pytest.mark.postgres
def test_above_the_cap_on_postgres_the_same_first_page(member_client, zoes, settings):
    viewer = UserFactory()
    settings.DIRECTORY_CACHE_SECONDS = 0
    uncapped = _searched(viewer, {"q": "zoe"}, per_page=100)
    assert not uncapped.capped
    assert uncapped.total == 21
    expected = {
        key: [c.pk for c in _searched(viewer, params, per_page=100).cards]
        for key, params in (("q", {"q": "zoe"}), ("name", {"q": "zoe", "sort": "name"}))
    }
    expected["skill"] = [c.pk for c in _searched(viewer, {"skill": "seo"}, per_page=100).cards]
    _capped(settings, 10)
    for key, params in (
        ("q", {"q": "zoe"}),
        ("name", {"q": "zoe", "sort": "name"}),
        ("skill", {"skill": "seo"}),
    ):
        result = _searched(viewer, params, per_page=10)
        assert result.capped, key
        assert result.total == 10, key
        # Best match: the name matches, ranked as below the cap; then the others by name.
        same = 9 if key == "q" else 10
        assert [c.pk for c in result.cards][:same] == expected[key][:same], key


@pytest.mark.postgres
def test_above_the_cap_sorted_pages_walk_on_in_order(member_client, zoes, settings):
    viewer = UserFactory()
    settings.DIRECTORY_CACHE_SECONDS = 0
    expected = {
        sort: [c.pk for c in _searched(viewer, {"q": "zo", "sort": sort}, per_page=100).cards]
        for sort in ("name", "recent", "relevance")
    }
    settings.DIRECTORY_COUNT_CAP = 12
    for sort, pks in expected.items():
        walked = []
        for page in (1, 2, 3):
            result = _searched(viewer, {"q": "zo", "sort": sort}, page=page, per_page=4)
            assert result.capped
            assert result.number == page
            walked += [c.pk for c in result.cards]
        if sort == "relevance":  # the ten name matches, then the others by name
            assert walked[:10] == pks[:10], sort
            assert walked[10:] == sorted(walked[10:], key=_name_of), sort
        else:
            assert walked == pks[:12], sort


@pytest.mark.postgres
def test_the_count_in_parts_is_the_count_of_the_match_at_every_cap(member_client, zoes, settings):
    """PostgreSQL counts a search in disjoint parts — the name matches, then one term's
    profiles (SEO names "zoekmachine…") but those, then the rest ("zoekmachine" in a
    headline) —, each stopping at the cap: at every cap, the same total as counting the
    whole match (Zoë Seo, a name with the term, counted once)."""
    viewer = UserFactory()
    settings.DIRECTORY_CACHE_SECONDS = 0
    make_member("Zoë Seo", visibility="members", skills=[zoes])  # a name and the term
    make_member("Carl Finder", visibility="members", headline="zoekmachine expert")  # the rest
    queries = [{"q": "zoe"}, {"q": "zoe", "skill": "seo"}, {"q": "zo"}, {"q": "zoek"}]
    totals = {}
    for params in queries:
        result = _searched(viewer, params, per_page=100)
        assert not result.capped
        totals[str(params)] = result.total
    # 9 Zoës (8 + Zoë Seo), Bart Zoekt, 12 Aaron Seos, Carl Finder
    assert totals[str(queries[0])] == 23
    for cap in range(1, 24):
        settings.DIRECTORY_COUNT_CAP = cap
        for params in queries:
            result = _searched(viewer, params, per_page=4)
            total = totals[str(params)]
            assert result.capped == (total > cap), (cap, params)
            assert result.total == min(total, cap), (cap, params)


def _name_of(pk: int) -> str:
    from members.models import Profile

    return Profile.objects.get(pk=pk).display_name


def test_results_have_a_heading_between_the_page_title_and_the_cards(member_client, zoes):
    html = member_client.get(URL, {"q": "zoe"}).content.decode()
    levels = [int(n) for n in re.findall(r"<h([1-6])[ >]", html)]
    assert levels[0] == 1
    assert 2 in levels
    assert levels.index(2) < levels.index(3)
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
