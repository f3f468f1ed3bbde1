"""The public chapter pages: the list, one chapter, follow/unfollow, inviting its region.

The world: Charleroi (hosted by Switch, organised by Norman) and Kortrijk (hosted by Twelve,
organised by Jurgen), members of the Charleroi region who work in Brussels (its diaspora),
and the permission matrix anonymous / member / organiser / other chapter's organiser / staff
over every page and action.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from betacowork.messaging.models import Outbox
from events.models import Event
from members.models import Chapter, Membership, Visibility
from tests.factories import (
    ChapterFactory,
    MembershipFactory,
    SpaceFactory,
    UserFactory,
    make_member,
)

from .factories import EventFactory

pytestmark = pytest.mark.django_db

INVITE_KIND = "events.chapter_invitation"


def build_world() -> dict:
    """Two chapters, their organisers, the Charleroi region's people and one upcoming event."""
    brussels = SpaceFactory(name="Betacowork", city="Brussels")
    switch = SpaceFactory(name="Switch Coworking", city="Charleroi", network="Cowallonia")
    twelve = SpaceFactory(name="Twelve", city="Kortrijk")
    norman = make_member("Norman Lambert", visibility=Visibility.MEMBERS, home_space=switch)
    jurgen = make_member("Jurgen De Smet", visibility=Visibility.PUBLIC, home_space=twelve)
    charleroi = ChapterFactory(
        name="Charleroi",
        slug="charleroi",
        space=switch,
        places="Charleroi, Hainaut, Liège",
        description="The Switch IT days.",
    )
    kortrijk = ChapterFactory(name="Kortrijk", slug="kortrijk", space=twelve, places="Kortrijk")
    charleroi.organisers.add(norman.user)
    kortrijk.organisers.add(jurgen.user)
    people = {
        # The diaspora: the region's people who belong to another space.
        "ann": make_member("Ann Charlier", city="Charleroi", home_space=brussels),
        "pierre": make_member(
            "Pierre Public", visibility=Visibility.PUBLIC, city="CHARLEROI", home_space=brussels
        ),
        "emile": make_member("Émile Hainuyer", region="hainaut", home_space=brussels),
        "lea": make_member("Léa Liégeoise", city="Liege", home_space=brussels),
        "max": make_member("Max Membership", city="Charleroi"),
        # Not the diaspora.
        "hidden": make_member(
            "Hidden Hainuyer", visibility=Visibility.HIDDEN, city="Charleroi", home_space=brussels
        ),
        "local": make_member("Switch Local", city="Charleroi", home_space=switch),
        "flexer": make_member("Flex Atswitch", city="Charleroi", home_space=brussels),
        "nospace": make_member("Nowhere Nadia", city="Charleroi"),
        "bio": make_member("Bio Mention", bio="I grew up in Charleroi.", home_space=brussels),
        "kurt": make_member("Kurt Kortrijk", city="Kortrijk", home_space=brussels),
    }
    MembershipFactory(user=people["max"].user, space=brussels)
    MembershipFactory(user=people["flexer"].user, space=switch)  # also a Switch member
    MembershipFactory(user=people["nospace"].user, space=brussels, status=Membership.Status.ENDED)
    event = EventFactory(
        title="Switch IT day", slug="switch-it-day", chapter=charleroi, space=switch
    )
    return {
        "brussels": brussels,
        "switch": switch,
        "charleroi": charleroi,
        "kortrijk": kortrijk,
        "norman": norman.user,
        "jurgen": jurgen.user,
        "event": event,
        **people,
    }


DIASPORA = {"Ann Charlier", "Pierre Public", "Émile Hainuyer", "Léa Liégeoise", "Max Membership"}
NOT_DIASPORA = {
    "Hidden Hainuyer",
    "Switch Local",
    "Flex Atswitch",
    "Nowhere Nadia",
    "Bio Mention",
    "Kurt Kortrijk",
}


@pytest.fixture
def world():
    return build_world()


def _login(client, who):
    if who is not None:
        client.force_login(who)
    return client


def _roles(world, staff, member):
    return {
        "anonymous": None,
        "member": member,
        "organiser": world["norman"],
        "other_organiser": world["jurgen"],
        "staff": staff,
    }


