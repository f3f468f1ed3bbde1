"""members/services.py, function by function: what a member or staff member would notice."""

import pytest
from django.core.exceptions import ValidationError

from members.models import Company, Profile, Term, User, Visibility
from members.services import (
    MAX_NEW_TERMS_PER_EDIT,
    MAX_TAGS,
    company_resolve,
    profile_unhide_on_first_login,
    profile_update,
    tags_parse,
    tags_validate,
    term_approve,
    term_merge,
    terms_resolve,
    unique_slug,
    user_language_set,
)
from tests.factories import TermFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


def test_every_account_gets_a_profile_with_a_unique_slug():
    first = UserFactory(name="Léa Dubois")
    second = UserFactory(name="Lea Dubois")
    assert first.profile.slug == "lea-dubois"
    assert second.profile.slug == "lea-dubois-2"
    assert unique_slug(Profile, "Léa Dubois") == "lea-dubois-3"
    assert unique_slug(Profile, "Léa Dubois", exclude_pk=first.profile.pk) == "lea-dubois"


def test_a_company_is_found_whatever_the_case_and_spacing_or_created_once():
    acme = company_resolve(name="Acme  Studio")
    assert acme.name == "Acme Studio"
    assert company_resolve(name="acme studio") == acme
    assert company_resolve(name="   ") is None
    assert Company.objects.count() == 1


def test_tags_are_split_trimmed_and_deduplicated_accent_insensitively():
    assert tags_parse(" SEO , Référencement; seo ,, référencement ") == ["SEO", "Référencement"]
    with pytest.raises(ValidationError, match="At most"):
        tags_validate(",".join(f"tag {i}" for i in range(MAX_TAGS + 1)))
    with pytest.raises(ValidationError, match="at most"):
        tags_validate("x" * 61)


def test_known_words_find_their_term_and_new_ones_become_proposals(vocab):
    member = UserFactory()
    terms = terms_resolve(labels=["traducteur", "Vertaling", "basket weaving"], proposer=member)
    assert terms[0] == vocab["translation"]
    assert len(terms) == 2  # a synonym and a Dutch name of the same term count once
    proposal = terms[1]
    assert (proposal.status, proposal.proposed_by) == (Term.Status.PROPOSED, member)
    assert term_approve(terms=[proposal]) == 1
    proposal.refresh_from_db()
    assert proposal.status == Term.Status.APPROVED


def test_merging_terms_keeps_everyones_tags_and_the_old_words_as_synonyms(vocab):
    typo = TermFactory(slug="traductoin", name_en="traductoin")
    both = make_member("Both Tags", skills=[vocab["translation"], typo])
    only_typo = make_member("Only Typo", offers=[typo])
    assert term_merge(survivor=vocab["translation"], others=[typo]) == 2
    assert not Term.objects.filter(pk=typo.pk).exists()
    assert list(both.skills.all()) == [vocab["translation"]]
    assert list(only_typo.offers.all()) == [vocab["translation"]]
    vocab["translation"].refresh_from_db()
    assert "traductoin" in vocab["translation"].synonym_list
    assert term_merge(survivor=vocab["translation"], others=[vocab["translation"]]) == 0


def test_only_the_owner_updates_a_profile_and_new_tags_are_limited(vocab):
    profile = make_member("Owner")
    with pytest.raises(ValidationError):
        profile_update(profile=profile, actor=UserFactory(), fields={"headline": "hijacked"})
    profile.refresh_from_db()
    assert profile.headline != "hijacked"
    too_many = [f"brand new {i}" for i in range(MAX_NEW_TERMS_PER_EDIT + 1)]
    with pytest.raises(ValidationError, match="at most"):
        profile_update(profile=profile, actor=profile.user, fields={}, skills=too_many)
    assert not Term.objects.filter(name_en="brand new 0").exists()
    profile_update(
        profile=profile,
        actor=profile.user,
        fields={"headline": "Translator", "not_a_field": "ignored"},
        company_name="Acme",
        skills=["traduction"],
    )
    profile.refresh_from_db()
    assert profile.headline == "Translator"
    assert profile.company.name == "Acme"
    assert list(profile.skills.all()) == [vocab["translation"]]


def test_imported_people_appear_at_their_first_login_only():
    profile = make_member("Imported", visibility=Visibility.HIDDEN, hidden_until_login=True)
    assert profile_unhide_on_first_login(user=profile.user) is True
    profile.refresh_from_db()
    assert (profile.visibility, profile.hidden_until_login) == (Visibility.MEMBERS, False)
    # Later logins leave a choice of "hidden" alone.
    Profile.objects.filter(pk=profile.pk).update(visibility=Visibility.HIDDEN)
    assert profile_unhide_on_first_login(user=profile.user) is False
    profile.refresh_from_db()
    assert profile.visibility == Visibility.HIDDEN


def test_the_interface_language_is_stored_and_an_unknown_one_refused():
    user = UserFactory(preferred_language="en")
    assert user_language_set(user=user, language="nl") is True
    assert user_language_set(user=user, language="nl") is False
    with pytest.raises(ValidationError):
        user_language_set(user=user, language="xx")
    assert User.objects.get(pk=user.pk).preferred_language == "nl"
