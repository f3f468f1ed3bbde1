"""A deactivated account: its profile is hidden from everyone but staff, exactly as a hidden
profile is, and shown as its owner chose again once staff reactivate it."""

import re

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from members.models import Profile, ProfileSearch
from members.services import profile_follow_account
from tests.factories import MembershipFactory, SpaceFactory, UserFactory, make_member


def _directory(client, **params) -> str:
    response = client.get(reverse("members:directory"), params)
    assert response.status_code == 200
    return response.content.decode()


def _total(html: str) -> int:
    return int(re.search(r"data-directory-count>\s*(\d+)", html).group(1))


def _set_active(user, active: bool) -> None:
    """As the admin's user form saves it: the account read afresh, then saved whole."""
    account = type(user).objects.get(pk=user.pk)
    account.is_active = active
    account.save()


def _admin_form_data(admin_client, url: str) -> dict:
    """The admin change form's values as it shows them, ready to post back."""
    form = admin_client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name in form.fields
    }
    for name in ("skills", "offers", "seeks", "languages", "avatar"):
        data.pop(name, None)
    return data


@pytest.fixture
def zelda(db, vocab):
    make_member("Someone Else", visibility="public")
    return make_member(
        "Zelda Quintessence",
        visibility="public",
        skills=[vocab["translation"]],
        company="Quintessence Studio",
    )


def test_a_deactivated_member_is_gone_for_everyone_but_staff_and_back_when_reactivated(zelda):
    member, staff, anonymous = Client(), Client(), Client()
    member.force_login(UserFactory(name="Other Member"))
    staff.force_login(UserFactory(name="Staff Person", is_staff=True))
    page = zelda.get_absolute_url()
    before = {c: _total(_directory(c)) for c in (member, staff, anonymous)}

    _set_active(zelda.user, False)

    for client in (member, anonymous):
        listing = _directory(client)
        assert "Zelda Quintessence" not in listing
        assert _total(listing) == before[client] - 1
        assert "Zelda Quintessence" not in _directory(client, q="quintessence")
        assert client.get(page).status_code == 404
    people = member.get(reverse("members:people_json"), {"q": "zelda"}).content.decode()
    assert "Zelda" not in people
    listing = _directory(staff)
    assert "Zelda Quintessence" in listing
    assert _total(listing) == before[staff]
    assert staff.get(page).status_code == 200

    _set_active(zelda.user, True)

    for client in (member, anonymous, staff):
        listing = _directory(client)
        assert "Zelda Quintessence" in listing
        assert _total(listing) == before[client]
        assert "Zelda Quintessence" in _directory(client, q="quintessence")
        assert client.get(page).status_code == 200
    assert Profile.objects.get(pk=zelda.pk).visibility == "public"  # as she chose


def test_the_owners_choice_is_kept_through_deactivation(db):
    """A members-only profile comes back members-only, not public nor hidden; a hidden one
    stays hidden."""
    shy = make_member("Shy Person", visibility="hidden")
    usual = make_member("Usual Person", visibility="members")
    for profile in (shy, usual):
        _set_active(profile.user, False)
        assert Profile.objects.get(pk=profile.pk).visibility == "hidden"
    for profile in (shy, usual):
        _set_active(profile.user, True)
    assert Profile.objects.get(pk=shy.pk).visibility == "hidden"
    assert Profile.objects.get(pk=usual.pk).visibility == "members"


def test_an_account_created_inactive_has_its_profile_hidden(db):
    user = UserFactory(name="Never Active", is_active=False)
    assert Profile.objects.get(user=user).visibility == "hidden"
    _set_active(user, True)
    assert Profile.objects.get(user=user).visibility == "members"


def test_staff_choosing_a_visibility_for_a_deactivated_profile_keep_it_for_reactivation(
    zelda, admin_client
):
    _set_active(zelda.user, False)
    url = reverse("admin:members_profile_change", args=[zelda.pk])
    data = _admin_form_data(admin_client, url)
    data["visibility"] = "members"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    profile = Profile.objects.get(pk=zelda.pk)
    assert (profile.visibility, profile.visibility_on_reactivation) == ("hidden", "members")
    assert Client().get(zelda.get_absolute_url()).status_code == 404
    _set_active(zelda.user, True)
    assert Profile.objects.get(pk=zelda.pk).visibility == "members"


def test_deactivating_through_the_admin_hides_the_profile(zelda, admin_client):
    url = reverse("admin:members_user_change", args=[zelda.user_id])
    page = admin_client.get(url)
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name in form.fields and name != "password"
    }
    data["is_active"] = ""
    data.pop("groups", None)
    data.pop("user_permissions", None)
    data["email_opt_outs"] = "[]"
    data["last_login_0"] = data["last_login_1"] = ""
    joined = form.initial["date_joined"]
    data.pop("date_joined", None)
    data["date_joined_0"], data["date_joined_1"] = joined.strftime("%Y-%m-%d"), "10:00:00"
    for inline in page.context["inline_admin_formsets"]:  # the memberships: none
        prefix = inline.formset.prefix
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Client().get(zelda.get_absolute_url()).status_code == 404


