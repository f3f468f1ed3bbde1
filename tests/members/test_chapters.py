"""Chapters as a members concern: following one (and what publishing then announces), a
chapter's region from the directory's search rows, and members per space counted alike on
the home page, the space page and the directory."""

from __future__ import annotations

import itertools
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from betacowork.messaging.models import Outbox
from events import services as event_services
from events.models import Event
from members.chapters import chapter_follow, chapter_unfollow
from members.models import Membership, Profile, Visibility
from members.search import fold
from members.selectors import (
    profiles_in_places,
    space_members_filter,
    space_people,
    spaces_with_member_counts,
)
from tests.events.factories import EventFactory
from tests.factories import (
    ChapterFactory,
    MembershipFactory,
    SpaceFactory,
    UserFactory,
    make_member,
    spaces_of,
)

pytestmark = pytest.mark.django_db


# --- following --------------------------------------------------------------------------------


def test_follow_and_unfollow_are_idempotent_and_say_what_changed(member):
    chapter = ChapterFactory()
    assert chapter_follow(chapter=chapter, user=member) is True
    assert chapter_follow(chapter=chapter, user=member) is False
    assert list(chapter.followers.all()) == [member]
    assert chapter_unfollow(chapter=chapter, user=member) is True
    assert chapter_unfollow(chapter=chapter, user=member) is False
    assert chapter.followers.count() == 0


def test_only_active_members_may_follow():
    chapter = ChapterFactory()
    with pytest.raises(PermissionDenied):
        chapter_follow(chapter=chapter, user=AnonymousUser())
    inactive = UserFactory(is_active=False)
    with pytest.raises(PermissionDenied):
        chapter_follow(chapter=chapter, user=inactive)
    assert chapter.followers.count() == 0
    assert chapter_unfollow(chapter=chapter, user=AnonymousUser()) is False


def _announced(event) -> list[str]:
    return sorted(
        Outbox.objects.filter(
            kind="events.chapter_announcement", topic=f"event:{event.pk}"
        ).values_list("to_email", flat=True)
    )


def test_followers_get_the_announcement_of_a_published_event_exactly_once(client):
    """Two members follow through the page, one follows and unfollows, one never follows:
    publishing (twice) announces to the two, once each."""
    chapter = ChapterFactory(slug="charleroi")
    ann, bob, carl, dora = (UserFactory() for _ in range(4))
    for user in (ann, bob, carl):
        client.force_login(user)
        assert client.post(reverse("chapters:follow", args=[chapter.slug])).status_code == 302
    client.force_login(carl)
    assert client.post(reverse("chapters:unfollow", args=[chapter.slug])).status_code == 302

    draft = EventFactory(chapter=chapter, status=Event.Status.DRAFT)
    assert event_services.event_publish(event=draft) is True
    assert event_services.event_publish(event=draft) is False
    event_services.event_announce(event=Event.objects.get(pk=draft.pk))  # again: still once
    assert _announced(draft) == sorted([ann.email, bob.email])
    assert dora.email not in _announced(draft)

    # Ann unfollows: the next event is announced to Bob alone.
    chapter_unfollow(chapter=chapter, user=ann)
    second = EventFactory(chapter=chapter, status=Event.Status.DRAFT)
    event_services.event_publish(event=second)
    assert _announced(second) == [bob.email]


# --- a chapter's region, from the directory's search rows --------------------------------------

CITIES = ["Charleroi", "CHARLEROI", "charleroi", "Liège", "Liege", "Brussels", ""]
REGIONS = ["Hainaut", "hainaut", "Hainaût", "West-Vlaanderen", ""]


