"""Search audit (members searching the directory): names typed as people type them — run
together ("vanderberg", "jeanluc", "obrien", a company "latelier"), spelt without umlauts
("mueller", "oersted") —, plurals of skills ("translations", "développeurs"), a search of
punctuation only, the word limit counted as searched, best match's name tiers on both
databases, and an edit found at once. On SQLite and PostgreSQL alike."""

import html
import re

import pytest
from django.http import QueryDict
from django.urls import reverse

from members.directory import directory_choices, directory_options, directory_parse
from members.directory import sqlite as directory_sqlite
from members.directory.postgres import directory_search_page
from tests.factories import TermFactory, UserFactory, make_member

URL = reverse("members:directory")
API = "/api/v1/directory/"


def names(response) -> list[str]:
    assert response.status_code == 200
    return [html.unescape(n) for n in re.findall(r"<h3>([^<]+)</h3>", response.content.decode())]


def notices(response) -> list[str]:
    found = re.findall(r'message-warning" role="status">([^<]+)<', response.content.decode())
    return [html.unescape(n) for n in found]


@pytest.fixture
def terms(db):
    return {
        "translation": TermFactory(
            slug="translation",
            name_en="translation",
            name_fr="traduction",
            name_nl="vertaling",
            synonyms="translator,traducteur",
        ),
        "developer": TermFactory(
            slug="developer", name_en="developer", name_fr="développeur", name_nl="ontwikkelaar"
        ),
        "web-design": TermFactory(
            slug="web-design", name_en="web design", name_fr="conception web", name_nl="webdesign"
        ),
    }


@pytest.fixture
def people(terms):
    make_member("Pieter Van der Berg", skills=[terms["translation"]])
    make_member("Jean-Luc Dupont", skills=[terms["developer"]])
    make_member("Seán O'Brien", company="l'Atelier des Mots")
    make_member("Zoë Ørsted", headline="Cœur de métier", city="Liège", skills=[terms["web-design"]])
    make_member("Jürgen Müller")
    make_member("Anna Strauß")
    make_member("Bart Plain", bio="Reads about Paris")
    make_member("Hidden Vanderberg", visibility="hidden", skills=[terms["translation"]])


@pytest.fixture
def member_client(client, db):
    client.force_login(UserFactory(name="Viewer Person"))
    return client


@pytest.mark.parametrize(
    ("q", "who"),
    [
        ("vanderberg", "Pieter Van der Berg"),
        ("vanderb", "Pieter Van der Berg"),  # while typing
        ("VanDerBerg", "Pieter Van der Berg"),
        ("jeanluc", "Jean-Luc Dupont"),
        ("jeanluc dupont", "Jean-Luc Dupont"),
        ("obrien", "Seán O'Brien"),
        ("latelier", "Seán O'Brien"),  # the company, "l'Atelier des Mots"
        ("oersted", "Zoë Ørsted"),
        ("mueller", "Jürgen Müller"),
        ("juergen", "Jürgen Müller"),
        ("translations", "Pieter Van der Berg"),  # a plural: the term "translation"
        ("traductions", "Pieter Van der Berg"),
        ("développeurs", "Jean-Luc Dupont"),
        ("developers", "Jean-Luc Dupont"),
        ("web designs liege", "Zoë Ørsted"),
    ],
)
def test_names_and_skills_are_found_as_people_type_them(member_client, people, q, who):
    assert names(member_client.get(URL, {"q": q})) == [who]


@pytest.mark.parametrize(
    ("q", "who"),
    [
        ("van der berg", "Pieter Van der Berg"),
        ("berg", "Pieter Van der Berg"),
        ("jean luc", "Jean-Luc Dupont"),
        ("Jean-Luc", "Jean-Luc Dupont"),
        ("o'brien", "Seán O'Brien"),
        ("O\u2019Brien", "Seán O'Brien"),  # a typographic apostrophe
        ("sean", "Seán O'Brien"),
        ("l'atelier", "Seán O'Brien"),
        ("atelier", "Seán O'Brien"),
        ("Ørsted", "Zoë Ørsted"),
        ("orsted", "Zoë Ørsted"),
        ("coeur", "Zoë Ørsted"),
        ("muller", "Jürgen Müller"),
        ("strauss", "Anna Strauß"),
        ("traduction", "Pieter Van der Berg"),
        ("translation traduction", "Pieter Van der Berg"),  # a term and its synonym
        ("transl", "Pieter Van der Berg"),
        ("developpeur", "Jean-Luc Dupont"),
        ("web design liège", "Zoë Ørsted"),
        ("paris", "Bart Plain"),
    ],
)
def test_what_was_found_before_is_still_found(member_client, people, q, who):
    assert names(member_client.get(URL, {"q": q})) == [who]


def test_a_plural_is_a_whole_word_not_a_shorter_prefix(member_client, people):
    """ "plans" is "plan" or a word starting with "plans", never any word starting with
    "plan" ("planning"); a word ending in "ss" is no plural."""
    make_member("Carl Planning", headline="planning")
    make_member("Dora Plan", headline="a plan")
    assert names(member_client.get(URL, {"q": "plans"})) == ["Dora Plan"]
    assert names(member_client.get(URL, {"q": "strauss"})) == ["Anna Strauß"]


@pytest.mark.parametrize("q", ["lead", "evan", "jeanl", "vand"])
def test_a_short_word_does_not_find_a_name_across_its_words(member_client, people, q):
    """ "lead" is a word of its own, not the start of "Léa Dubois" typed run together; the
    other spellings are found whole, or by their start from seven letters ("vanderb")."""
    make_member("Léa Dubois")
    make_member("Eva Nowak")
    found = names(member_client.get(URL, {"q": q}))
    assert not {"Léa Dubois", "Eva Nowak", "Jean-Luc Dupont", "Pieter Van der Berg"} & set(found)