def _is_login_redirect(response, next_url: str) -> bool:
    """A redirect to the login page that comes back to `next_url`."""
    if response.status_code != 302:
        return False
    location = urlsplit(response["Location"])
    return location.path == reverse("account_login") and parse_qs(location.query)["next"] == [
        next_url
    ]


def _diaspora_names(html: str) -> set[str]:
    section = html.split('id="diaspora-title"', 1)[1]
    return {name for name in DIASPORA | NOT_DIASPORA if name in section}


# --- the permission matrix --------------------------------------------------------------------

ROLES = ["anonymous", "member", "organiser", "other_organiser", "staff"]


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_the_chapter_list_and_page(client, world, staff, member, role):
    _login(client, _roles(world, staff, member)[role])
    listing = client.get(reverse("chapters:list"))
    assert listing.status_code == 200
    assert "Charleroi" in listing.content.decode()
    assert "Kortrijk" in listing.content.decode()
    page = client.get(world["charleroi"].get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "Switch IT day" in html
    # Only the chapter's organisers and staff are offered the invitation button.
    invite_url = reverse("chapters:invite_diaspora", args=["charleroi"])
    assert (invite_url in html) is (role in ("organiser", "staff"))


@pytest.mark.parametrize("role", ROLES)
def test_follow_then_unfollow_matrix(client, world, staff, member, role):
    user = _roles(world, staff, member)[role]
    chapter = world["charleroi"]
    _login(client, user)
    follow = client.post(reverse("chapters:follow", args=["charleroi"]))
    if user is None:
        assert _is_login_redirect(follow, chapter.get_absolute_url())
        assert chapter.followers.count() == 0
        unfollow = client.post(reverse("chapters:unfollow", args=["charleroi"]))
        assert _is_login_redirect(unfollow, chapter.get_absolute_url())
        return
    assert follow.status_code == 302
    assert follow["Location"] == chapter.get_absolute_url()
    assert list(chapter.followers.all()) == [user]
    unfollow = client.post(reverse("chapters:unfollow", args=["charleroi"]))
    assert unfollow.status_code == 302
    assert chapter.followers.count() == 0


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("anonymous", False),
        ("member", False),
        ("organiser", True),
        ("other_organiser", False),
        ("staff", True),
    ],
)
def test_invite_the_region_matrix(client, world, staff, member, role, allowed):
    user = _roles(world, staff, member)[role]
    _login(client, user)
    response = client.post(reverse("chapters:invite_diaspora", args=["charleroi"]))
    invited = Outbox.objects.filter(kind=INVITE_KIND)
    if allowed:
        assert response.status_code == 302
        assert response["Location"] == world["charleroi"].get_absolute_url()
        assert invited.count() == len(DIASPORA)
    elif user is None:
        assert _is_login_redirect(response, world["charleroi"].get_absolute_url())
        assert not invited.exists()
    else:
        assert response.status_code == 403
        assert not invited.exists()


def test_an_organiser_cannot_invite_another_chapters_region(client, world):
    """Jurgen (Kortrijk) posts to Charleroi's invite URL: 403, nothing in the outbox; his own
    chapter's URL works."""
    client.force_login(world["jurgen"])
    assert client.post(reverse("chapters:invite_diaspora", args=["charleroi"])).status_code == 403
    assert not Outbox.objects.filter(kind=INVITE_KIND).exists()
    EventFactory(chapter=world["kortrijk"], space=world["kortrijk"].space)
    response = client.post(reverse("chapters:invite_diaspora", args=["kortrijk"]), follow=True)
    assert response.status_code == 200
    # Kurt lives in Kortrijk and works in Brussels: the one person of that region.
    assert list(Outbox.objects.filter(kind=INVITE_KIND).values_list("recipient", flat=True)) == [
        world["kurt"].user.pk
    ]
    assert "1 person was told" in response.content.decode()


# --- the list ---------------------------------------------------------------------------------


