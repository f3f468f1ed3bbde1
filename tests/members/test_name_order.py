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
    if names_by_code_point():
        pytest.skip("this PostgreSQL database's collation (C) orders names by code point")
    company = CompanyFactory(name="Atelier Sud", slug="atelier-sud")
    space = SpaceFactory(name="Mons Hub", slug="mons-hub", city="Mons")
    for name in reversed(READER_ORDER):
        make_member(name, company=company, home_space=space, city="Mons")
    return company, space


def names(response) -> list[str]:
    return [html.unescape(n) for n in re.findall(r"<h3>([^<]+)</h3>", response.content.decode())]


def test_lists_of_people_by_name_ignore_accents_and_case(people):
    assert in_name_order(list(reversed(READER_ORDER))) == READER_ORDER
    company, space = people
    client = Client()
    viewer = UserFactory(name="Yann Viewer")
    client.force_login(viewer)
    directory = client.get(reverse("members:directory"), {"sort": "name"})
    assert [n for n in names(directory) if n in READER_ORDER] == READER_ORDER
    assert names(client.get(company.get_absolute_url())) == READER_ORDER
    assert names(client.get(space.get_absolute_url())) == READER_ORDER
    cards, _total = profiles_in_places(viewer=viewer, places=["Mons"], exclude_space_id=None)
    assert [card.display_name for card in cards] == READER_ORDER
    found = people_autocomplete(user=viewer, q="ae")  # Élodie Aerts, Emma Claes
    assert [person["name"] for person in found] == ["Élodie Aerts", "Emma Claes"]
