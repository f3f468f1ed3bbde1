"""Deletions audit, second part: an event with a speed-networking evening deleted in the
admin leaves no page tripping on it; after admin deletions the directory's kept counts
(PostgreSQL) still equal a recount and the results cache serves no stale page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from events import services as event_services
from events.models import Event, Meeting, MeetingRequest, NetworkingSession, Round, Seat
from members.directory import directory_query, directory_search
from members.models import Company, Profile, Space, Term, User
from tests.events.factories import EventFactory, RegistrationFactory, kind
from tests.factories import (
    ChapterFactory,
    CompanyFactory,
    SpaceFactory,
    TermFactory,
    UserFactory,
    make_member,
)
from tests.project.test_audit_deletions_admin import admin_delete, bulk_delete

pytestmark = pytest.mark.django_db


def evening_with_everything():
    now = timezone.now()
    event = EventFactory(
        kind=kind("speed-networking"),
        chapter=ChapterFactory(),
        capacity=None,
        start=now - timedelta(days=1),
        end=now - timedelta(hours=20),
    )
    alice, bob = make_member("Alice Met").user, make_member("Bob Met").user
    for user in (alice, bob):
        RegistrationFactory(event=event, user=user, checked_in_at=now - timedelta(days=1))
    session = NetworkingSession.objects.create(event=event)
    rnd = Round.objects.create(session=session, number=1)
    Seat.objects.create(round=rnd, user=alice, table=1)
    Seat.objects.create(round=rnd, user=bob, table=1)
    a, b = sorted((alice, bob), key=lambda u: u.pk)
    Meeting.objects.create(
        event=event, person_a=a, person_b=b, round_number=1, met_on=timezone.localdate()
    )
    MeetingRequest.objects.create(event=event, requester=alice, target=bob)
    return event, alice, bob


def pages_of(client, user):
    token = event_services.calendar_token_create(user=user).token
    bob_profile = Profile.objects.exclude(user=user).filter(user__name="Bob Met").first()
    urls = [
        reverse("events:networking:met"),
        reverse("events:mine"),
        reverse("collaborations:dashboard"),
        "/",
        reverse("events:list"),
        reverse("api:events"),
        reverse("api:directory"),
        reverse("events:feed"),
        reverse("events:personal_feed", kwargs={"token": token}),
        Profile.objects.get(user=user).get_absolute_url(),
    ]
    if bob_profile:
        urls.append(bob_profile.get_absolute_url())
    client.force_login(user)
    return {url: client.get(url).status_code for url in urls}


@pytest.mark.parametrize("path", ["single", "bulk"])
def test_deleting_a_speed_networking_evening_leaves_no_page_tripping(admin_client, client, path):
    event, alice, _bob = evening_with_everything()
    assert all(code == 200 for code in pages_of(client, alice).values())
    if path == "single":
        assert admin_delete(admin_client, event).status_code == 302
    else:
        assert bulk_delete(admin_client, Event, [event]).status_code == 302
    assert not Event.objects.filter(pk=event.pk).exists()
    for model in (NetworkingSession, Round, Seat, Meeting, MeetingRequest):
        assert not model.objects.exists(), model
    codes = pages_of(client, alice)
    assert all(code == 200 for code in codes.values()), codes


# -- the directory's counts after deletions ----------------------------------------------


def kept_counts():
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT visibility, sum(n) FROM members_profilecount GROUP BY 1 HAVING sum(n) <> 0"
        )
        profiles = sorted(cursor.fetchall())
        cursor.execute(
            "SELECT lexeme, visibility, sum(n) FROM members_facetcount"
            " GROUP BY 1, 2 HAVING sum(n) <> 0"
        )
        facets = sorted(cursor.fetchall())
    return profiles, facets


def kept_equal_a_recount():
    from members.search_counts import profile_counts_rebuild

    kept = kept_counts()
    if kept is None:
        return True
    profile_counts_rebuild()
    return kept == kept_counts()


def listing(viewer, params):
    query = directory_query(params=params)
    first = directory_search(viewer=viewer, query=query)
    full = directory_search(viewer=viewer, query=directory_query(params=params), per_page=500)
    return first.total, len(full.cards)


def filters():
    params = [{}, {"q": "Dir"}]
    params += [{"skill": t.slug} for t in Term.objects.all()]
    params += [{"space": s.slug} for s in Space.objects.all()]
    return params


def totals_match(viewers):
    from members.selectors import spaces_with_member_counts

    for viewer in viewers:
        for space in spaces_with_member_counts(user=viewer):
            total, cards = listing(viewer, {"space": space.slug})
            assert space.member_count == cards, (viewer, space, space.member_count, cards)
        for params in filters():
            total, cards = listing(viewer, params)
            assert total == cards, (viewer, params, total, cards)


def test_directory_counts_equal_a_recount_after_admin_deletions(admin_client, client):
    skill = TermFactory(slug="pottery", name_en="pottery")
    keep = TermFactory(slug="weaving", name_en="weaving")
    space, other = SpaceFactory(name="Gone Space"), SpaceFactory(name="Kept Space")
    company = CompanyFactory(name="Gone Co")
    chapter = ChapterFactory(space=other)
    people = [
        make_member(
            f"Dir Person {i}",
            skills=[skill, keep],
            home_space=space,
            company=company,
            visibility="public" if i else "members",
        )
        for i in range(3)
    ]
    make_member("Dir Members Only", visibility="members", skills=[skill, keep])
    leaving = [
        make_member(f"Dir Leaving {i}", skills=[skill, keep], visibility="public") for i in range(2)
    ]
    viewer = UserFactory()
    anonymous = AnonymousUser()
    totals_match([anonymous, viewer])  # counted (and kept) before
    public = client.get(reverse("members:directory"), {"skill": "weaving"}).content.decode()
    assert "Dir Leaving 0" in public
    client.force_login(viewer)
    before = client.get(reverse("members:directory"), {"skill": "weaving"}).content.decode()
    assert "Dir Leaving 0" in before
    assert admin_delete(admin_client, company).status_code == 302
    assert bulk_delete(admin_client, Term, [skill]).status_code == 302
    assert admin_delete(admin_client, space).status_code == 302
    assert admin_delete(admin_client, chapter).status_code == 302
    users = [p.user for p in leaving]
    assert bulk_delete(admin_client, User, users).status_code == 302
    assert not Company.objects.filter(pk=company.pk).exists()
    assert not User.objects.filter(pk__in=[u.pk for u in users]).exists()
    totals_match([anonymous, viewer])
    after = client.get(reverse("members:directory"), {"skill": "weaving"}).content.decode()
    assert "Dir Leaving 0" not in after
    assert "Dir Person 0" in after
    client.logout()
    public = client.get(reverse("members:directory"), {"skill": "weaving"}).content.decode()
    assert "Dir Leaving 0" not in public
    assert kept_equal_a_recount()
    assert people
