"""Audit of this round's admin changes, as staff with real forms: the profile admin of a
deactivated account, a profile's delete page, the users' "Delete selected", and series
saved in the admin."""

from __future__ import annotations

import pytest
from django.contrib.admin import helpers
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from events.models import Event, EventSeries
from members.models import Profile, User
from tests.events.test_admin_series_generation import series_form_data
from tests.factories import UserFactory, make_member

pytestmark = pytest.mark.django_db


def staff_with(*codenames: str) -> Client:
    user = UserFactory(name="Limited Staff", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


def set_active(user, active: bool) -> None:
    account = User.objects.get(pk=user.pk)
    account.is_active = active
    account.save()


def profile_data(client, profile) -> tuple[str, dict]:
    url = reverse("admin:members_profile_change", args=[profile.pk])
    form = client.get(url).context["adminform"].form
    data = {n: v for n, v in form.initial.items() if v is not None and n in form.fields}
    for name in ("skills", "offers", "seeks", "languages", "avatar"):
        data.pop(name, None)
    return url, data


def test_a_deactivated_profile_edited_twice_keeps_its_hidden_state_and_the_choice(admin_client):
    zelda = make_member("Zelda Quintessence", visibility="public")
    set_active(zelda.user, False)
    url, data = profile_data(admin_client, zelda)
    data["visibility"] = "members"
    assert admin_client.post(url, data).status_code == 302
    url, data = profile_data(admin_client, zelda)
    assert data["visibility"] == "members"  # the one it gets back, not "hidden"
    data["headline"] = "Translator"
    assert admin_client.post(url, data).status_code == 302
    profile = Profile.objects.get(pk=zelda.pk)
    assert (profile.visibility, profile.visibility_on_reactivation) == ("hidden", "members")
    assert profile.headline == "Translator"
    set_active(zelda.user, True)
    assert Profile.objects.get(pk=zelda.pk).visibility == "members"


def test_a_profiles_delete_page_is_refused_to_staff_who_may_not_delete_it(admin_client):
    """Staff who may only view profiles get a refusal, not a message naming the account and
    a way to the account's deletion; those who may delete are led there."""
    zelda = make_member("Zelda Quintessence", visibility="public")
    url = reverse("admin:members_profile_delete", args=[zelda.pk])
    viewer = staff_with("view_profile")
    response = viewer.get(url)
    assert response.status_code == 403
    assert Profile.objects.filter(pk=zelda.pk).exists()
    response = admin_client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:members_user_delete", args=[zelda.user_id])


def _bulk_delete_users(client, users):
    url = reverse("admin:members_user_changelist")
    data = {"action": "delete_selected", helpers.ACTION_CHECKBOX_NAME: [u.pk for u in users]}
    page = client.post(url, data)
    return page, client.post(url, {**data, "post": "yes"})


def test_delete_selected_on_users_refuses_an_account_with_rights_to_staff_who_are_not_superuser():
    """Its own delete page refuses it (`_above`): "Delete selected" did not ask."""
    staff = UserFactory(name="Account Keeper", is_staff=True)  # every permission, no superuser
    staff.user_permissions.add(*Permission.objects.all())
    staff, keeper = Client(), staff
    staff.force_login(keeper)
    boss = UserFactory(name="Super Boss", is_superuser=True, is_staff=True)
    member = make_member("Plain Member").user
    _, response = _bulk_delete_users(staff, [boss, member])
    assert response.status_code in (200, 403)
    assert User.objects.filter(pk=boss.pk).exists()
    assert User.objects.filter(pk=member.pk).exists()  # nothing deleted half
    # The allowed side: a member's account alone is deleted.
    _, response = _bulk_delete_users(staff, [member])
    assert response.status_code == 302
    assert not User.objects.filter(pk=member.pk).exists()


def test_deactivating_then_reactivating_through_the_user_admin_shows_the_profile_again(
    admin_client,
):
    zelda = make_member("Zelda Quintessence", visibility="members")
    url = reverse("admin:members_user_change", args=[zelda.user_id])
    for active, expected in (("", "hidden"), ("on", "members")):
        page = admin_client.get(url)
        form = page.context["adminform"].form
        data = {
            n: v
            for n, v in form.initial.items()
            if v is not None and n in form.fields and n != "password"
        }
        data["is_active"] = active
        data.pop("groups", None)
        data.pop("user_permissions", None)
        data["email_opt_outs"] = "[]"
        data["last_login_0"] = data["last_login_1"] = ""
        joined = form.initial["date_joined"]
        data.pop("date_joined", None)
        data["date_joined_0"], data["date_joined_1"] = joined.strftime("%Y-%m-%d"), "10:00:00"
        for inline in page.context["inline_admin_formsets"]:
            prefix = inline.formset.prefix
            data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
        response = admin_client.post(url, data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert Profile.objects.get(pk=zelda.pk).visibility == expected


@pytest.mark.parametrize(
    "bad",
    [
        {"duration_minutes": 0},
        {"duration_minutes": 1441},
        {"weeks_ahead": 53},
        {"rrule_pattern": "custom", "rrule_custom": "FREQ=HOURLY"},
    ],
)
def test_a_series_with_an_invalid_rule_is_refused_in_the_admin(admin_client, bad):
    response = admin_client.post(reverse("admin:events_eventseries_add"), series_form_data(**bad))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not EventSeries.objects.exists()
    assert not Event.objects.exists()


def test_series_admin_permissions_both_sides(admin_client):
    add = reverse("admin:events_eventseries_add")
    refused = staff_with("view_eventseries", "change_event").post(add, series_form_data())
    assert refused.status_code == 403
    assert not EventSeries.objects.exists()
    response = staff_with("add_eventseries", "view_eventseries").post(add, series_form_data())
    assert response.status_code == 302
    assert Event.objects.filter(series__isnull=False).count() >= 4


def test_more_weeks_ahead_generates_the_new_weeks_once_and_says_how_many(admin_client):
    def said(response) -> list[str]:
        return [str(m) for m in response.context["messages"]]

    add = reverse("admin:events_eventseries_add")
    response = admin_client.post(add, series_form_data(), follow=True)
    series = EventSeries.objects.get()
    before = Event.objects.filter(series=series).count()
    assert f"{before} new occurrences are generated." in said(response)
    url = reverse("admin:events_eventseries_change", args=[series.pk])
    response = admin_client.post(url, series_form_data(weeks_ahead=6), follow=True)
    after = Event.objects.filter(series=series).count()
    assert after == before + 2
    assert "2 new occurrences are generated." in said(response), said(response)
    # Saved again unchanged: nothing more, and no message counting anything.
    response = admin_client.post(url, series_form_data(weeks_ahead=6), follow=True)
    assert Event.objects.filter(series=series).count() == after
    assert not [m for m in said(response) if "generated" in m or "follow" in m], said(response)


# What the member's forms refuse, the admin refuses (QA, 2026-12-07) ------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("display_name", "Toon\u202eVanagt", "text-direction overrides"),
        ("linkedin", "http://evil.example/", "Enter a LinkedIn address"),
        ("phone", "abc<script>", "Enter a phone number"),
        ("member_since", "2999-01-01", "cannot have joined after today"),
    ],
)
def test_the_profile_admin_refuses_what_the_profile_form_refuses(
    admin_client, field, value, message
):
    toon = make_member("Toon Vanagt", visibility="public")
    url, data = profile_data(admin_client, toon)
    data[field] = value
    response = admin_client.post(url, data)
    assert response.status_code == 200  # the form again, with the error
    assert message in response.content.decode()
    assert getattr(Profile.objects.get(pk=toon.pk), field) != value


