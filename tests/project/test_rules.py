"""The permission layer: each rule's object form and list form agree, and the rules say
what the product promises (members/rules.py, events/rules.py, collaborations/rules.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from collaborations.models import Collaboration
from events.models import Event
from members.models import Chapter, Profile, Visibility
from tests.events.factories import EventFactory
from tests.factories import ChapterFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    """Viewers of every class: anonymous, a member, a hidden member, plain staff (not a
    superuser: staff rights come from the rules, not from Django's superuser shortcut)."""
    hidden = make_member("Hidden Hilde", visibility=Visibility.HIDDEN).user
    return {
        "anonymous": AnonymousUser(),
        "member": make_member("Member Max").user,
        "hidden": hidden,
        "staff": UserFactory(name="Staff Sara", is_staff=True),
    }


@pytest.fixture
def profiles():
    return [
        make_member(f"{v} person", visibility=v)
        for v in (Visibility.PUBLIC, Visibility.MEMBERS, Visibility.HIDDEN)
    ]


def test_profile_visibility_object_and_list_forms_agree(people, profiles):
    for name, viewer in people.items():
        listed = set(Profile.objects.visible_to(viewer).values_list("pk", flat=True))
        for profile in [*profiles, *(p.profile for p in people.values() if p.is_authenticated)]:
            allowed = viewer.has_perm("members.view_profile", profile)
            assert allowed == (profile.pk in listed), (name, profile.display_name)


def test_profile_visibility_says_what_the_product_promises(people, profiles):
    public, members_only, hidden = profiles
    anonymous, member, staff = people["anonymous"], people["member"], people["staff"]
    assert anonymous.has_perm("members.view_profile", public)
    assert not anonymous.has_perm("members.view_profile", members_only)
    assert member.has_perm("members.view_profile", members_only)
    assert not member.has_perm("members.view_profile", hidden)
    assert staff.has_perm("members.view_profile", hidden)
    # A hidden member still sees their own profile.
    own = people["hidden"].profile
    assert people["hidden"].has_perm("members.view_profile", own)
    assert not member.has_perm("members.view_profile", own)


def test_only_the_owner_and_staff_change_a_profile(people, profiles):
    public = profiles[0]
    assert public.user.has_perm("members.change_profile", public)
    assert people["staff"].has_perm("members.change_profile", public)
    assert not people["member"].has_perm("members.change_profile", public)
    assert not people["anonymous"].has_perm("members.change_profile", public)


@pytest.fixture
def chapters(people):
    charleroi, kortrijk = ChapterFactory(name="Charleroi"), ChapterFactory(name="Kortrijk")
    norman = UserFactory(name="Norman Organiser")
    charleroi.organisers.add(norman)
    people["norman"] = norman
    return charleroi, kortrijk


def test_organiser_runs_only_their_chapters_events(people, chapters):
    charleroi, kortrijk = chapters
    norman, member, staff = people["norman"], people["member"], people["staff"]
    mine = EventFactory(chapter=charleroi, status=Event.Status.DRAFT)
    theirs = EventFactory(chapter=kortrijk)
    outside = EventFactory(chapter=None)
    for perm in ("events.change_event", "events.check_in", "events.run_speed_networking"):
        assert norman.has_perm(perm, mine)
        assert not norman.has_perm(perm, theirs)
        assert not norman.has_perm(perm, outside)
        assert not member.has_perm(perm, mine)
        assert staff.has_perm(perm, theirs)
        assert staff.has_perm(perm, outside)
    assert set(Event.objects.run_by(norman)) == {mine}
    assert set(Event.objects.run_by(staff)) == {mine, theirs, outside}
    assert not Event.objects.run_by(member).exists()
    assert not Event.objects.run_by(people["anonymous"]).exists()
    assert set(Chapter.objects.organised_by(norman)) == {charleroi}
    assert set(Chapter.objects.organised_by(staff)) == {charleroi, kortrijk}
    assert norman.has_perm("members.use_organiser_console")
    assert not member.has_perm("members.use_organiser_console")
    assert norman.has_perm("members.organise_chapter", charleroi)
    assert not norman.has_perm("members.organise_chapter", kortrijk)


def test_event_visibility_object_and_list_forms_agree(people, chapters):
    charleroi, _kortrijk = chapters
    events = [
        EventFactory(status=Event.Status.PUBLISHED, visibility=Event.Visibility.PUBLIC),
        EventFactory(status=Event.Status.PUBLISHED, visibility=Event.Visibility.MEMBERS),
        EventFactory(status=Event.Status.CANCELLED),
        EventFactory(status=Event.Status.DRAFT),
        EventFactory(status=Event.Status.DRAFT, chapter=charleroi),
    ]
    for name, viewer in people.items():
        listed = set(Event.objects.visible_to(viewer).values_list("pk", flat=True))
        for event in events:
            assert viewer.has_perm("events.view_event", event) == (event.pk in listed), (
                name,
                event.status,
            )
    # An organiser previews their chapter's draft; nobody else but staff sees drafts.
    assert people["norman"].has_perm("events.view_event", events[4])
    assert not people["norman"].has_perm("events.view_event", events[3])
    assert not people["member"].has_perm("events.view_event", events[4])
    assert not people["anonymous"].has_perm("events.view_event", events[1])


def test_collaboration_visibility_object_and_list_forms_agree(people):
    from datetime import date

    from django.utils import timezone

    from collaborations.models import Participant

    author, partner = people["member"], make_member("Partner Pia").user
    collabs = []
    for status in (Collaboration.Status.CONFIRMED, Collaboration.Status.PROPOSED):
        for visibility in Collaboration.Visibility.values:
            collab = Collaboration.objects.create(
                title=f"{status} {visibility}",
                kind=Collaboration.Kind.SERVICE,
                start_date=date(2026, 1, 5),
                author=author,
                author_name=author.name,
                status=status,
                visibility=visibility,
                confirmed_at=timezone.now() if status == "confirmed" else None,
            )
            Participant.objects.create(
                collaboration=collab, user=partner, name=partner.name, role="client"
            )
            collabs.append(collab)
    stranger = make_member("Stranger Sam").user
    viewers = {**people, "partner": partner, "stranger": stranger}
    for name, viewer in viewers.items():
        listed = set(Collaboration.objects.visible_to(viewer).values_list("pk", flat=True))
        for collab in collabs:
            allowed = viewer.has_perm("collaborations.view_collaboration", collab)
            assert allowed == (collab.pk in listed), (name, collab.status, collab.visibility)
    participants_only = next(
        c
        for c in collabs
        if c.visibility == Collaboration.Visibility.PARTICIPANTS
        and c.status == Collaboration.Status.CONFIRMED
    )
    assert partner.has_perm("collaborations.view_collaboration", participants_only)
    assert not stranger.has_perm("collaborations.view_collaboration", participants_only)
    assert stranger.has_perm("collaborations.view_history", participants_only) is False
    assert partner.has_perm("collaborations.view_history", participants_only)


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:events_event_changelist",
        "admin:events_eventseries_changelist",
        "admin:members_profile_changelist",
        "admin:collaborations_collaboration_changelist",
    ],
)
def test_the_rules_give_plain_staff_no_admin_rights(client, url_name):
    """Rules named like Django's model permissions answer only about an object: a staff
    account without groups is refused in the admin, a superuser is not."""
    from django.urls import reverse

    plain = UserFactory(name="Plain Staff", is_staff=True)
    assert not plain.has_perm("events.change_event")
    assert not plain.has_perm("members.change_profile")
    client.force_login(plain)
    assert client.get(reverse(url_name)).status_code == 403
    client.force_login(UserFactory(name="Super", is_staff=True, is_superuser=True))
    assert client.get(reverse(url_name)).status_code == 200