@pytest.fixture
def region():
    """Every combination of city, region, visibility and space, with the Switch host."""
    brussels = SpaceFactory(name="Betacowork", city="Brussels")
    switch = SpaceFactory(name="Switch Coworking", city="Charleroi")
    spaces = ["none", "home-brussels", "home-switch", "member-brussels", "member-switch", "both"]
    visibilities = [Visibility.PUBLIC, Visibility.MEMBERS, Visibility.HIDDEN]
    profiles = []
    combos = itertools.product(CITIES[:5], REGIONS[::2], visibilities, spaces)
    for n, (city, region_, visibility, space) in enumerate(combos):
        home = {"home-brussels": brussels, "home-switch": switch, "both": brussels}.get(space)
        profile = make_member(
            f"Person {n:03d}",
            visibility=visibility,
            city=city,
            region=region_,
            home_space=home,
            bio="Born in Charleroi." if n % 7 == 0 else "",
        )
        if space in ("member-brussels", "member-switch", "both"):
            MembershipFactory(
                user=profile.user, space=switch if space != "member-brussels" else brussels
            )
        profiles.append(profile)
    ended = make_member("Ended Ernest", city="Charleroi")
    MembershipFactory(user=ended.user, space=brussels, status=Membership.Status.ENDED)
    return {"brussels": brussels, "switch": switch}


def _reference(viewer, places, exclude_space_id) -> list[int]:
    """The same people by scanning every profile in Python: what the selector must equal."""
    folded = {fold(p) for p in places} - {""}
    out = []
    for profile in Profile.objects.visible_to(viewer).order_by("display_name", "pk"):
        if fold(profile.city) not in folded and fold(profile.region) not in folded:
            continue
        spaces = spaces_of(profile)
        if spaces and exclude_space_id not in spaces:
            out.append(profile.pk)
    return out


def _viewers():
    return {
        "anonymous": AnonymousUser(),
        "member": UserFactory(),
        "staff": UserFactory(is_staff=True),
    }


def _check_equivalence(region, django_assert_num_queries):
    places_cases = [
        ["Charleroi", "Hainaut", "Liège"],
        ["charleroi"],
        ["LIEGE"],
        ["Hainaût"],
        ["West-Vlaanderen"],
        ["Nowhere"],
    ]
    for (name, viewer), places in itertools.product(_viewers().items(), places_cases):
        expected = _reference(viewer, places, region["switch"].pk)
        with django_assert_num_queries(1):
            cards, total = profiles_in_places(
                viewer=viewer, places=places, exclude_space_id=region["switch"].pk, limit=24
            )
        assert total == len(expected), (name, places)
        assert [card.pk for card in cards] == expected[:24], (name, places)
        everyone, total = profiles_in_places(
            viewer=viewer, places=places, exclude_space_id=region["switch"].pk, limit=None
        )
        assert [card.pk for card in everyone] == expected, (name, places)
        assert total == len(expected)


def test_profiles_in_places_equals_a_full_scan(region, django_assert_num_queries):
    _check_equivalence(region, django_assert_num_queries)


@pytest.mark.postgres
def test_profiles_in_places_equals_a_full_scan_on_postgres(region, django_assert_num_queries):
    """The same people from the `ProfileSearch` vectors (facet lexemes, GIN index)."""
    _check_equivalence(region, django_assert_num_queries)