def test_the_profile_admin_keeps_cleaning_names_as_the_site_does(admin_client):
    toon = make_member("Toon Vanagt", visibility="public")
    url, data = profile_data(admin_client, toon)
    data.update(display_name="  Toon   Vanagt\u200b ", phone="+32  2 123 45 67")
    assert admin_client.post(url, data).status_code == 302
    profile = Profile.objects.get(pk=toon.pk)
    assert (profile.display_name, profile.phone) == ("Toon Vanagt", "+32 2 123 45 67")


def test_the_user_admin_refuses_a_name_with_a_text_direction_override(admin_client):
    toon = make_member("Toon Vanagt", visibility="public").user
    url = reverse("admin:members_user_change", args=[toon.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {n: v for n, v in form.initial.items() if v is not None and n in form.fields}
    data.pop("password", None)
    data.update(name="Toon\u202e Vanagt", email_opt_outs="[]", date_joined_0="2026-01-01")
    data.update(date_joined_1="10:00:00", last_login_0="", last_login_1="")
    data.pop("date_joined", None)
    data.pop("last_login", None)
    data.pop("groups", None)
    data.pop("user_permissions", None)
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "text-direction overrides" in response.content.decode()
    assert User.objects.get(pk=toon.pk).name == "Toon Vanagt"
