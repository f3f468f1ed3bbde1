"""Editing my profile: what I type into shared things (a company name, the vocabulary) and
the other fields, as others then see them."""

import pytest
from django.test import Client
from django.urls import reverse

from members.models import Company, Term
from tests.factories import CompanyFactory, make_member

from .test_tags import profile_form_data

pytestmark = pytest.mark.django_db


_data = profile_form_data


def _post(profile, **extra):
    client = Client()
    client.force_login(profile.user)
    url = reverse("members:profile_edit", kwargs={"slug": profile.slug})
    return client.post(url, _data(profile, **extra))


@pytest.mark.parametrize("typed", ["Acme\u200b", "\u200bAcme", "Ac\u00adme", "\ufeffACME"])
def test_a_company_name_with_invisible_characters_joins_the_company_it_shows(typed):
    """ "Acme" and "Acme" + a zero-width space look the same: one company, not a look-alike."""
    acme = CompanyFactory(name="Acme", slug="acme")
    katia = make_member("Katia")
    assert _post(katia, company_name=typed).status_code == 302
    katia.refresh_from_db()
    assert katia.company == acme
    assert Company.objects.count() == 1


@pytest.mark.parametrize("typed", ["Acme\u202e", "Ac\u202eme Bank", "Acme\x07", "Acme\u2066x"])
def test_a_company_name_with_direction_overrides_or_controls_is_refused(typed):
    katia = make_member("Katia")
    response = _post(katia, company_name=typed, headline="Kept?")
    assert response.status_code == 400
    assert "text-direction overrides" in response.content.decode()
    assert not Company.objects.exists()
    katia.refresh_from_db()
    assert katia.headline == ""  # nothing half-saved


def test_tags_pasted_one_a_line_are_split(vocab):
    katia = make_member("Katia")
    assert _post(katia, skills_tags="translation\r\nSEO\n\tcoaching").status_code == 302
    katia.refresh_from_db()
    assert set(katia.skills.all()) == {vocab["translation"], vocab["seo"], vocab["coaching"]}


def test_a_tag_with_invisible_characters_is_the_term_it_shows(vocab):
    katia = make_member("Katia")
    assert _post(katia, skills_tags="translation\u200b, SE\u00adO").status_code == 302
    katia.refresh_from_db()
    assert set(katia.skills.all()) == {vocab["translation"], vocab["seo"]}
    assert not Term.objects.filter(status=Term.Status.PROPOSED).exists()


@pytest.mark.parametrize("typed", ["transl\u202eation", "design\x1b[31m"])
def test_a_tag_with_direction_overrides_or_controls_is_refused(vocab, typed):
    katia = make_member("Katia")
    response = _post(katia, offers_tags=typed)
    assert response.status_code == 400
    assert "text-direction overrides" in response.content.decode()
    assert not Term.objects.filter(status=Term.Status.PROPOSED).exists()


@pytest.mark.parametrize("typed", ["élan studio", "ÉLAN STUDIO", "Elan  Studio", "elan-studio"])
def test_a_company_is_found_whatever_the_case_and_accents_of_its_name(typed):
    """On SQLite (the default database) a case-insensitive match ignored only the case of
    ASCII letters: "ÉLAN" made a second "Élan Studio"."""
    elan = CompanyFactory(name="Élan Studio", slug="elan-studio")
    katia = make_member("Katia")
    assert _post(katia, company_name=typed).status_code == 302
    katia.refresh_from_db()
    assert katia.company == elan
    assert Company.objects.count() == 1


def _companies_suggested(client, q: str) -> list[str]:
    return client.get(reverse("members:companies_json"), {"q": q}).json()["results"]


def test_the_company_of_a_hidden_member_alone_is_not_suggested_to_others():
    """Jane hid her profile: "Jane Doe Consulting" must not tell anyone she is a member."""
    make_member("Jane Doe", visibility="hidden", company="Jane Doe Consulting")
    make_member("Public Pat", visibility="public", company="Pat Public Studio")
    make_member("Member Max", visibility="members", company="Max Members Ltd")
    CompanyFactory(name="Curated Co", slug="curated-co", description="Staff wrote this.")
    viewer = make_member("Viewer")
    anonymous, member = Client(), Client()
    member.force_login(viewer.user)
    for q in ("jane", "doe consulting"):
        assert _companies_suggested(anonymous, q) == []
        assert _companies_suggested(member, q) == []
    assert _companies_suggested(anonymous, "pat") == ["Pat Public Studio"]
    assert _companies_suggested(anonymous, "max") == []
    assert _companies_suggested(member, "max") == ["Max Members Ltd"]
    assert _companies_suggested(anonymous, "curated") == ["Curated Co"]
    # The profile form's list of companies to pick from follows the same rule.
    page = member.get(reverse("members:profile_edit", args=[viewer.slug])).content.decode()
    assert "Max Members Ltd" in page
    assert "Jane Doe Consulting" not in page


def test_a_hidden_member_still_finds_her_own_company():
    jane = make_member("Jane Doe", visibility="hidden", company="Jane Doe Consulting")
    client = Client()
    client.force_login(jane.user)
    assert _companies_suggested(client, "jane") == ["Jane Doe Consulting"]


def test_two_members_creating_the_same_company_at_once_get_one(monkeypatch):
    """Two saves at the same moment: the second read the companies before the first's insert
    was committed, so it takes the same slug and its insert fails; it finds the company the
    first created (where it answered a 500)."""
    from members.services import companies

    first = Company.objects.create(name="Acme Studio", slug="acme-studio")
    looked_up = []
    real_find = companies._company_find

    def before_the_commit(name):
        looked_up.append(name)
        return None if len(looked_up) == 1 else real_find(name)

    monkeypatch.setattr(companies, "_company_find", before_the_commit)
    monkeypatch.setattr(companies, "unique_slug", lambda *args, **kwargs: "acme-studio")
    assert companies.company_resolve(name="Acme Studio") == first
    assert Company.objects.count() == 1


def test_a_company_typed_with_a_combining_accent_is_the_company_already_there():
    from members.services import company_resolve

    elan = Company.objects.create(name="Élan Studio", slug="elan-studio")
    assert company_resolve(name="E\u0301lan Studio") == elan  # "E" then U+0301
    assert Company.objects.count() == 1