def test_the_list_shows_space_city_organisers_next_event_followers_and_status(client, world):
    world["charleroi"].followers.add(world["ann"].user, world["pierre"].user)
    ChapterFactory(name="Namur", slug="namur", status=Chapter.Status.PLANNED, space=world["switch"])
    client.force_login(world["ann"].user)
    html = client.get(reverse("chapters:list")).content.decode()
    card = html.split('data-testid="chapter-charleroi"', 1)[1].split("</article>", 1)[0]
    assert "Switch Coworking, Charleroi" in card
    assert 'href="' + world["norman"].profile.get_absolute_url() + '">Norman Lambert</a>' in card
    assert "Switch IT day" in card
    assert world["event"].get_absolute_url() in card
    assert re.search(r'data-testid="followers">\s*2\s*<', card)
    namur = html.split('data-testid="chapter-namur"', 1)[1].split("</article>", 1)[0]
    assert "In discussion" in namur
    assert "None planned yet" in namur


def test_organisers_are_named_only_to_those_who_may_see_their_profile(client, world):
    """Norman's profile is for members: anonymous visitors read "1 organiser", no name;
    Jurgen's is public: linked for everyone. A hidden organiser is never named."""
    hidden = make_member("Secret Organiser", visibility=Visibility.HIDDEN)
    world["kortrijk"].organisers.add(hidden.user)
    html = client.get(reverse("chapters:list")).content.decode()
    assert "Norman Lambert" not in html
    assert "1 organiser" in html
    assert 'href="' + world["jurgen"].profile.get_absolute_url() + '">Jurgen De Smet</a>' in html
    assert "and 1 more organiser" in html
    assert "Secret Organiser" not in html
    page = client.get(world["charleroi"].get_absolute_url()).content.decode()
    assert "Norman Lambert" not in page
    assert "1 organiser" in page

    client.force_login(world["ann"].user)
    html = client.get(reverse("chapters:list")).content.decode()
    assert 'href="' + world["norman"].profile.get_absolute_url() + '">Norman Lambert</a>' in html
    assert "Secret Organiser" not in html
    page = client.get(world["charleroi"].get_absolute_url()).content.decode()
    assert "Norman Lambert" in page


def test_the_next_event_is_one_the_viewer_may_see(client, world):
    """A members-only event is not shown to anonymous visitors; a draft only to organisers."""
    world["event"].delete()
    soon = timezone.now() + timedelta(days=2)
    EventFactory(
        title="Members evening",
        chapter=world["charleroi"],
        start=soon,
        visibility=Event.Visibility.MEMBERS,
    )
    EventFactory(
        title="Secret draft",
        chapter=world["charleroi"],
        start=soon - timedelta(days=1),
        status=Event.Status.DRAFT,
    )
    anonymous = client.get(reverse("chapters:list")).content.decode()
    assert "Members evening" not in anonymous
    assert "Secret draft" not in anonymous
    client.force_login(world["ann"].user)
    member = client.get(reverse("chapters:list")).content.decode()
    assert "Members evening" in member
    assert "Secret draft" not in member
    assert "badge-warning" not in member
    client.force_login(world["norman"])
    organiser = client.get(reverse("chapters:list")).content.decode()
    # Shown to its organiser as what it is: a draft, not yet announced.
    assert re.search(
        r"Secret draft</a> <span class=\"badge badge-warning\">Draft</span>", organiser
    )


def test_a_cancelled_event_is_not_the_next_one(client, world):
    """A cancelled event will not happen: the list shows the chapter's next real one."""
    soon = timezone.now() + timedelta(days=1)
    world["event"].start, world["event"].end = soon + timedelta(days=5), soon + timedelta(days=6)
    world["event"].save()
    EventFactory(
        title="Called off", chapter=world["charleroi"], start=soon, status=Event.Status.CANCELLED
    )
    client.force_login(world["ann"].user)
    html = client.get(reverse("chapters:list")).content.decode()
    card = html.split('data-testid="chapter-charleroi"', 1)[1].split("</article>", 1)[0]
    assert "Called off" not in card
    assert "Switch IT day" in card


def test_a_deactivated_organiser_is_not_shown(client, world):
    def organisers(html: str) -> str:
        return html.split('data-testid="organisers">', 1)[1].split("</p>", 1)[0]

    def card(html: str) -> str:
        return html.split('data-testid="chapter-charleroi"', 1)[1].split("</article>", 1)[0]

    world["charleroi"].organisers.add(world["max"].user)
    client.force_login(world["ann"].user)
    page = world["charleroi"].get_absolute_url()
    assert "Max Membership" in organisers(client.get(page).content.decode())
    assert "Max Membership" in card(client.get(reverse("chapters:list")).content.decode())
    type(world["max"].user).objects.filter(pk=world["max"].user.pk).update(is_active=False)
    shown = organisers(client.get(page).content.decode())
    assert "Max Membership" not in shown
    assert "Norman Lambert" in shown
    listed = card(client.get(reverse("chapters:list")).content.decode())
    assert "Max Membership" not in listed
    assert "Norman Lambert" in listed


