"""Member cards come from one template (`members/_member_card.html`), their avatar from the
same markup as the `avatar` tag (`members/_avatar.html`); every value is escaped; a card kept
between requests never outlives a change to what it shows."""

import re

import pytest
from django.template import Context, Template
from django.urls import reverse, set_script_prefix
from django.utils import translation

from members.directory.cards import profile_cards
from members.models import Profile
from tests.factories import TermFactory, UserFactory, make_member

URL = reverse("members:directory")

pytestmark = pytest.mark.django_db


def _render(source: str, **context) -> str:
    return Template("{% load members_tags %}" + source).render(Context(context))


@pytest.fixture
def katia(db):
    translation_term = TermFactory(
        slug="translation", name_en="translation", name_fr="traduction", name_nl="vertaling"
    )
    return make_member(
        "Katia <b>Xenophontos</b>",
        visibility="members",
        headline="Translator & blogger",
        company="Xeno & Co",
        skills=[translation_term],
        offers=[translation_term],
    )


def _card_of(profile: Profile) -> str:
    cards = list(profile_cards(Profile.objects.filter(pk=profile.pk)))
    return _render("{% profile_cards cards %}", cards=cards)


def test_the_card_avatar_is_the_avatar_tags_markup(katia):
    card = _card_of(katia)
    avatar = _render("{% avatar p %}", p=Profile.objects.get(pk=katia.pk))
    assert avatar.startswith('<span class="avatar avatar-thumb avatar-initials')
    assert avatar in card


def test_every_value_is_escaped_and_terms_are_named_in_the_language(katia):
    with translation.override("fr"):
        card = _card_of(katia)
    assert "Katia &lt;b&gt;Xenophontos&lt;/b&gt;" in card
    assert "Translator &amp; blogger" in card
    assert "Xeno &amp; Co" in card
    assert '<li class="tag">traduction</li>' in card
    assert "<b>" not in card
    with translation.override("nl"):
        assert '<li class="tag">vertaling</li>' in _card_of(katia)


def test_a_kept_card_follows_a_change_at_once(client, katia, settings):
    settings.DIRECTORY_CACHE_SECONDS = 0
    client.force_login(UserFactory())
    assert "Translator &amp; blogger" in client.get(URL).content.decode()
    katia.headline = "Interpreter"
    katia.save()
    html = client.get(URL).content.decode()
    assert "Interpreter" in html
    assert "Translator &amp; blogger" not in html


def test_cards_are_h3_under_the_directorys_h2(client, katia):
    client.force_login(UserFactory())
    html = client.get(URL).content.decode()
    headings = re.findall(r"<h([1-6])[^>]*>", html)
    first_card = headings.index("3")
    assert "2" in headings[:first_card]
    assert headings[0] == "1"


@pytest.mark.postgres
def test_a_card_read_again_is_not_built_again_but_follows_its_company_and_language(
    client, katia, settings, monkeypatch
):
    """On PostgreSQL a card comes as a row, and its HTML is kept under that row and the
    language: shown again, nothing is built; a change in the row (the company renamed) or
    another language renders it anew."""
    from members.directory import cards

    settings.DIRECTORY_CACHE_SECONDS = 0
    client.force_login(UserFactory())
    built = []
    original = cards.card_items

    def counting(profiles):
        profiles = list(profiles)
        built.extend(p.pk for p in profiles)
        return original(profiles)

    monkeypatch.setattr(cards, "card_items", counting)
    search = {"q": "katia"}
    assert "Xeno &amp; Co" in client.get(URL, search).content.decode()
    assert built == [katia.pk]
    assert "Xeno &amp; Co" in client.get(URL, search).content.decode()
    assert built == [katia.pk]  # kept
    katia.company.name = "Xeno Translations"
    katia.company.save()
    assert "Xeno Translations" in client.get(URL, search).content.decode()
    client.force_login(UserFactory(preferred_language="nl"))
    assert '<li class="tag">vertaling</li>' in client.get(URL, search).content.decode()
    assert built == [katia.pk] * 3


def test_a_card_row_holding_decoded_json_is_rendered_without_being_kept(katia):
    """A driver that decodes JSON itself hands over a dict: the card is still shown."""
    from members.directory.cards import cards_html
    from members.models import Card

    row = (
        katia.pk,
        katia.slug,
        katia.display_name,
        katia.headline,
        katia.job_title,
        "",
        katia.updated_at,
        {"skills": [{"en": "translation"}]},
        None,
        None,
        None,
    )
    html = cards_html([Card(row)])
    assert "Katia &lt;b&gt;Xenophontos&lt;/b&gt;" in html
    assert '<li class="tag">translation</li>' in html


def test_card_links_follow_the_script_prefix(katia):
    """The cards' URLs are reversed once per process, for each script prefix in force: a
    site served under a path (SCRIPT_NAME) links its cards under it."""
    cards = profile_cards(Profile.objects.filter(pk=katia.pk))
    assert f'href="/members/{katia.slug}/"' in _render("{% profile_cards cards %}", cards=cards)
    set_script_prefix("/community/")
    try:
        html = _render("{% profile_cards cards %}", cards=cards)
    finally:
        set_script_prefix("/")
    assert f'href="/community/members/{katia.slug}/"' in html
