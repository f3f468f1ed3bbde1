"""What a member leaves behind when they leave a company, drop a word they proposed, or
delete their account: nothing that was only theirs stays for others (or staff) to see."""

import pytest
from django.test import Client
from django.urls import reverse

from members.models import Company, Term
from members.services import account_delete
from tests.factories import CompanyFactory, make_member

from .test_tags import edit

pytestmark = pytest.mark.django_db


def _edit(profile, **extra):
    client = Client()
    client.force_login(profile.user)
    edit(client, profile, visibility=profile.visibility, **extra)


def _companies_suggested(client, q: str) -> list[str]:
    return client.get(reverse("members:companies_json"), {"q": q}).json()["results"]


def test_a_company_nobody_belongs_to_any_more_is_gone_after_a_typo_is_fixed(client):
    katia = make_member("Katia", visibility="public")
    _edit(katia, company_name="Xenophontso Translations")  # a typo
    typo = Company.objects.get()
    _edit(katia, company_name="Xenophontos Translations")
    assert _companies_suggested(client, "xenophont") == ["Xenophontos Translations"]
    assert client.get(reverse("members:company", args=[typo.slug])).status_code == 404


def test_leaving_a_company_others_belong_to_or_staff_described_keeps_it(client):
    shared = CompanyFactory(name="Shared Studio", slug="shared-studio")
    described = CompanyFactory(
        name="Described Ltd", slug="described-ltd", website="https://described.example"
    )
    katia, other = make_member("Katia", company=shared), make_member("Other", company=shared)
    _edit(katia, company_name="Described Ltd")
    _edit(katia, company_name="")
    assert set(Company.objects.all()) == {shared, described}
    other.refresh_from_db()
    assert other.company == shared


def test_deleting_my_account_removes_my_one_person_company_and_my_unused_proposals(client):
    jane = make_member("Jane Doe", visibility="public")
    _edit(jane, company_name="Jane Doe Consulting")
    assert _companies_suggested(client, "jane") == ["Jane Doe Consulting"]
    _edit(jane, company_name="Jane Doe Consulting", skills_tags="Jane's secret method")
    slug = Company.objects.get().slug
    account_delete(user=jane.user)
    assert _companies_suggested(client, "jane") == []
    assert not Company.objects.exists()
    assert client.get(reverse("members:company", args=[slug])).status_code == 404
    assert not Term.objects.filter(name_en="Jane's secret method").exists()


def test_a_proposal_someone_else_uses_stays_after_its_proposer_leaves():
    jane, bart = make_member("Jane Doe"), make_member("Bart")
    _edit(jane, skills_tags="Kombucha brewing")
    _edit(bart, skills_tags="kombucha brewing")
    account_delete(user=jane.user)
    term = Term.objects.get(name_en="Kombucha brewing")
    assert term.proposed_by is None
    bart.refresh_from_db()
    assert list(bart.skills.all()) == [term]


def test_a_proposal_i_drop_before_staff_saw_it_is_withdrawn():
    katia = make_member("Katia")
    _edit(katia, skills_tags="Tranlsation")  # a typo, proposed
    assert Term.objects.filter(status=Term.Status.PROPOSED).count() == 1
    _edit(katia, skills_tags="Translation")  # fixed: another proposal
    assert list(
        Term.objects.filter(status=Term.Status.PROPOSED).values_list("name_en", flat=True)
    ) == ["Translation"]