# --- one chapter ------------------------------------------------------------------------------


def test_the_chapter_page_shows_space_events_feed_and_followers(client, world):
    chapter = world["charleroi"]
    chapter.followers.add(world["ann"].user)
    past = EventFactory(
        title="Last year talk",
        chapter=chapter,
        start=timezone.now() - timedelta(days=300),
    )
    response = client.get(chapter.get_absolute_url(), HTTP_HOST="testserver")
    html = response.content.decode()
    assert f'href="{world["switch"].get_absolute_url()}"' in html
    assert "The Switch IT days." in html
    assert "Switch IT day" in html
    assert past.title in html
    assert "1 follower" in html
    assert 'href="webcal://testserver/events/feed.ics?chapter=charleroi"' in html
    assert 'href="http://testserver/events/feed.ics?chapter=charleroi"' in html
    assert f"{reverse('account_login')}?next=/chapters/charleroi/" in html
    # The feed it links to answers, with the chapter's event.
    feed = client.get(reverse("events:feed") + "?chapter=charleroi")
    assert feed.status_code == 200
    assert b"Switch IT day" in feed.content


def test_the_feed_links_follow_the_request_scheme(client, world):
    html = client.get(world["charleroi"].get_absolute_url(), secure=True).content.decode()
    assert 'href="https://testserver/events/feed.ics?chapter=charleroi"' in html
    assert 'href="webcal://testserver/events/feed.ics?chapter=charleroi"' in html


def test_upcoming_events_are_limited_with_a_link_to_all_of_them(client, world):
    for day in range(12):
        EventFactory(chapter=world["charleroi"], start=timezone.now() + timedelta(days=10 + day))
    html = client.get(world["charleroi"].get_absolute_url()).content.decode()
    assert f'href="{reverse("events:list")}?chapter=charleroi"' in html
    listed = client.get(reverse("events:list") + "?chapter=charleroi")
    assert listed.status_code == 200


def test_past_events_are_paginated_and_a_bad_page_is_no_error(client, world):
    for n in range(13):
        EventFactory(
            title=f"Past {n:02d}",
            chapter=world["charleroi"],
            start=timezone.now() - timedelta(days=30 + n),
        )
    first = client.get(world["charleroi"].get_absolute_url()).content.decode()
    assert "Past 00" in first
    assert "Past 12" not in first
    second = client.get(world["charleroi"].get_absolute_url() + "?past=2").content.decode()
    assert "Past 12" in second
    assert "Past 00" not in second
    for bad in ("abc", "0", "-1", "99999", "1.5", "%FF"):
        response = client.get(world["charleroi"].get_absolute_url() + f"?past={bad}")
        assert response.status_code == 200, bad
    # A NUL byte anywhere in a request is refused by the project, not by this page: a 400.
    assert client.get(world["charleroi"].get_absolute_url() + "?past=%00").status_code == 400


def test_following_shows_an_unfollow_button_and_messages(client, world, member):
    client.force_login(member)
    url = world["charleroi"].get_absolute_url()
    follow = reverse("chapters:follow", args=["charleroi"])
    unfollow = reverse("chapters:unfollow", args=["charleroi"])
    assert f'action="{follow}"' in client.get(url).content.decode()
    page = client.post(follow, follow=True).content.decode()
    assert "You follow Charleroi" in page
    assert f'action="{unfollow}"' in page
    again = client.post(follow, follow=True).content.decode()
    assert "You already follow Charleroi" in again
    assert world["charleroi"].followers.count() == 1
    page = client.post(unfollow, follow=True).content.decode()
    assert "You no longer follow Charleroi" in page
    assert f'action="{follow}"' in page
    again = client.post(unfollow, follow=True).content.decode()
    assert "You were not following Charleroi" in again
    assert world["charleroi"].followers.count() == 0


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["follow", "unfollow", "invite_diaspora"])
def test_unknown_chapter_is_a_404_and_get_on_an_action_is_a_405(client, world, staff, name):
    client.force_login(staff)
    assert client.post(reverse(f"chapters:{name}", args=["atlantis"])).status_code == 404
    assert client.get(reverse(f"chapters:{name}", args=["charleroi"])).status_code == 405
    assert client.get(reverse(f"chapters:{name}", args=["atlantis"])).status_code == 405
    client.logout()
    assert client.post(reverse(f"chapters:{name}", args=["atlantis"])).status_code == 404
    assert client.get(reverse(f"chapters:{name}", args=["charleroi"])).status_code == 405
    assert not Outbox.objects.filter(kind=INVITE_KIND).exists()
    assert world["charleroi"].followers.count() == 0


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/chapters/atlantis/", 404),
        ("/chapters/a%20b/", 404),
        ("/chapters/x/y/", 404),
        ("/chapters/%00/", 400),  # a NUL byte: refused by the project's middleware
    ],
)
def test_unknown_chapter_pages_are_4xx(client, world, path, status):
    assert client.get(path).status_code == status


