"""The directory's CPU per request at 10,000 members (issue 14, part 2, round 7): a filtered
list a little sparser than before walks its order's index instead of sorting its matches, a
search word is expanded to the terms it names once per vocabulary, and the filter form marks
its chosen options without escaping every select again — the same pages as before."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString

from members.directory.query import DirectoryQuery
from tests.factories import SpaceFactory, TermFactory, UserFactory, make_member

URL = reverse("members:directory")


def names(response) -> list[str]:
    return re.findall(r"<h3>([^<]+)</h3>", response.content.decode())


def test_a_list_needing_about_600_index_rows_for_its_page_walks():
    """The three-facet page of the benchmark (409 matches among 10,018 profiles: ~590 index
    rows for its first 24) walks its order's index: 0.19 ms less of the database's CPU
    than sorting its matches (`bench/directory_cpu.py`). Past 1,024 rows it still sorts."""
    from members.directory.postgres import _walk_bound

    assert _walk_bound(DirectoryQuery(), 24, 409, 10_018) == 4096  # 4 x 588, rounded up
    assert _walk_bound(DirectoryQuery(), 24, 200, 10_018) == 0  # 1,202 rows: sort


@pytest.fixture
def three_facets(db, vocab):
    """48 members, one a day; two of them carry the skill, space and language the list asks
    for, far apart; the others have the skill or the space, not the language."""
    space = SpaceFactory(name="Round Seven")
    people = []
    for n in range(48):
        found = n in (5, 33)
        people.append(
            make_member(
                f"Member {n:02d}",
                visibility="public",
                skills=[vocab["seo"]] if found or n % 2 else [],
                home_space=space if found or n % 3 else None,
                languages=["fr"] if found else ["en", "nl"],
                member_since=date.today() - timedelta(days=n),
            )
        )
    return space, [people[5], people[33]]


@pytest.mark.postgres
def test_a_sparse_three_facet_list_is_walked_and_shows_the_sorted_page(
    three_facets, client, settings
):
    """With its count kept, the list (2 matches among ~49 visible profiles: ~590 index rows
    expected for a page of 24, over the 512 that were walked before) walks the newest-first
    index, and shows the page sorting gives, on its first request (counted, sorted) and
    after (walked)."""
    settings.DIRECTORY_CACHE_SECONDS = 0
    space, found = three_facets
    client.force_login(UserFactory())
    params = {"skill": "seo", "space": space.slug, "language": "fr", "sort": "recent"}
    assert client.get(URL).status_code == 200  # the visible total, kept
    first = client.get(URL, params)
    with CaptureQueriesContext(connection) as queries:
        again = client.get(URL, params)
    expected = [p.display_name for p in found]  # newest first: 5, then 33 days old
    assert names(first) == names(again) == expected
    assert any("walked AS MATERIALIZED" in q["sql"] for q in queries.captured_queries)


@pytest.mark.postgres
def test_a_search_word_is_expanded_once_per_vocabulary(vocab, client, settings, monkeypatch):
    """A word is expanded to the terms it names once per directory version, not on every
    request; a new term (a new version) is found at once."""
    from members.directory import postgres_parts

    settings.DIRECTORY_CACHE_SECONDS = 0
    calls = []
    original = postgres_parts.words_tsquery

    def counting(words, index):
        calls.append(tuple(words))
        return original(words, index)

    monkeypatch.setattr(postgres_parts, "words_tsquery", counting)
    mira = make_member("Mira Kowalski", visibility="public", skills=[vocab["coaching"]])
    client.force_login(UserFactory())
    search = {"q": "mentor"}
    assert names(client.get(URL, search)) == []
    assert names(client.get(URL, search)) == []
    assert calls.count(("mentor",)) == 1  # the second request reused it
    mentoring = TermFactory(slug="mentoring", name_en="mentoring")
    mira.skills.add(mentoring)  # her search row and the directory's version follow
    assert names(client.get(URL, search)) == ["Mira Kowalski"]
    assert calls.count(("mentor",)) == 2


def test_the_filter_options_mark_the_chosen_value_escaped():
    """`options_html` marks the one chosen option, its value escaped as in the markup; with
    none chosen (or an unknown one) the options are as rendered."""
    from members.templatetags.members_tags import options_html, options_render

    rendered = options_render([("a&b", "A & B"), ("c", "C"), ('d"', "D")])
    chosen = options_html(rendered, "a&b")
    assert '<option value="a&amp;b" selected>A &amp; B</option>' in chosen
    assert chosen.count(" selected>") == 1
    assert '<option value="d&quot;" selected>' in options_html(rendered, 'd"')
    for nothing in ("", None, "zz"):
        assert options_html(rendered, nothing) == rendered
        assert isinstance(options_html(rendered, nothing), SafeString)
    assert isinstance(chosen, SafeString)
    assert " selected>" in options_html([("x", "X")], "x")  # from pairs too


def test_an_unknown_filter_is_named_in_the_visitors_language(vocab):
    """The filter's name in the notice ("compétence") is translated when the notice is
    written, in the language active then."""
    from members.directory import directory_query

    with translation.override("fr"):
        query = directory_query(params={"skill": "nope", "seeks": "nada"})
    assert any("compétence" in notice and "nope" in notice for notice in query.notices)
    assert len(query.notices) == 2
    query = directory_query(params={"skill": "seo", "offers": "translation"})
    assert (query.skill.slug, query.offer.slug, query.notices) == ("seo", "translation", [])