@pytest.mark.postgres
def test_profiles_in_places_reads_the_search_rows_on_postgres(region, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.PREPARED_STATEMENTS = False  # to see the statement, not EXECUTE <name>

    with CaptureQueriesContext(connection) as ctx:
        profiles_in_places(
            viewer=AnonymousUser(), places=["Charleroi"], exclude_space_id=region["switch"].pk
        )
    (query,) = ctx.captured_queries
    assert "members_profilesearch" in query["sql"]
    assert "search_vector @@" in query["sql"]


def test_the_region_matches_accents_and_case_but_not_a_bio(region):
    member = UserFactory()
    cards, _total = profiles_in_places(
        viewer=member, places=["Liège"], exclude_space_id=region["switch"].pk, limit=None
    )
    cities = {Profile.objects.get(pk=card.pk).city for card in cards}
    assert cities == {"Liège", "Liege"}
    cards, _total = profiles_in_places(
        viewer=member, places=["Charleroi"], exclude_space_id=region["switch"].pk, limit=None
    )
    found = Profile.objects.filter(pk__in=[card.pk for card in cards])
    assert {fold(p.city) for p in found} == {"charleroi"}
    assert not found.filter(visibility=Visibility.HIDDEN).exists()
    # Nobody who belongs to Switch, nobody without a space.
    switch = region["switch"].pk
    assert not found.filter(space_members_filter(switch)).exists()
    assert all(p.home_space_id or p.user.memberships.filter(status="active") for p in found)


def test_no_places_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert profiles_in_places(
            viewer=AnonymousUser(), places=["", " , "], exclude_space_id=None
        ) == ([], 0)


# --- members per space, counted alike everywhere -----------------------------------------------


@pytest.fixture
def switch_people():
    """Switch's people: home space or active membership, any visibility; and some who are
    not (an ended membership, another space)."""
    switch = SpaceFactory(name="Switch Coworking", city="Charleroi")
    brussels = SpaceFactory(name="Betacowork", city="Brussels")
    make_member("Home Public", visibility=Visibility.PUBLIC, home_space=switch)
    make_member("Home Members", visibility=Visibility.MEMBERS, home_space=switch)
    make_member("Home Hidden", visibility=Visibility.HIDDEN, home_space=switch)
    both = make_member("Home And Desk", visibility=Visibility.MEMBERS, home_space=switch)
    MembershipFactory(user=both.user, space=switch)
    MembershipFactory(user=both.user, space=switch, plan=Membership.Plan.OFFICE)
    desk = make_member("Desk Only", visibility=Visibility.PUBLIC, home_space=brussels)
    MembershipFactory(user=desk.user, space=switch)
    ended = make_member("Ended Desk", visibility=Visibility.PUBLIC)
    MembershipFactory(user=ended.user, space=switch, status=Membership.Status.ENDED)
    make_member("Brussels Only", visibility=Visibility.PUBLIC, home_space=brussels)
    return switch


def _home_count(html: str, space) -> int:
    match = re.search(
        r"<strong>(\d+)</strong><a href=\"" + re.escape(space.get_absolute_url()) + '"', html
    )
    assert match, "the home page shows no count for " + space.name
    return int(match[1])


def _page_count(html: str) -> int:
    return int(re.search(r"(\d+) members?\b", html)[1])


@pytest.mark.parametrize(("who", "expected"), [("anonymous", 2), ("member", 4), ("staff", 5)])
def test_home_space_page_and_directory_agree_on_a_space_members(
    client, switch_people, who, expected
):
    if who != "anonymous":
        client.force_login(UserFactory(is_staff=who == "staff"))
    home = client.get(reverse("home")).content.decode()
    space_page = client.get(switch_people.get_absolute_url()).content.decode()
    space_h2 = space_page.split("<h2>", 1)[1]
    directory = client.get(reverse("members:directory") + "?space=switch-coworking")
    count_line = directory.content.decode().split("data-directory-count>", 1)[1]
    assert _home_count(home, switch_people) == expected
    assert _page_count(space_h2) == expected
    assert _page_count(count_line) == expected


@pytest.mark.parametrize("who", ["anonymous", "member", "hidden member of the space", "staff"])
def test_space_counts_equal_the_space_people_for_every_viewer(switch_people, who):
    """On PostgreSQL the counts come from the search rows' space lexemes, on SQLite from the
    profiles: either way they equal `space_people()`, the one answer, for every viewer — a
    member whose own profile is hidden counts themself. Then a membership ends."""
    viewer = None
    if who == "hidden member of the space":
        viewer = make_member("Hidden Desk", visibility=Visibility.HIDDEN).user
        MembershipFactory(user=viewer, space=switch_people)
    elif who != "anonymous":
        viewer = UserFactory(is_staff=who == "staff")
    audience = viewer or AnonymousUser()

    def check() -> None:
        counts = {s.pk: s.member_count for s in spaces_with_member_counts(user=audience)}
        assert len(counts) == 2
        assert counts == {pk: space_people(user=audience, space=pk).count() for pk in counts}

    check()
    desk = Membership.objects.get(user__profile__display_name="Desk Only")
    desk.status = Membership.Status.ENDED
    desk.save()
    check()


def test_space_counts_are_one_query_for_every_space(switch_people, django_assert_num_queries):
    viewer = UserFactory()
    with django_assert_num_queries(1):
        counts = {
            space.name: space.member_count for space in spaces_with_member_counts(user=viewer)
        }
    assert counts == {"Betacowork": 2, "Switch Coworking": 4}
    assert counts["Switch Coworking"] == space_people(user=viewer, space=switch_people).count()