def test_a_signed_in_members_last_login_costs_no_profile_query(zelda, django_assert_num_queries):
    account = type(zelda.user).objects.get(pk=zelda.user_id)
    with django_assert_num_queries(1):
        account.save(update_fields=["last_login"])
    account.name = "Zelda Q."
    with django_assert_num_queries(1):
        account.save()


def test_reactivating_twice_changes_nothing_more(zelda):
    assert profile_follow_account(user=zelda.user) is False  # active, shown: nothing to do
    _set_active(zelda.user, False)
    zelda.user.is_active = False
    assert profile_follow_account(user=zelda.user) is False  # already hidden for it


@pytest.mark.postgres
def test_the_search_row_and_the_kept_counts_follow_in_the_same_transaction(zelda):
    from tests.members.test_facet_count import counted as facets_counted
    from tests.members.test_facet_count import kept as facets_kept
    from tests.members.test_profile_count import counted, kept

    space = SpaceFactory()
    MembershipFactory(user=zelda.user, space=space)
    with transaction.atomic():
        _set_active(zelda.user, False)
        row = ProfileSearch.objects.get(profile_id=zelda.pk)
        assert row.visibility == "hidden"  # before the commit
        assert kept() == counted()
        assert facets_kept() == facets_counted()
    _set_active(zelda.user, True)
    assert ProfileSearch.objects.get(profile_id=zelda.pk).visibility == "public"
    assert kept() == counted()
    assert facets_kept() == facets_counted()
    member = Client()
    member.force_login(UserFactory())
    assert "Zelda Quintessence" in _directory(member, space=space.slug)


# --- a company page follows its people ------------------------------------------------------


def _company_status(client, company) -> int:
    return client.get(reverse("members:company", kwargs={"slug": company.slug})).status_code


@pytest.mark.parametrize("why", ["hidden", "deactivated"])
def test_a_company_whose_people_are_all_out_of_sight_is_a_404_except_for_staff(db, why):
    alone = make_member(
        "Jane Doe", visibility="hidden" if why == "hidden" else "public", company="Jane Doe Studio"
    )
    if why == "deactivated":
        _set_active(alone.user, False)
    company = alone.company
    member, staff = Client(), Client()
    member.force_login(UserFactory())
    staff.force_login(UserFactory(is_staff=True))
    assert _company_status(Client(), company) == 404
    assert _company_status(member, company) == 404
    assert _company_status(staff, company) == 200
    owner = Client()
    owner.force_login(alone.user)  # a hidden member sees her own company (when active)
    if why == "hidden":
        assert _company_status(owner, company) == 200


def test_a_company_with_someone_in_sight_or_described_by_staff_has_its_page(db):
    shown = make_member("Open Person", visibility="public", company="Open Studio")
    hidden = make_member("Shy Person", visibility="hidden", company="Described Studio")
    hidden.company.description = "A studio staff wrote about."
    hidden.company.save()
    assert _company_status(Client(), shown.company) == 200
    assert _company_status(Client(), hidden.company) == 200
    members_only = make_member("Members Person", visibility="members", company="Quiet Studio")
    assert _company_status(Client(), members_only.company) == 404
    member = Client()
    member.force_login(UserFactory())
    assert _company_status(member, members_only.company) == 200


def test_staff_may_choose_hidden_for_a_deactivated_profile_once_reactivated(zelda, admin_client):
    """The form shows the visibility the profile gets back (zelda chose "public"): picking
    "Hidden" there is a choice that sticks — it was the form's initial value (the profile's
    current, forced one), so nothing changed and zelda came back visible."""
    before = zelda.visibility
    _set_active(zelda.user, False)
    url = reverse("admin:members_profile_change", args=[zelda.pk])
    data = _admin_form_data(admin_client, url)
    assert data["visibility"] == before
    data["visibility"] = "hidden"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    _set_active(zelda.user, True)
    assert Profile.objects.get(pk=zelda.pk).visibility == "hidden"


def test_an_account_read_again_and_reactivated_shows_its_profile_again(zelda):
    """An instance read while active, then read again after another request deactivated
    the account: reactivating it through that instance shows the profile again (the signal
    compares with the state read last)."""
    from members.models import User

    user = User.objects.get(pk=zelda.user_id)
    _set_active(zelda.user, False)  # another request
    user.refresh_from_db()
    user.is_active = True
    user.save()
    assert Profile.objects.get(pk=zelda.pk).visibility == "public"