def test_inviting_without_an_upcoming_event_says_so_and_sends_nothing(client, world):
    world["event"].start = timezone.now() - timedelta(days=3)
    world["event"].end = world["event"].start + timedelta(hours=2)
    world["event"].save()
    EventFactory(chapter=world["charleroi"], status=Event.Status.DRAFT)
    client.force_login(world["norman"])
    page = client.get(world["charleroi"].get_absolute_url()).content.decode()
    assert "Publish an upcoming event to invite them to it." in page
    response = client.post(reverse("chapters:invite_diaspora", args=["charleroi"]), follow=True)
    assert response.status_code == 200
    assert "has no published upcoming event" in response.content.decode()
    assert not Outbox.objects.filter(kind=INVITE_KIND).exists()


def test_inviting_twice_tells_each_person_once(client, world):
    client.force_login(world["norman"])
    url = reverse("chapters:invite_diaspora", args=["charleroi"])
    first = client.post(url, follow=True).content.decode()
    assert f"{len(DIASPORA)} people were told about “Switch IT day”" in first
    second = client.post(url, follow=True).content.decode()
    assert "Nobody new to tell about “Switch IT day”" in second
    assert Outbox.objects.filter(kind=INVITE_KIND).count() == len(DIASPORA)


# --- the region, working elsewhere ------------------------------------------------------------


def test_the_diaspora_section_shows_the_right_people(client, world):
    client.force_login(world["ann"].user)
    html = client.get(world["charleroi"].get_absolute_url()).content.decode()
    assert _diaspora_names(html) == DIASPORA
    assert re.search(r'data-testid="diaspora-count">\s*5 members', html)
    assert f'href="{reverse("members:directory")}?place=Hainaut"' in html
    assert f'href="{reverse("members:directory")}?place=Li%C3%A8ge"' in html


def test_anonymous_visitors_see_only_public_profiles_in_the_diaspora(client, world):
    html = client.get(world["charleroi"].get_absolute_url()).content.decode()
    assert _diaspora_names(html) == {"Pierre Public"}
    assert re.search(r'data-testid="diaspora-count">\s*1 member', html)


def test_staff_see_hidden_profiles_as_everywhere_else_but_members_never(client, world, staff):
    client.force_login(staff)
    html = client.get(world["charleroi"].get_absolute_url()).content.decode()
    assert _diaspora_names(html) == DIASPORA | {"Hidden Hainuyer"}
    client.force_login(world["norman"])
    assert (
        "Hidden Hainuyer" not in client.get(world["charleroi"].get_absolute_url()).content.decode()
    )


def test_a_chapter_without_places_has_no_diaspora(client, world):
    world["charleroi"].places = ""
    world["charleroi"].save()
    client.force_login(world["ann"].user)
    html = client.get(world["charleroi"].get_absolute_url()).content.decode()
    assert _diaspora_names(html) == set()
    assert "has not named its region yet" in html


# --- links and navigation ---------------------------------------------------------------------


def test_event_pages_link_their_chapter_and_the_nav_reaches_chapters(client, world):
    html = client.get(world["event"].get_absolute_url()).content.decode()
    assert f'href="{world["charleroi"].get_absolute_url()}"' in html
    assert f'href="{reverse("chapters:list")}"' in html


