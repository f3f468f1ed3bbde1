"""The directory's "City or region" filter ignores accents and case, as a chapter's "From this
region" count (`profiles_in_places()`) that links to it, on SQLite and PostgreSQL alike."""

import re

import pytest
from django.urls import reverse

from members.directory import profiles_in_places
from tests.factories import SpaceFactory, UserFactory, make_member

URL = reverse("members:directory")


def names(response) -> list[str]:
    return re.findall(r"<h3>([^<]+)</h3>", response.content.decode())


@pytest.fixture
def viewer_client(client, db):
    space = SpaceFactory(name="Mons Hub", slug="mons-hub", city="Mons")
    make_member("Amélie Ferrant", city="la louvière", home_space=space)
    make_member("Bruno Cools", city="Mons", region="Hainaut", home_space=space)
    make_member("Chloé Dupont", city="", region="")
    viewer = UserFactory(name="Viewer Person")
    client.force_login(viewer)
    return client, viewer


@pytest.mark.parametrize("place", ["la louvière", "La Louviere", "LA LOUVIÈRE", " la  Louvière "])
def test_place_filter_ignores_accents_and_case(viewer_client, place):
    client, viewer = viewer_client
    assert names(client.get(URL, {"place": place})) == ["Amélie Ferrant"]
    cards, _total = profiles_in_places(viewer=viewer, places=[place], exclude_space_id=None)
    assert [card.display_name for card in cards] == ["Amélie Ferrant"]


def test_place_filter_matches_a_region_and_never_an_empty_place(viewer_client):
    client, _viewer = viewer_client
    assert names(client.get(URL, {"place": "hainaut"})) == ["Bruno Cools"]
    assert names(client.get(URL, {"place": "!!"})) == []  # punctuation only: no place
    assert names(client.get(URL, {"place": "louvie"})) == []  # a place is whole, not a prefix
