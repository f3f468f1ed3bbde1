"""People you should meet: matched both ways, explained, never hidden people or colleagues."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.suggestions import suggestions_for
from tests.factories import make_member


@pytest.fixture
def katia(db, vocab):
    return make_member(
        "Katia Xenophontos",
        skills=[vocab["translation"], vocab["seo"]],
        offers=[vocab["translation"]],
        seeks=[vocab["web-design"]],
        company="Xenophontos Translations",
    )


def test_best_match_first_with_reasons(katia, vocab):
    lea = make_member(  # offers what Katia seeks AND seeks what she offers
        "Léa Dubois",
        offers=[vocab["web-design"]],
        seeks=[vocab["translation"]],
        company="Pixelwerk",
    )
    maxime = make_member("Maxime Kings", seeks=[vocab["translation"]], company="Madkings")
    sam = make_member("Sam Seo", skills=[vocab["seo"]])
    make_member("Nobody Related", skills=[vocab["coaching"]])

    found = suggestions_for(user=katia.user, limit=10)
    assert [s.profile for s in found] == [lea, maxime, sam]
    assert found[0].reasons == [
        "offers web design — you seek web design",
        "seeks translation — you offer translation",
    ]
    assert found[1].reasons == ["seeks translation — you offer translation"]
    assert found[2].reasons == ["you both know SEO"]


def test_never_hidden_people_colleagues_or_myself(katia, vocab):
    make_member("Hidden Designer", visibility="hidden", offers=[vocab["web-design"]])
    make_member("Colleague Designer", offers=[vocab["web-design"]], company=katia.company)
    visible = make_member("Visible Designer", offers=[vocab["web-design"]])
    found = [s.profile for s in suggestions_for(user=katia.user, limit=30)]
    assert found == [visible]


def test_page_home_panel_and_login_required(client, katia, vocab):
    make_member("Léa Dubois", offers=[vocab["web-design"]], visibility="public")
    make_member("Hidden Designer", visibility="hidden", offers=[vocab["web-design"]])
    url = reverse("members:suggestions")
    assert client.get(url).status_code == 302
    client.force_login(katia.user)
    page = client.get(url).content.decode()
    assert "Léa Dubois" in page
    assert "offers web design — you seek web design" in page
    assert "Hidden Designer" not in page
    home = client.get(reverse("home")).content.decode()
    assert "People you should meet" in home
    assert "Léa Dubois" in home


def test_suggestions_query_count_is_the_same_for_1_and_30(client, katia, vocab):
    client.force_login(katia.user)
    url = reverse("members:suggestions")
    make_member("First Match", offers=[vocab["web-design"]])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        response = client.get(url)
    assert len(response.context["suggestions"]) == 1
    for n in range(29):
        make_member(f"Match {n}", offers=[vocab["web-design"]], seeks=[vocab["translation"]])
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["suggestions"]) == 30
    assert len(many) == len(one)