def test_the_organise_link_is_shown_to_organisers_and_staff_only(client, world, member, staff):
    from django.urls import NoReverseMatch

    try:
        organise = reverse("organise:index")
    except NoReverseMatch:
        pytest.skip("the organiser console is not wired yet")
    for user, shown in ((member, False), (world["norman"], True), (staff, True)):
        client.force_login(user)
        html = client.get(reverse("chapters:list")).content.decode()
        assert (f'href="{organise}"' in html) is shown, user


# --- query counts -----------------------------------------------------------------------------


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _grow(chapter, n: int, *, past: bool = True) -> None:
    """n more organisers, followers, upcoming and past events, and diaspora members."""
    for i in range(n):
        organiser = make_member(f"Organiser {chapter.slug} {i}", visibility=Visibility.PUBLIC)
        chapter.organisers.add(organiser.user)
        chapter.followers.add(UserFactory())
        EventFactory(chapter=chapter, start=timezone.now() + timedelta(days=3 + i))
        if past:
            EventFactory(chapter=chapter, start=timezone.now() - timedelta(days=3 + i))
        make_member(
            f"Diaspora {chapter.slug} {i}",
            city=chapter.place_list[0],
            home_space=SpaceFactory(name="Betacowork"),
        )


@pytest.mark.parametrize("as_member", [False, True])
def test_list_queries_are_the_same_for_1_and_30_chapters(
    client, django_assert_num_queries, as_member
):
    _grow(ChapterFactory(name="First", slug="first", places="Charleroi"), 1)
    if as_member:
        client.force_login(UserFactory())
    client.get(reverse("chapters:list"))  # warm the session and content types
    one = _count(client, reverse("chapters:list"))
    for n in range(29):
        chapter = ChapterFactory(name=f"More {n}", slug=f"more-{n}", places=f"Town {n}")
        _grow(chapter, 1 if n else 30, past=False)
    with django_assert_num_queries(one):
        html = client.get(reverse("chapters:list")).content.decode()
    assert html.count("chapter-card") == 30


@pytest.mark.parametrize("as_organiser", [False, True])
def test_detail_queries_are_the_same_for_1_and_30_of_everything(
    client, django_assert_num_queries, as_organiser
):
    small = ChapterFactory(name="Small", slug="small", places="Smallville")
    big = ChapterFactory(name="Big", slug="big", places="Bigtown, Hainaut")
    _grow(small, 1)
    _grow(big, 30)
    if as_organiser:
        organiser = UserFactory()
        small.organisers.add(organiser)
        big.organisers.add(organiser)
        client.force_login(organiser)
    client.get(small.get_absolute_url())
    one = _count(client, small.get_absolute_url())
    with django_assert_num_queries(one):
        html = client.get(big.get_absolute_url()).content.decode()
    assert html.count("event-card") == 10  # the first ten, and a link to all of them


def test_the_list_tells_a_member_which_chapters_they_follow(
    client, world, member, django_assert_max_num_queries
):
    """QA: nothing on the site said which chapters a member follows — only each chapter's
    own page, one by one."""
    client.force_login(member)
    page = client.get(reverse("chapters:list")).content.decode()
    assert "You follow no chapter yet" in page
    assert 'data-testid="followed"' not in page

    world["kortrijk"].followers.add(member)
    page = client.get(reverse("chapters:list")).content.decode()
    assert "You follow 1 chapter:" in page
    kortrijk = page.split('data-testid="chapter-kortrijk"')[1].split("</article>")[0]
    charleroi = page.split('data-testid="chapter-charleroi"')[1].split("</article>")[0]
    assert "You follow it" in kortrijk
    assert "You follow it" not in charleroi

    world["charleroi"].followers.add(member)
    # The same three reads as before, whatever the number of chapters or follows.
    with django_assert_max_num_queries(3 + 4):  # + the session, the user and the profile's
        page = client.get(reverse("chapters:list")).content.decode()
    assert "You follow 2 chapters:" in page


def test_visitors_and_other_members_are_not_told_of_follows(client, world, member):
    world["kortrijk"].followers.add(member)
    page = client.get(reverse("chapters:list")).content.decode()
    assert "You follow" not in page
    client.force_login(UserFactory())
    page = client.get(reverse("chapters:list")).content.decode()
    assert "You follow it" not in page
    assert "You follow no chapter yet" in page
