"""The staff box opens the admin, no more: staff powers on the site (the organiser console for
every event, every registrant's address, the budget overview, hidden profiles) come with the
permission `members.act_as_staff` (or superuser status), as `members.rules.is_staff` says.

QA: a volunteer given the staff box and one admin permission (the delivery log) was refused
events and profiles in the admin, and on the site cancelled any event, downloaded any
registrants' list with everyone's email and read the hidden profiles.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from events.models import Event
from members.models import Visibility
from members.rules import is_staff
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import ChapterFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


def permission(name: str) -> Permission:
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@pytest.fixture
def volunteer(db):
    """The staff box and one admin permission: reading the delivery log."""
    user = UserFactory(
        name="Vol Unteer", email="vol@betacowork.test", is_staff=True, site_staff=False
    )
    user.user_permissions.add(permission("messaging.view_outbox"))
    return user


@pytest.fixture
def world(db):
    chapter = ChapterFactory(name="Charleroi")
    event = EventFactory(title="Switch IT day", slug="switch-it-day", chapter=chapter)
    RegistrationFactory(event=event, user=UserFactory(email="ada@example.test"))
    hidden = make_member("Hector Hidden", visibility=Visibility.HIDDEN)
    return {"event": event, "hidden": hidden}


def _site_as(client, user, world) -> dict[str, int]:
    client.force_login(user)
    event, hidden = world["event"], world["hidden"]
    csv = client.get(reverse("organise:registrations_csv", kwargs={"slug": event.slug}))
    answers = {
        "console": client.get(reverse("organise:index")).status_code,
        "registrants csv": csv.status_code,
        "message": client.get(reverse("organise:message", kwargs={"slug": event.slug})).status_code,
        "budget": client.get(reverse("budget:overview", kwargs={"year": 2026})).status_code,
        "hidden profile": client.get(hidden.get_absolute_url()).status_code,
        "cancel": client.post(reverse("organise:cancel", kwargs={"slug": event.slug})).status_code,
    }
    if csv.status_code == 200:
        body = b"".join(csv.streaming_content) if csv.streaming else csv.content
        assert b"ada@example.test" in body  # everyone's address
    return answers


def test_the_staff_box_with_an_admin_permission_gives_no_staff_power_on_the_site(
    client, volunteer, world
):
    assert not is_staff(volunteer)
    answers = _site_as(client, volunteer, world)
    assert all(code in (403, 404) for code in answers.values()), answers
    assert answers["hidden profile"] == 404  # as for a member: not even there
    world["event"].refresh_from_db()
    assert world["event"].status == Event.Status.PUBLISHED
    # The admin stays theirs, for what their admin permissions allow.
    assert client.get(reverse("admin:messaging_outbox_changelist")).status_code == 200
    assert client.get(reverse("admin:events_event_changelist")).status_code == 403


def test_the_site_staff_permission_gives_the_staff_powers(client, volunteer, world):
    volunteer.user_permissions.add(permission("members.act_as_staff"))
    answers = _site_as(client, volunteer, world)
    assert answers == {
        "console": 200,
        "registrants csv": 200,
        "message": 200,
        "budget": 200,
        "hidden profile": 200,
        "cancel": 302,
    }, answers
    world["event"].refresh_from_db()
    assert world["event"].status == Event.Status.CANCELLED


def test_the_permission_without_the_staff_box_gives_nothing(client, world):
    """The permission is asked of staff-box accounts only (a member given it by mistake, or
    whose box was unticked, is a member)."""
    member = UserFactory(name="Boxless Bea")
    member.user_permissions.add(permission("members.act_as_staff"))
    assert not is_staff(member)
    answers = _site_as(client, member, world)
    assert all(code in (403, 404) for code in answers.values()), answers


def test_a_member_costs_no_permission_query(django_assert_num_queries):
    member = UserFactory(name="Plain Paula")
    with django_assert_num_queries(0):
        assert not is_staff(member)


def test_staff_permissions_are_read_once_per_user_object(django_assert_max_num_queries):
    staff = UserFactory(name="Sam Staff", is_staff=True)
    from members.models import User

    staff = User.objects.get(pk=staff.pk)
    with django_assert_max_num_queries(2):  # Django's model backend: own and groups' permissions
        assert is_staff(staff)
    with django_assert_max_num_queries(0):
        assert is_staff(staff)


# "Edit in admin" on a profile: for whom the admin lets change profiles -------------------------

EDIT_IN_ADMIN = b"Edit in admin"


def test_edit_in_admin_is_not_offered_to_whom_the_admin_refuses_profiles(client, volunteer):
    profile = make_member("Paula Public", visibility=Visibility.PUBLIC)
    admin_url = reverse("admin:members_profile_change", args=[profile.pk])
    for viewer in (volunteer, UserFactory(name="Sam Staff", is_staff=True)):  # site staff too
        client.force_login(viewer)
        page = client.get(profile.get_absolute_url())
        assert page.status_code == 200
        assert EDIT_IN_ADMIN not in page.content
        assert client.get(admin_url).status_code == 403  # where the button led


def test_edit_in_admin_is_offered_to_whom_the_admin_lets_change_profiles(client, volunteer, staff):
    profile = make_member("Paula Public", visibility=Visibility.PUBLIC)
    admin_url = reverse("admin:members_profile_change", args=[profile.pk])
    volunteer.user_permissions.add(permission("members.change_profile"))
    for viewer in (volunteer, staff):  # a superuser
        client.force_login(viewer)
        page = client.get(profile.get_absolute_url())
        assert EDIT_IN_ADMIN in page.content
        assert admin_url.encode() in page.content
        assert client.get(admin_url).status_code == 200
    # The permission without the staff box: the admin would not let them in.
    member = UserFactory(name="Boxless Bea")
    member.user_permissions.add(permission("members.change_profile"))
    client.force_login(member)
    assert EDIT_IN_ADMIN not in client.get(profile.get_absolute_url()).content
