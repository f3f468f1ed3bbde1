"""A term's name never holds a tag separator (issue: a Dutch name "UX-onderzoek,
gebruikersonderzoek" turned an unchanged profile save into two new proposed terms): the
admin refuses one, and the profile form maps the labels it showed back to the same terms."""

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from members.models import Term
from tests.factories import TermFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


def test_staff_cannot_name_a_term_with_a_comma_or_a_semicolon(client, staff):
    term = TermFactory(slug="ux-research", name_en="UX research", name_nl="UX-onderzoek")
    client.force_login(staff)
    url = reverse("admin:members_term_change", args=[term.pk])
    for name in ("UX-onderzoek, gebruikersonderzoek", "UX-onderzoek; gebruikersonderzoek"):
        response = client.post(
            url,
            {
                "slug": term.slug,
                "name_en": "UX research",
                "name_fr": "",
                "name_nl": name,
                "synonyms": "user research, gebruikersonderzoek",
                "status": "approved",
            },
        )
        assert response.status_code == 200
        assert "cannot contain a comma or a semicolon" in response.content.decode()
    term.refresh_from_db()
    assert term.name_nl == "UX-onderzoek"
    response = client.post(  # synonyms keep their commas; a clean name is saved
        url,
        {
            "slug": term.slug,
            "name_en": "UX research",
            "name_fr": "recherche UX",
            "name_nl": "UX-onderzoek",
            "synonyms": "user research, gebruikersonderzoek",
            "status": "approved",
        },
    )
    assert response.status_code == 302
    term.refresh_from_db()
    assert term.name_fr == "recherche UX"


def test_an_unchanged_save_keeps_a_term_whose_name_holds_a_comma():
    """A name saved before the admin refused commas (or by a script) still round-trips."""
    ux = TermFactory(
        slug="ux-research", name_en="UX research", name_nl="UX-onderzoek, gebruikersonderzoek"
    )
    seo = TermFactory(slug="seo", name_en="SEO", name_nl="zoekmachineoptimalisatie")
    profile = make_member("Daan Peeters", skills=[ux, seo], offers=[ux])
    profile.user.preferred_language = "nl"
    profile.user.save()
    client = Client()
    client.force_login(profile.user)
    page = client.get(reverse("members:my_profile_edit"), follow=True).content.decode()
    shown = {
        name: html.unescape(re.search(rf'name="{name}"[^>]*value="([^"]*)"', page)[1])
        for name in ("skills_tags", "offers_tags")
    }
    assert "UX-onderzoek, gebruikersonderzoek" in shown["skills_tags"]  # shown in Dutch
    terms_before = Term.objects.count()
    response = client.post(
        reverse("members:profile_edit", args=[profile.slug]),
        {
            "display_name": profile.display_name,
            "visibility": "members",
            "email_visibility": "hidden",
            "phone_visibility": "hidden",
            "seeks_tags": "",
            **shown,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(profile.skills.all()) == {ux, seo}
    assert list(profile.offers.all()) == [ux]
    assert Term.objects.count() == terms_before  # no proposal for staff to review
    viewer = Client()
    viewer.force_login(UserFactory())
    found = viewer.get(reverse("members:directory"), {"skill": "ux-research"}).content.decode()
    assert "Daan Peeters" in found
