"""The home page's community figures: cached per class of viewer, never stale after a change,
never shared with a member who sees their own hidden profile."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.home import community_figures_cached
from tests.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.DIRECTORY_CACHE_SECONDS = 120


def test_figures_are_cached_until_a_profile_changes():
    viewer = make_member("Viewer", visibility="members").user
    make_member("Ana", visibility="public")
    first = community_figures_cached(user=viewer)["members"]
    with CaptureQueriesContext(connection) as ctx:
        assert community_figures_cached(user=viewer)["members"] == first
    assert not [q for q in ctx.captured_queries if "COUNT" in q["sql"].upper()]
    hidden = make_member("Bob", visibility="members")
    assert community_figures_cached(user=viewer)["members"] == first + 1
    hidden.visibility = "hidden"
    hidden.save(update_fields=["visibility"])
    assert community_figures_cached(user=viewer)["members"] == first


def test_anonymous_and_members_get_their_own_counts():
    make_member("Public Pia", visibility="public")
    make_member("Member Max", visibility="members")
    viewer = make_member("Viewer", visibility="members").user
    assert community_figures_cached(user=None)["members"] == 1
    assert community_figures_cached(user=viewer)["members"] == 3
    assert community_figures_cached(user=None)["members"] == 1  # not the members' count


def test_a_member_with_a_hidden_profile_counts_themselves_uncached():
    make_member("Member Max", visibility="members")
    other = make_member("Other", visibility="members").user
    hidden = make_member("Hidden Hugo", visibility="hidden").user
    assert community_figures_cached(user=other)["members"] == 2
    assert community_figures_cached(user=hidden)["members"] == 3  # Max, Other and himself
    assert community_figures_cached(user=other)["members"] == 2