def test_a_hidden_profile_is_not_found_by_its_other_spellings(client, people):
    assert names(client.get(URL, {"q": "vanderberg"})) == []  # anonymous: public only
    member = UserFactory(name="Some Member")
    client.force_login(member)
    assert names(client.get(URL, {"q": "vanderberg"})) == ["Pieter Van der Berg"]
    response = client.get(URL, {"q": "vanderberg", "sort": "name"})
    assert "1 member" in response.content.decode()


@pytest.mark.parametrize("q", ["!!!", "-", "'", "…"])
def test_a_search_of_punctuation_only_says_everyone_is_listed(member_client, people, q):
    response = member_client.get(URL, {"q": q})
    assert len(names(response)) == 8  # everyone visible: 7 people and the viewer
    assert notices(response) == [f"Your search “{q}” has no letters or digits: showing everyone."]
    api = member_client.get(API, {"q": q})  # the API lists everyone, as without q
    assert api.status_code == 200
    assert api.json()["count"] == 8


def test_the_word_limit_counts_words_as_searched(member_client, people):
    """ "Web web WEB…" is one word; "a-b c-d e-f g-h i-j" ten (a hyphen separates words):
    the notice says so when, and only when, words were left out."""
    response = member_client.get(URL, {"q": "Web web WEB wEb weB WEb wEB Web. web!"})
    assert notices(response) == []
    response = member_client.get(URL, {"q": "aa-bb cc-dd ee-ff gg-hh ii-jj"})
    assert notices(response) == ["Only the first 8 words of your search are used."]
    api = member_client.get(API, {"q": "aa-bb cc-dd ee-ff gg-hh ii-jj"})
    assert api.status_code == 400
    assert api.json()["errors"]["q"] == ["The search has too many words: at most 8."]
    assert member_client.get(API, {"q": "Web web WEB wEb weB WEb wEB Web. web!"}).status_code == 200


def test_best_match_ranks_name_matches_first_on_both_databases(member_client, db):
    """Only a name is a name match: a word in the headline or the bio, or a name's other
    spelling ("vanderberg"), comes after every name that starts with the words — on
    PostgreSQL as on SQLite (the tier was tested on the whole vector there)."""
    make_member("Mara Zoeller")
    make_member("Aaron Bee", headline="zoe ma zoe ma zoe ma", bio="zoe ma " * 10)
    make_member("Aaron Zoe", headline="marketing marketing")
    found = names(member_client.get(URL, {"q": "zoe ma"}))
    assert found[0] == "Mara Zoeller", found
    assert set(found[1:]) == {"Aaron Bee", "Aaron Zoe"}, found
    make_member("Anna Vanderberghe")
    make_member("Pieter Van der Berg", headline="vanderberg vanderberg vanderberg")
    found = names(member_client.get(URL, {"q": "vanderberg"}))
    assert found == ["Anna Vanderberghe", "Pieter Van der Berg"], found


def test_an_edit_is_found_at_once(member_client, terms, settings):
    """A new name and a new skill are searchable on the next request, through the results
    cache (kept for two minutes otherwise)."""
    settings.DIRECTORY_CACHE_SECONDS = 120
    profile = make_member("Karel Vandamme")
    assert names(member_client.get(URL, {"q": "vandamme"})) == ["Karel Vandamme"]
    assert names(member_client.get(URL, {"q": "translations"})) == []
    profile.display_name = "Karel De Smet-Vandamme"
    profile.save()
    profile.skills.add(terms["translation"])
    assert names(member_client.get(URL, {"q": "desmet"})) == ["Karel De Smet-Vandamme"]
    assert names(member_client.get(URL, {"q": "translations"})) == ["Karel De Smet-Vandamme"]
    assert names(member_client.get(URL, {"q": "vandamme"})) == ["Karel De Smet-Vandamme"]


@pytest.mark.postgres
def test_search_rows_and_profile_rows_agree_on_these_searches(people, terms):
    """The equivalence of the two paths (as in test_search_refresh), for this audit's
    searches: the same members and totals from the search rows (PostgreSQL) and from the
    folded document (SQLite's queryset), for every kind of viewer and order."""
    viewers = [None, UserFactory(), UserFactory(is_staff=True)]
    searches = [
        "vanderberg", "jeanluc", "obrien", "latelier", "oersted", "mueller", "translations",
        "developers", "plans", "web designs liege", "van der berg", "zoe", "paris",
    ]  # fmt: skip
    for viewer in viewers:
        options = {**directory_options(user=viewer), **directory_choices()}
        for q in searches:
            for sort in ("relevance", "name", "recent"):
                query = directory_parse(QueryDict(f"q={q}&sort={sort}"), options=options)
                cards, total = directory_search_page(
                    user=viewer, query=query, term_index=options["term_words"], number=1
                )
                expected, expected_total = directory_sqlite.profile_page_fetch(
                    directory_sqlite.directory_profiles(user=viewer, query=query),
                    user=viewer,
                    per_page=24,
                )(1)
                got = [c.pk for c in cards]
                want = [p.pk for p in expected]
                assert total == expected_total, (q, sort, viewer)
                if sort == "relevance":  # tiers alike, ranked within them here
                    assert sorted(got) == sorted(want), (q, sort, viewer)
                else:
                    assert got == want, (q, sort, viewer)
