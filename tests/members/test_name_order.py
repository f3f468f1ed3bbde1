"""Lists of people by name read as a reader orders names: accents and case aside ("Élodie"
among the E's, "de Smet" among the D's), on SQLite as on PostgreSQL (whose database collation
does it; a "C" collation orders by code point, as SQLite's own)."""

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from members.directory import profiles_in_places
from members.selectors import people_autocomplete
from tests.factories import CompanyFactory, SpaceFactory, UserFactory, make_member

from .conftest import in_name_order, names_by_code_point

READER_ORDER = [
    "Anna Bell",
    "de Smet Jan",
    "Élodie Aerts",
    "Emma Claes",
    "Zoë Willems",
    "Zoë Wouters",
]


@pytest.fixture
def people(db):
    company = CompanyFactory(name="Atelier Sud", slug="atelier-sud")
    space = SpaceFactory(name="Mons Hub", slug="mons-hub", city="Mons")
    for name in reversed(READER_ORDER):
        make_member(name, company=company, home_space=space, city="Mons")
    return company, space


def names(response) -> list[str]:
    return [html.unescape(n) for n in re.findall(r"<h3>([^<]+)</h3>", response.content.decode())]


def test_lists_of_people_by_name_ignore_accents_and_case(people):
    """A reader's order on SQLite and on a PostgreSQL database collated for people (the
    production image's en_US.utf8); on a "C"-collated one (this machine's test server) the
    database's own order, which the PostgreSQL path keeps."""
    expected = in_name_order(READER_ORDER)
    if not names_by_code_point():
        assert expected == READER_ORDER
    company, space = people
    client = Client()
    viewer = UserFactory(name="Yann Viewer")
    client.force_login(viewer)
    directory = client.get(reverse("members:directory"), {"sort": "name"})
    assert [n for n in names(directory) if n in READER_ORDER] == expected
    assert names(client.get(company.get_absolute_url())) == expected
    assert names(client.get(space.get_absolute_url())) == expected
    cards, _total = profiles_in_places(viewer=viewer, places=["Mons"], exclude_space_id=None)
    assert [card.display_name for card in cards] == expected
    found = people_autocomplete(user=viewer, q="ae")  # Élodie Aerts, Emma Claes
    assert [person["name"] for person in found] == in_name_order(["Élodie Aerts", "Emma Claes"])
