"""Round 7: "staff" is staff or an active superuser, in one rule (`members.rules.is_staff`).

Django's `has_perm` lets an active superuser do everything, staff box ticked or not; the lists
(the directory, its counts, profile pages, the API, companies, terms, collaborations,
chapters) answer for them as staff, from the same predicate. A plain member still sees a
member's lists, and an inactive superuser gets nothing more than anyone else: no staff class,
no login, no API."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from collaborations.models import Collaboration
from collaborations.selectors import ledger
from members import rules as members_rules
from members.directory.cache import cache_key
from members.models import Chapter, Profile, Term, Visibility
from members.rules import (
    is_staff,
    profile_visibility_q,
    profile_visibility_sql,
    profile_visible_to,
    viewer_class,
)
from members.selectors import (
    community_figures,
    companies_visible_to,
    spaces_with_member_counts,
    terms_autocomplete,
)
from tests.api.conftest import ApiClient, token_for
from tests.collaborations.conftest import log
from tests.factories import ChapterFactory, SpaceFactory, TermFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(db):
    """An active superuser whose staff box is not ticked."""
    return UserFactory(name="Root Without Staff", is_superuser=True, is_staff=False)


@pytest.fixture
def gone_root(db):
    """A superuser whose account is deactivated."""
    return UserFactory(name="Gone Root", is_superuser=True, is_staff=False, is_active=False)


@pytest.fixture
def staff_only(db):
    """Staff box ticked, not a superuser."""
    return UserFactory(name="Sam Staff", is_staff=True, is_superuser=False)


@pytest.fixture
def space(db):
    return SpaceFactory(name="Betacowork")


@pytest.fixture
def hidden(space):
    """A hidden profile, alone at its company, at the space."""
    return make_member(
        "Hector Hidden", visibility=Visibility.HIDDEN, company="Hidden Works", home_space=space
    )


@pytest.fixture
def shown(space):
    return make_member("Pauline Public", visibility=Visibility.PUBLIC, home_space=space)


def directory_names(client) -> tuple[set[str], int]:
    html = client.get(reverse("members:directory")).content.decode()
    count = int(re.search(r"data-directory-count>\s*([\d,]+) members?\b", html).group(1))
    return {n for n in ("Hector Hidden", "Pauline Public") if n in html}, count


# --- the rule -------------------------------------------------------------------------------


def test_staff_is_the_staff_box_or_an_active_superuser_and_nobody_else(
    root, gone_root, staff_only, member
):
    assert is_staff(root)
    assert is_staff(staff_only)
    assert not is_staff(member)
    assert not is_staff(gone_root)
    assert not is_staff(AnonymousUser())
    assert not is_staff(None)
    # the ledger's stand-ins for "anyone" and "any member" (no is_active, no is_superuser)
    assert not is_staff(ledger.PUBLIC)
    assert not is_staff(ledger.MEMBER)


def test_events_use_the_members_rule_not_a_second_definition():
    from events import rules as events_rules

    assert events_rules.acts_as_staff is members_rules.is_staff


def test_every_form_of_the_visibility_rule_gives_a_superuser_what_staff_get(
    root, gone_root, staff_only, member, hidden
):
    for user in (root, staff_only):
        assert profile_visibility_q(user) is None
        assert profile_visibility_sql(user, {}) == ""
        assert profile_visible_to(hidden, user)
        assert Profile.objects.visible_to(user).filter(pk=hidden.pk).exists()
        assert user.has_perm("members.view_profile", hidden)
    for user in (member, gone_root):
        assert profile_visibility_q(user) is not None
        assert profile_visibility_sql(user, {}) != ""
        assert not profile_visible_to(hidden, user)
        assert not Profile.objects.visible_to(user).filter(pk=hidden.pk).exists()
        assert not user.has_perm("members.view_profile", hidden)


def test_a_superuser_shares_staff_class_and_cache_keys_an_inactive_one_does_not(
    root, gone_root, staff_only, member
):
    assert viewer_class(root) == viewer_class(staff_only) == "staff"
    assert viewer_class(member) == "member"
    assert viewer_class(gone_root) != "staff"
    key = cache_key("results", user=staff_only, query_string="q=")
    assert cache_key("results", user=root, query_string="q=") == key
    assert cache_key("results", user=gone_root, query_string="q=") != key
    assert cache_key("results", user=member, query_string="q=") != key


# --- pages ----------------------------------------------------------------------------------


def test_the_directory_lists_hidden_profiles_to_a_superuser_not_to_a_member(
    client, root, member, hidden, shown
):
    client.force_login(root)
    assert directory_names(client)[0] == {"Hector Hidden", "Pauline Public"}
    client.force_login(member)
    assert directory_names(client)[0] == {"Pauline Public"}


def test_an_inactive_superuser_is_not_logged_in_and_sees_the_public_directory(
    client, gone_root, hidden, shown
):
    client.force_login(gone_root)
    assert directory_names(client) == ({"Pauline Public"}, 1)
    page = client.get(reverse("members:profile", args=[hidden.slug]))
    assert page.status_code == 404


def test_the_directory_counts_for_a_superuser_what_it_lists(client, root, hidden, shown):
    client.force_login(root)
    assert directory_names(client)[1] == Profile.objects.count()


def test_a_superuser_does_not_leave_a_members_count_for_staff(
    client, root, staff_only, hidden, shown
):
    """Staff and superusers share cached lists and counts: the superuser's must be staff's."""
    client.force_login(root)
    client.get(reverse("members:directory"))
    client.force_login(staff_only)
    assert directory_names(client) == ({"Hector Hidden", "Pauline Public"}, Profile.objects.count())


def test_a_superuser_opens_a_hidden_profile_with_its_contact_details(client, root, member, hidden):
    client.force_login(root)
    page = client.get(reverse("members:profile", args=[hidden.slug]))
    assert page.status_code == 200
    assert hidden.user.email in page.content.decode()  # email shared with nobody
    client.force_login(member)
    assert client.get(reverse("members:profile", args=[hidden.slug])).status_code == 404


def test_the_home_figures_count_for_a_superuser_everyone_staff_count(root, staff_only, hidden):
    assert community_figures(user=root)["members"] == Profile.objects.count()
    assert community_figures(user=root) == community_figures(user=staff_only)


def test_space_counts_include_hidden_people_for_a_superuser_only(
    root, gone_root, member, space, hidden, shown
):
    def at_space(user):
        return next(s.member_count for s in spaces_with_member_counts(user=user) if s == space)

    assert at_space(root) == 2
    assert at_space(member) == at_space(gone_root) == 1


# --- the API --------------------------------------------------------------------------------


def test_the_api_lists_and_opens_hidden_profiles_for_a_superuser_only(root, member, hidden, shown):
    for user, sees in ((root, True), (member, False)):
        api = ApiClient(token_for(user))
        listed = {c["name"] for c in api.get("/api/v1/directory/").json()["results"]}
        assert ("Hector Hidden" in listed) is sees
        assert "Pauline Public" in listed
        opened = api.get(f"/api/v1/directory/{hidden.slug}/")
        assert opened.status_code == (200 if sees else 404)


def test_an_inactive_superusers_token_is_refused(root, hidden):
    secret = token_for(root)
    root.is_active = False
    root.save(update_fields=["is_active"])
    api = ApiClient(secret)
    assert api.get("/api/v1/directory/").status_code == 401
    assert api.get(f"/api/v1/directory/{hidden.slug}/").status_code == 401


# --- the other lists that asked `is_staff` ---------------------------------------------------


def test_a_superuser_sees_every_company_as_staff_do(root, gone_root, member, hidden):
    company = hidden.company
    assert companies_visible_to(user=root).filter(pk=company.pk).exists()
    for user in (member, gone_root):
        assert not companies_visible_to(user=user).filter(pk=company.pk).exists()


def test_a_superuser_sees_every_proposed_term_as_staff_do(root, gone_root, member, other_member):
    TermFactory(slug="zymurgy", name_en="zymurgy", status=Term.Status.PROPOSED)
    Term.objects.filter(slug="zymurgy").update(proposed_by=other_member)
    assert [t["slug"] for t in terms_autocomplete(user=root, q="zymur")] == ["zymurgy"]
    for user in (member, gone_root):
        assert terms_autocomplete(user=user, q="zymur") == []


def test_a_superuser_sees_every_collaboration_as_staff_do(root, gone_root, member, other_member):
    third = UserFactory(name="Third Party")
    private = log(other_member, third, visibility=Collaboration.Visibility.PARTICIPANTS)
    assert Collaboration.objects.visible_to(root).filter(pk=private.pk).exists()
    assert root.has_perm("collaborations.view_collaboration", private)
    for user in (member, gone_root):
        assert not Collaboration.objects.visible_to(user).filter(pk=private.pk).exists()


def test_a_superuser_runs_every_chapter_as_staff_do(root, gone_root, member):
    chapter = ChapterFactory(name="BetaGroup Kortrijk", slug="kortrijk")
    assert list(Chapter.objects.organised_by(root)) == [chapter]
    assert root.has_perm("members.organise_chapter", chapter)
    for user in (member, gone_root):
        assert not Chapter.objects.organised_by(user).exists()
