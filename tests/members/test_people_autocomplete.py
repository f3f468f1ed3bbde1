"""The people picker (`/directory/people.json`, and the collaboration form's field built on it):
accent- and case-insensitive, only visible people, and it shows names, never slugs."""

import pytest
from django.urls import reverse

from collaborations.forms import ParticipantForm
from tests.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    return {
        "lea": make_member("Léa Dubois", headline="Translator"),
        "zoe": make_member("Zoë Van den Berg"),
        "amelie": make_member("AMÉLIE Martin"),
        "hidden": make_member("Léane Cachée", visibility="hidden"),
        "seo": make_member("Bart Peeters", headline="zoekmachine optimalisatie, lea-ding SEO"),
    }


def _names(client, q: str) -> list[str]:
    response = client.get(reverse("members:people_json"), {"q": q})
    assert response.status_code == 200
    return [r["name"] for r in response.json()["results"]]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("lea", ["Léa Dubois"]),
        ("LÉA", ["Léa Dubois"]),
        ("léa dub", ["Léa Dubois"]),
        ("zoe", ["Zoë Van den Berg"]),
        ("Zoë", ["Zoë Van den Berg"]),
        ("amelie", ["AMÉLIE Martin"]),
        ("van den", ["Zoë Van den Berg"]),
        # Typed run together, as the directory finds them; but not a few letters across two
        # names ("ad": Léa Dubois).
        ("vandenberg", ["Zoë Van den Berg"]),
        ("zoevanden", ["Zoë Van den Berg"]),
        ("ad", []),
    ],
)
def test_names_match_without_accents_and_case(client, member, people, q, expected):
    client.force_login(member)
    assert _names(client, q) == expected


def test_hidden_people_are_never_listed(client, member, people, staff):
    client.force_login(member)
    assert "Léane Cachée" not in _names(client, "leane")
    client.logout()
    assert _names(client, "lea") == []  # anonymous: members-only profiles stay out


def test_one_query_whatever_the_number_of_matches(
    client, member, people, django_assert_num_queries
):
    client.force_login(member)
    _names(client, "lea")  # warm the session and user
    with django_assert_num_queries(3):  # session, user, the people
        _names(client, "lea")
    for n in range(30):
        make_member(f"Léa Number {n}")
    with django_assert_num_queries(3):
        assert len(_names(client, "lea")) == 10


def test_the_member_field_shows_the_name_and_submits_the_slug(member, people):
    lea = people["lea"]
    form = ParticipantForm(prefix="participants-0", initial={"member": lea.user}, viewer=member)
    html = str(form["member"])
    assert 'value="Léa Dubois"' in html
    assert f'type="hidden" name="participants-0-member_slug" value="{lea.slug}"' in html
    assert f'value="{lea.slug}"' not in html.split('type="hidden"')[0]


def test_the_picked_slug_wins_over_the_name_and_an_edited_name_is_read_as_typed(member, people):
    lea, zoe = people["lea"], people["zoe"]
    twin = make_member("Léa Dubois", headline="The other one")
    picked = {"member": "Léa Dubois · The other one", "member_slug": twin.slug, "role": "client"}
    form = ParticipantForm(data=picked, viewer=member)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["member"] == twin.user
    # Without JavaScript the hidden slug stays as it was: a changed name is what counts.
    edited = {"member": "Zoë Van den Berg", "member_slug": lea.slug, "role": "client"}
    form = ParticipantForm(data=edited, viewer=member)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["member"] == zoe.user
    # As today: a slug typed by hand, or a unique exact name, still works.
    for typed in (lea.slug, "zoë van den berg"):
        form = ParticipantForm(data={"member": typed, "role": "client"}, viewer=member)
        assert form.is_valid(), form.errors
