"""The vocabulary picker (`/directory/terms.json`, the profile form's skills, offers and seeks):
accent- and case-insensitive on every database, named in the member's language (with the
name or synonym that was typed when it differs), never a slug; proposed terms only for the
member who proposed them."""

import pytest
from django.urls import reverse
from django.utils import translation

from members.models import Term
from members.selectors import terms_autocomplete
from tests.factories import TermFactory, UserFactory

URL = reverse("members:terms_json")

pytestmark = pytest.mark.django_db


@pytest.fixture
def vocabulary(db):
    return {
        "seo": TermFactory(
            slug="seo",
            name_en="SEO",
            name_fr="référencement",
            name_nl="zoekmachineoptimalisatie",
            synonyms="search engine optimisation",
        ),
        "translation": TermFactory(
            slug="translation",
            name_en="translation",
            name_fr="traduction",
            name_nl="vertaling",
            synonyms="translator,traducteur",
        ),
        "design": TermFactory(
            slug="ux-design", name_en="UX design", name_fr="design d'expérience", name_nl=""
        ),
    }


def _results(client, q: str, language: str = "en") -> list[dict]:
    response = client.get(URL, {"q": q}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.json()["results"]


@pytest.mark.parametrize(
    ("q", "slug"),
    [
        ("referencement", "seo"),  # accents left out
        ("RÉFÉRENCEMENT", "seo"),
        ("Zoekmachine", "seo"),
        ("experience", "ux-design"),
        ("TRADUC", "translation"),
        ("vertal", "translation"),
        ("ux-des", "ux-design"),
    ],
)
def test_terms_match_without_accents_and_case(client, vocabulary, q, slug):
    client.force_login(UserFactory())
    assert [r["slug"] for r in _results(client, q)] == [slug]


def test_the_name_is_in_the_members_language_with_what_was_typed(vocabulary):
    user = UserFactory()
    with translation.override("fr"):
        (seo,) = terms_autocomplete(user=user, q="zoekmachine")
    assert seo["name"] == "référencement"
    assert seo["matched"] == "zoekmachineoptimalisatie"
    with translation.override("nl"):
        (seo,) = terms_autocomplete(user=user, q="zoekm")
        (design,) = terms_autocomplete(user=user, q="ux")
    assert seo["name"] == "zoekmachineoptimalisatie"
    assert seo["matched"] == ""
    assert design["name"] == "UX design"  # no Dutch name: the English one, never the slug
    with translation.override("en"):
        (translation_term,) = terms_autocomplete(user=user, q="traducteur")
    assert translation_term["name"] == "translation"
    assert translation_term["matched"] == "traducteur"


def test_names_starting_with_what_was_typed_come_first(vocabulary):
    TermFactory(slug="data-design", name_en="data design")
    with translation.override("en"):
        found = [r["name"] for r in terms_autocomplete(user=UserFactory(), q="des")]
    assert found == ["data design", "UX design"]  # both have a word starting with "des"
    with translation.override("en"):
        found = [r["name"] for r in terms_autocomplete(user=UserFactory(), q="ign")]
    assert found == ["data design", "UX design"]  # inside a word only: still found


def test_proposed_terms_only_for_their_proposer(client, vocabulary):
    author = UserFactory()
    Term.objects.create(
        slug="zythologie",
        name_en="zythology",
        name_fr="zythologie",
        status=Term.Status.PROPOSED,
        proposed_by=author,
    )
    client.force_login(UserFactory())
    assert _results(client, "zytho") == []
    client.force_login(author)
    (mine,) = _results(client, "ZYTHÓ")
    assert mine["proposed"] is True
    assert mine["name"] == "zythology"


def test_empty_or_punctuation_only_gives_nothing_never_an_error(client, vocabulary):
    client.force_login(UserFactory())
    for q in ("", "   ", "'!", "x" * 5000):
        assert _results(client, q) == []


def test_one_query_whatever_the_number_of_matches(vocabulary, django_assert_num_queries):
    user = UserFactory()
    for n in range(30):
        TermFactory(slug=f"design-{n}", name_en=f"design {n}")
    with django_assert_num_queries(1):
        assert len(terms_autocomplete(user=user, q="design")) == 10
