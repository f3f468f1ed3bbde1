"""Audit round 4, members: the member import against addresses other accounts hold, letters
that accents do not explain (œ, æ, ø…, ß) in the directory's search and the people picker, and
SQLite's search matching inside words where PostgreSQL matches their start."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from members.csv_io import members_import_apply, members_import_check
from members.models import Profile, User
from members.services import tags_parse, terms_resolve, vocabulary_key
from tests.factories import TermFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


# --- 1. The import refuses an address another account already holds ----------------------


def test_an_address_confirmed_by_another_account_is_a_bad_row_not_a_crash(db):
    katia = UserFactory(email="katia@example.test")
    EmailAddress.objects.create(user=katia, email="k.x@example.test", verified=True)
    content = b"email,name\nnew@example.test,New Person\nK.X@example.test,Someone Else\n"

    report = members_import_check(content)
    assert not report.ok
    (bad,) = report.bad_rows
    assert bad.line == 3
    assert any("another account" in e for e in bad.errors), bad.errors

    report = members_import_apply(content)  # refused as a whole, never half-written
    assert not report.written
    assert not User.objects.filter(email__in=["new@example.test", "k.x@example.test"]).exists()


# --- 2. "Laetitia" finds "Lætitia", "coeur" finds "cœur" (letters no accent explains) -----


def _directory(client, q: str) -> str:
    response = client.get(reverse("members:directory"), {"q": q})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("q", ["laetitia", "Lætitia", "LAETITIA CASTA", "coeur", "cœur", "oeuvre"])
def test_a_search_spelt_without_ligatures_finds_the_ligatures(client, q):
    make_member("Lætitia Casta", visibility="public", headline="Le Cœur à l'Œuvre")
    make_member("Zoé Dupont", visibility="public", headline="Coaching")
    html = _directory(client, q)
    assert "Lætitia Casta" in html
    assert "Zoé Dupont" not in html


def test_the_whole_name_with_a_ligature_comes_first(client):
    make_member("Lætitia Casta", visibility="public")
    make_member("Laetitia Castañeda Abad", visibility="public")
    html = _directory(client, "laetitia casta")
    assert html.index("Lætitia Casta") < html.index("Laetitia Castañeda Abad")


@pytest.mark.parametrize("q", ["laetitia", "laetitia casta", "casta", "grossmann", "hans gro"])
def test_the_people_picker_finds_names_with_ligatures_or_sharp_s(client, q):
    make_member("Lætitia Casta", visibility="public")
    make_member("Hans Großmann", visibility="public")
    client.force_login(UserFactory())
    found = client.get(reverse("members:people_json"), {"q": q}).json()["results"]
    assert found, q


def test_tags_spelt_with_or_without_a_ligature_are_one_term(client):
    oenology = TermFactory(slug="oenologie", name_en="oenology", name_fr="œnologie")
    assert vocabulary_key("Œnologie") == vocabulary_key("oenologie")
    assert tags_parse("Œnologie, oenologie, ŒNOLOGIE") == ["Œnologie"]
    (term,) = terms_resolve(labels=["Œnologie"], proposer=UserFactory())
    assert term == oenology


def test_the_migration_rebuilds_documents_folded_the_old_way(client):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("members.migrations.0016_search_latin_letters_spelt")
    profile = make_member("Lætitia Casta", visibility="public")
    Profile.objects.filter(pk=profile.pk).update(search_document="lætitia casta")
    migration.forward(apps, None)
    profile.refresh_from_db()
    # Folded the new way (and, since members 0019, ending with the name typed run together).
    assert profile.search_document.split()[:2] == ["laetitia", "casta"]
    assert "lætitia" not in profile.search_document
    assert "Lætitia Casta" in _directory(client, "laetitia")


# --- 3. A search word starts a word, on SQLite as on PostgreSQL ----------------------------


@pytest.mark.parametrize(("q", "found"), [("ian", "Ian Murdock"), ("chris", "Christian Dior")])
def test_a_search_word_matches_the_start_of_a_word_not_its_middle(client, q, found):
    make_member("Ian Murdock", visibility="public", headline="Debian")
    make_member("Christian Dior", visibility="public", headline="Fashion")
    html = _directory(client, q)
    assert found in html
    assert html.count("Murdock") + html.count("Dior") == 1  # "ian" is not in "Christian"
