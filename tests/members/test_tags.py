"""Tags are the same term only when they are the same label up to case, accents and spacing:
the symbols that tell "C++" from "C#" count. A term named in another script gets a slug of
its own, by which the directory filters."""

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from members.csv_io import members_import_check
from members.models import Company, Term
from members.search import fold
from members.services import (
    company_resolve,
    tags_parse,
    term_approve,
    term_merge,
    terms_resolve,
    vocabulary_key,
)
from tests.factories import TermFactory, UserFactory, make_member, profile_form_data

pytestmark = pytest.mark.django_db


def edit(client: Client, profile, **tags) -> None:
    """The profile form as its owner sends it, with these tags."""
    data = profile_form_data(profile, **tags)
    response = client.post(reverse("members:profile_edit", args=[profile.slug]), data)
    assert response.status_code == 302, response.content.decode()[:3000]


def shown_tags(client: Client, name: str = "skills_tags") -> set[str]:
    """The tags the edit form shows its owner."""
    page = client.get(reverse("members:my_profile_edit"), follow=True).content.decode()
    value = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page)
    return {t.strip() for t in html.unescape(value[1]).split(",")} if value else set()


@pytest.fixture
def lea(db):
    profile = make_member("Léa Dubois")
    client = Client()
    client.force_login(profile.user)
    return profile, client


def test_tags_that_differ_by_a_symbol_are_all_kept(lea):
    profile, client = lea
    edit(client, profile, skills_tags="C++, C#, .NET, 日本語, 中文")  # five: the most at once
    assert shown_tags(client) == {"C++", "C#", ".NET", "日本語", "中文"}
    page = client.get(profile.get_absolute_url()).content.decode()
    for tag in ("C++", "C#", ".NET", "日本語", "中文"):
        assert f">{tag}</a>" in page


def test_typing_a_symbol_never_gives_someone_elses_term(lea):
    cpp = TermFactory(slug="c", name_en="C++")  # as the old code slugged it
    profile, client = lea
    edit(client, profile, skills_tags="C#")
    assert shown_tags(client) == {"C#"}
    csharp = profile.skills.get()
    assert csharp != cpp
    assert csharp.slug == "c-sharp"
    edit(client, profile, skills_tags="C")  # nor does "C", which the slug "c" spelt
    assert profile.skills.get() not in (cpp, csharp)


@pytest.mark.parametrize(
    ("existing", "typed"),
    [
        ("C++", "c++"),
        ("C++", "  C++ "),
        ("equipe", "Équipe"),
        ("Équipe", "EQUIPE"),
        ("e-commerce", "E commerce"),
        ("Node.js", "node.JS"),
        ("日本語", "日本語"),
        ("\uff23\uff03", "C#"),  # full-width forms are the same letters
    ],
)
def test_the_same_label_up_to_case_accents_and_spacing_finds_the_term(lea, existing, typed):
    term = terms_resolve(labels=[existing], proposer=None)[0]
    term_approve(terms=[term])
    profile, client = lea
    edit(client, profile, skills_tags=typed)
    assert list(profile.skills.all()) == [term]
    assert Term.objects.count() == 1


@pytest.mark.parametrize(
    ("slug", "name", "typed", "found"),
    [
        ("ecommerce", "e-commerce", "ecommerce", True),  # a slug is a word for its term
        ("ux-design", "design d'expérience", "UX design", True),
        ("c-plus-plus", "C++", "c plus plus", True),
        ("c", "C++", "C", False),  # not when it is the name with its symbols dropped
        ("net", ".NET", "NET", False),
    ],
)
def test_a_slug_finds_its_term_unless_it_lost_the_names_symbols(lea, slug, name, typed, found):
    term = TermFactory(slug=slug, name_en=name)
    profile, client = lea
    edit(client, profile, skills_tags=typed)
    assert (profile.skills.get() == term) is found


def test_a_member_is_told_nothing_because_nothing_is_dropped():
    assert tags_parse("C++, C#, c++, C") == ["C++", "C#", "C"]
    assert tags_parse("Équipe, equipe, e-commerce, E  Commerce") == ["Équipe", "e-commerce"]
    assert tags_parse("🙂, +++, ok") == ["ok"]  # no letter nor digit: no tag, as before


def test_the_search_still_folds_symbols_away():
    """The directory's full-text search keeps its words: "C++" is searched as "c"."""
    assert fold("C++") == fold("C#") == "c"
    assert vocabulary_key("C++") != vocabulary_key("C#")


def test_a_term_in_another_script_gets_its_own_slug_and_filters_the_directory(lea):
    profile, client = lea
    edit(client, profile, skills_tags="日本語, 中文")
    japanese, chinese = Term.objects.get(name_en="日本語"), Term.objects.get(name_en="中文")
    assert (japanese.slug, chinese.slug) == ("日本語", "中文")
    term_approve(terms=[japanese, chinese])  # approved terms are the directory's filters
    make_member("Other Person", skills=[chinese])

    # The link on the profile page leads to the directory filtered by it.
    page = client.get(profile.get_absolute_url()).content.decode()
    link = re.search(r'href="([^"]*\?skill=[^"]*)">日本語<', page)[1]
    listed = client.get(html.unescape(link)).content.decode()
    assert "Léa Dubois" in listed
    assert "Other Person" not in listed
    assert "that filter was ignored" not in listed
    # The API's directory filters by the same slug.
    api = client.get("/api/v1/directory/", {"skill": "中文"})
    assert [c["name"] for c in api.json()["results"]] == ["Léa Dubois", "Other Person"]
    assert [s["slug"] for s in api.json()["results"][1]["skills"]] == ["中文"]


def test_no_term_nor_company_is_slugged_member(lea):
    assert company_resolve(name="🙂🙂").slug == "company"
    assert company_resolve(name="🙂").slug == "company-2"
    assert Company.objects.get(slug="company").name == "🙂🙂"
    assert terms_resolve(labels=["🙂 fans"], proposer=None)[0].slug == "fans"
    assert terms_resolve(labels=["C++"], proposer=None)[0].slug == "c-plus-plus"
    assert not Term.objects.filter(slug__startswith="member").exists()
    profile, client = lea
    # A company page is found at its slug (a company with someone in it: an empty one is
    # nobody's business).
    profile.company = Company.objects.get(slug="company")
    profile.save()
    response = client.get(reverse("members:company", args=["company"]))
    assert response.status_code == 200
    assert "🙂🙂" in response.content.decode()


def test_merging_c_sharp_into_c_plus_plus_keeps_c_sharp_as_a_synonym(lea):
    cpp, csharp = terms_resolve(labels=["C++", "C#"], proposer=None)
    assert cpp != csharp
    term_merge(survivor=cpp, others=[csharp])
    cpp.refresh_from_db()
    assert cpp.synonym_list == ["C#"]
    profile, client = lea
    edit(client, profile, skills_tags="c#")  # staff said they are one: now they are
    assert list(profile.skills.all()) == [cpp]


def test_the_csv_import_does_not_take_c_sharp_for_c_plus_plus(db):
    TermFactory(slug="c", name_en="C++")
    UserFactory(email="staff@example.test", is_staff=True)
    report = members_import_check(b"email,name,skills\nnew@example.test,New Person,C#\n")
    assert not report.ok
    assert "unknown term(s) C#" in " ".join(report.rows[0].errors)
    report = members_import_check(b"email,name,skills\nnew@example.test,New Person,c++\n")
    assert report.ok, [r.errors for r in report.rows]
