"""QA round 6, the directory and the lists of people as a visitor and staff meet them: a staff
export of a list matching nobody says so instead of downloading an empty file; an anonymous
visitor is told that members-only profiles are listed once they log in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import SpaceFactory, make_member

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("members:directory")
DIRECTORY_VCF = reverse("members:directory_vcf")
LOGIN_HINT = "Profiles shared with members only are listed once you"


# --- staff export of an empty list ---------------------------------------------------------------


def test_exporting_a_list_that_matches_nobody_says_so_instead_of_an_empty_file(client, staff):
    make_member("Katia Xenophontos", visibility="public")
    client.force_login(staff)
    response = client.get(DIRECTORY_VCF, {"q": "zzzqqq"}, follow=True)
    assert response["Content-Type"].startswith("text/html")  # no empty .vcf to open
    assert response.redirect_chain[0] == (f"{DIRECTORY}?q=zzzqqq", 302)
    html = response.content.decode()
    assert "Nobody in this list: there is nothing to export." in html
    assert 'value="zzzqqq"' in html  # the search is still in the box


def test_exporting_a_list_with_people_still_downloads_their_cards(client, staff):
    make_member("Katia Xenophontos", visibility="public")
    client.force_login(staff)
    response = client.get(DIRECTORY_VCF, {"q": "katia"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    assert "FN:Katia Xenophontos" in response.content.decode()


def test_a_list_longer_than_one_export_carries_is_refused_with_what_to_do(client, staff, settings):
    """The export carries at most the directory's count cap; a longer list is not cut to its
    first rows in silence (an address book would look complete): the list again, and why."""
    settings.DIRECTORY_COUNT_CAP = 2
    for name in ("Ann Translation", "Bob Translation", "Cleo Translation"):
        make_member(name, visibility="public")
    client.force_login(staff)
    response = client.get(DIRECTORY_VCF, {"q": "translation"}, follow=True)
    assert response.redirect_chain[0] == (f"{DIRECTORY}?q=translation", 302)
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "More than 2 members in this list: one export carries at most 2." in html
    assert "export everyone from the members" in html
    settings.DIRECTORY_COUNT_CAP = 3  # as many as the cap: the file, all three
    response = client.get(DIRECTORY_VCF, {"q": "translation"})
    assert response.status_code == 200
    assert response.content.decode().count("BEGIN:VCARD") == 3


def test_the_empty_export_is_still_refused_to_members_and_visitors(client, member):
    response = client.get(DIRECTORY_VCF, {"q": "zzzqqq"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    client.force_login(member)
    assert client.get(DIRECTORY_VCF, {"q": "zzzqqq"}).status_code == 403


# --- anonymous visitors: members-only profiles appear after logging in --------------------------


@pytest.fixture
def ayomi():
    """A company and a space whose only member shows their profile to members only."""
    space = SpaceFactory(name="Switch Coworking", city="Charleroi")
    return make_member(
        "Guillaume Tourniaire", visibility="members", company="Ayomi", home_space=space
    )


def _pages(profile) -> list[str]:
    return [DIRECTORY, profile.company.get_absolute_url(), profile.home_space.get_absolute_url()]


def test_an_anonymous_visitor_is_told_why_a_list_may_look_short(client, ayomi):
    ayomi.company.description = "Equity crowdfunding"  # its page opens to everyone
    ayomi.company.save()
    for url in _pages(ayomi):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "Guillaume" not in html, url
        assert LOGIN_HINT in html, url
        assert f"{reverse('account_login')}?next={url}" in html, url


def test_members_see_the_list_without_the_login_hint(client, member, ayomi):
    client.force_login(member)
    for url in _pages(ayomi):
        html = client.get(url).content.decode()
        assert "Guillaume Tourniaire" in html, url
        assert LOGIN_HINT not in html, url


def test_the_login_link_brings_the_visitor_back_to_the_same_search(client, ayomi):
    html = client.get(DIRECTORY, {"q": "crowdfunding", "page": "2"}).content.decode()
    assert f"{reverse('account_login')}?next=/directory/%3Fq%3Dcrowdfunding%26page%3D2" in html


# --- a tag typed whole ----------------------------------------------------------------------


def test_searching_a_tag_of_a_letter_and_symbols_finds_who_has_it_not_every_c(client):
    from members.services import terms_resolve

    lea = make_member("Léa Dubois", visibility="public")
    lea.skills.set(terms_resolve(labels=["C++"], proposer=lea.user))
    lea.save()  # the search row follows
    make_member("Carla Coppens", visibility="public", headline="Copywriter")
    html = client.get(DIRECTORY, {"q": "C++"}).content.decode()
    assert "Léa Dubois" in html
    assert "Carla Coppens" not in html


def test_a_tag_typed_whole_among_other_words_and_a_letter_alone(client):
    from members.services import terms_resolve

    lea = make_member("Léa Dubois", visibility="public")
    lea.skills.set(terms_resolve(labels=["C++"], proposer=lea.user))
    lea.save()
    cedric = make_member("Cédric Lambert", visibility="public")
    cedric.offers.set(terms_resolve(labels=["C#"], proposer=cedric.user))
    cedric.save()
    make_member("Carla Coppens", visibility="public", headline="Copywriter")

    both = client.get(DIRECTORY, {"q": "c++ lea"}).content.decode()
    assert "Léa Dubois" in both
    assert "Cédric Lambert" not in both
    sharp = client.get(DIRECTORY, {"q": "C#"}).content.decode()  # an offer, too
    assert "Cédric Lambert" in sharp
    assert "Léa Dubois" not in sharp
    assert "Carla Coppens" not in sharp
    # A letter alone is still the start of a word, as any other search.
    letter = client.get(DIRECTORY, {"q": "c"}).content.decode()
    assert "Carla Coppens" in letter
    assert "Cédric Lambert" in letter
