"""Round 8: a deactivated account is never staff (`members.rules.is_staff`).

It cannot log in nor use an API token, but anything that asks the rules with its user
object — a user object read before the account was closed, a management command, a service
called with it as `actor` — must not treat it as staff because its staff box is still
ticked. An active account with the staff box ticked stays staff."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from collaborations.models import Collaboration
from events.budget.services import budget_set
from events.rules import run_by_q
from members.models import Chapter, Profile, User, Visibility
from members.rules import (
    has_staff_tools,
    is_staff,
    profile_visibility_q,
    profile_visibility_sql,
    profile_visible_to,
    viewer_class,
)
from tests.collaborations.conftest import log
from tests.factories import ChapterFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def active_staff(db):
    return UserFactory(name="Sam Staff", is_staff=True, is_superuser=False)


@pytest.fixture
def gone_staff(db):
    """Staff box still ticked, account deactivated (read back as a command would)."""
    user = UserFactory(name="Gone Staff", is_staff=True, is_superuser=False)
    User.objects.filter(pk=user.pk).update(is_active=False)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def hidden(db):
    return make_member("Hector Hidden", visibility=Visibility.HIDDEN)


def test_an_inactive_account_with_the_staff_box_is_not_staff(active_staff, gone_staff):
    assert is_staff(active_staff)
    assert not is_staff(gone_staff)
    assert viewer_class(active_staff) == "staff"
    assert viewer_class(gone_staff) != "staff"


def test_an_inactive_staff_account_gets_no_staff_permission(active_staff, gone_staff, hidden):
    for perm in (
        "members.staff_tools",
        "members.view_budget_overview",
        "members.use_organiser_console",
    ):
        assert active_staff.has_perm(perm), perm
        assert not gone_staff.has_perm(perm), perm
    assert has_staff_tools(active_staff)
    assert not has_staff_tools(gone_staff)
    chapter = ChapterFactory(name="BetaGroup Namur", slug="namur")
    assert active_staff.has_perm("members.organise_chapter", chapter)
    assert not gone_staff.has_perm("members.organise_chapter", chapter)


def test_an_inactive_staff_account_sees_no_hidden_profile_in_any_form(
    active_staff, gone_staff, hidden
):
    assert profile_visibility_q(active_staff) is None
    assert profile_visibility_sql(active_staff, {}) == ""
    assert profile_visible_to(hidden, active_staff)
    assert Profile.objects.visible_to(active_staff).filter(pk=hidden.pk).exists()
    assert active_staff.has_perm("members.view_profile", hidden)
    assert active_staff.has_perm("members.change_profile", hidden)

    assert profile_visibility_q(gone_staff) is not None
    assert profile_visibility_sql(gone_staff, {}) != ""
    assert not profile_visible_to(hidden, gone_staff)
    assert not Profile.objects.visible_to(gone_staff).filter(pk=hidden.pk).exists()
    assert not gone_staff.has_perm("members.view_profile", hidden)
    assert not gone_staff.has_perm("members.change_profile", hidden)


def test_an_inactive_staff_account_runs_no_chapter_and_no_event(active_staff, gone_staff):
    chapter = ChapterFactory(name="BetaGroup Liège", slug="liege")
    assert list(Chapter.objects.organised_by(active_staff)) == [chapter]
    assert not Chapter.objects.organised_by(gone_staff).exists()
    assert run_by_q(active_staff) is None
    assert run_by_q(gone_staff) is not None


def test_an_inactive_staff_account_sees_no_private_collaboration(
    active_staff, gone_staff, member, other_member
):
    private = log(member, other_member, visibility=Collaboration.Visibility.PARTICIPANTS)
    assert Collaboration.objects.visible_to(active_staff).filter(pk=private.pk).exists()
    assert active_staff.has_perm("collaborations.view_collaboration", private)
    assert not Collaboration.objects.visible_to(gone_staff).filter(pk=private.pk).exists()
    assert not gone_staff.has_perm("collaborations.view_collaboration", private)


def test_a_service_refuses_an_inactive_staff_actor(active_staff, gone_staff):
    """A service asked by a command with a closed staff account as `actor` says no."""
    budget = budget_set(year=2031, chapter=None, amount="1000", actor=active_staff)
    assert budget.amount == 1000
    with pytest.raises(PermissionDenied):
        budget_set(year=2031, chapter=None, amount="5", actor=gone_staff)
    budget.refresh_from_db()
    assert budget.amount == 1000
