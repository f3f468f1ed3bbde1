"""The directory's Skill, Offers and Seeks lists are in alphabetical order of the names they
show, in the visitor's language, accents and case aside."""

import html
import re

import pytest
from django.urls import reverse

from tests.factories import TermFactory, UserFactory

URL = reverse("members:directory")


def shown_terms(client, select: str) -> list[str]:
    page = client.get(URL).content.decode()
    options = re.search(rf'<select id="f-{select}" name="{select}">(.*?)</select>', page, re.S)[1]
    return [
        html.unescape(label)
        for label in re.findall(r'<option value="[^"]+"[^>]*>([^<]*)<', options)
    ]


@pytest.fixture
def terms(db):
    for slug, en, fr, nl in [
        ("seo", "SEO", "référencement", "zoekmachineoptimalisatie"),
        ("ux-research", "UX research", "recherche UX", "UX-onderzoek"),
        ("accounting", "accounting", "comptabilité", "boekhouding"),
        ("writing", "writing", "écriture", "Schrijven"),
        ("web-design", "web design", "conception web", "webdesign"),
    ]:
        TermFactory(slug=slug, name_en=en, name_fr=fr, name_nl=nl)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["accounting", "SEO", "UX research", "web design", "writing"]),
        ("fr", ["comptabilité", "conception web", "écriture", "recherche UX", "référencement"]),
        (
            "nl",
            ["boekhouding", "Schrijven", "UX-onderzoek", "webdesign", "zoekmachineoptimalisatie"],
        ),
    ],
)
def test_term_filters_are_in_alphabetical_order_of_their_shown_names(
    client, terms, language, expected
):
    client.force_login(UserFactory(preferred_language=language))
    for select in ("skill", "offers", "seeks"):
        assert shown_terms(client, select) == expected
