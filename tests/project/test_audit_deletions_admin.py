"""Deleting in the admin what other rows point at: no 500, a clear refusal, and nothing left
behind that disagrees with a recount (dashboard tallies, search rows, queued emails)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin import helpers
from django.urls import reverse
from django.utils import timezone

from betacowork.messaging.models import Outbox
from collaborations.models import Collaboration, DashboardTally
from collaborations.services.summary import contributions
from events.models import Event, EventKind, Registration
from members.models import Chapter, Company, Membership, Profile, Space, Term, User
from tests.collaborations.conftest import log, make_past_event
from tests.events.factories import EventFactory, EventSeriesFactory, RegistrationFactory
from tests.factories import (
    ChapterFactory,
    CompanyFactory,
    MembershipFactory,
    SpaceFactory,
    TermFactory,
    UserFactory,
    make_member,
)

pytestmark = pytest.mark.django_db


def tallies_equal_a_recount() -> bool:
    fields = ("dimension", "year", "kind", "origin_type", "event_id", "user_id")
    fields += ("company_id", "space_id", "chapter_id", "organisation")
    kept = {
        tuple(r[f] for f in fields): [r["n"], r["valued"], r["volume_cents"]]
        for r in DashboardTally.objects.exclude(n=0, valued=0, volume_cents=0).values(
            *fields, "n", "valued", "volume_cents"
        )
    }
    return kept == {k: v for k, v in contributions().items() if any(v)}


def admin_delete(client, obj):
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk])
    page = client.get(url)
    assert page.status_code in (200, 302), page.status_code
    return client.post(url, {"post": "yes"})


def bulk_delete(client, model, objs, confirm=True):
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    data = {"action": "delete_selected", helpers.ACTION_CHECKBOX_NAME: [o.pk for o in objs]}
    page = client.post(url, data)
    assert page.status_code in (200, 302), page.status_code
    if not confirm:
        return page
    return client.post(url, {**data, "post": "yes"})


# -- PROTECT: refused with the admin's own page, never a 500 ------------------------------


def test_a_space_in_use_is_refused_on_both_paths(admin_client):
    space = SpaceFactory(name="Switch", city="Charleroi")
    MembershipFactory(space=space)
    EventFactory(space=space)
    ChapterFactory(space=space)
    EventSeriesFactory(space=space)
    response = admin_delete(admin_client, space)
    assert response.status_code == 200
    assert "Cannot delete" in response.content.decode()
    response = bulk_delete(admin_client, Space, [space])
    assert response.status_code == 200
    assert Space.objects.filter(pk=space.pk).exists()


def test_an_event_kind_in_use_is_refused_on_both_paths(admin_client):
    used = EventKind.objects.create(slug="workshop-x", name_en="Workshop X")
    EventFactory(kind=used)
    EventSeriesFactory(kind=used)
    assert admin_delete(admin_client, used).status_code == 200
    assert bulk_delete(admin_client, EventKind, [used]).status_code == 200
    assert EventKind.objects.filter(pk=used.pk).exists()


# -- What is left: pages, tallies, search rows ----------------------------------------------


def test_deleting_a_company_keeps_profiles_pages_and_tallies(admin_client, client):
    company = CompanyFactory(name="Ayomi")
    alice = make_member("Alice Ayomi", company=company)
    bob = UserFactory(name="Bob")
    log(alice.user, bob, confirm=True, value_eur=1000)
    assert admin_delete(admin_client, company).status_code == 302
    assert not Company.objects.filter(pk=company.pk).exists()
    assert tallies_equal_a_recount()
    client.force_login(bob)
    assert client.get(Profile.objects.get(pk=alice.pk).get_absolute_url()).status_code == 200
    assert client.get(reverse("collaborations:dashboard")).status_code == 200


def test_bulk_deleting_companies_keeps_the_tallies(admin_client):
    company = CompanyFactory(name="Ayomi")
    alice = make_member("Alice Ayomi", company=company)
    log(alice.user, UserFactory(), confirm=True, value_eur=300)
    assert bulk_delete(admin_client, Company, [company]).status_code == 302
    assert tallies_equal_a_recount()


def test_deleting_a_chapter_keeps_events_budget_and_tallies(admin_client, client):
    chapter = ChapterFactory()
    event = make_past_event(chapter=chapter, space=chapter.space)
    member = UserFactory()
    chapter.followers.add(member)
    log(member, UserFactory(), confirm=True, space=chapter.space, value_eur=50)
    assert bulk_delete(admin_client, Chapter, [chapter]).status_code == 302
    assert tallies_equal_a_recount()
    client.force_login(member)
    assert client.get(reverse("events:detail", args=[event.slug])).status_code == 200
    assert client.get(reverse("collaborations:dashboard")).status_code == 200


def test_deleting_a_past_event_with_everything_keeps_tallies_and_pages(admin_client, client):
    event = make_past_event()
    alice, bob = UserFactory(), UserFactory()
    RegistrationFactory(event=event, user=alice)
    event.speakers.create(name="Speaker")
    event.costs.create(
        category=event.costs.model._meta.get_field("category").choices[0][0], amount=10
    )
    log(
        alice,
        bob,
        confirm=True,
        origin_event=event,
        origin_type=Collaboration.Origin.EVENT,
        value_eur=10,
    )
    assert admin_delete(admin_client, event).status_code == 302
    assert not Event.objects.filter(pk=event.pk).exists()
    assert tallies_equal_a_recount()
    client.force_login(alice)
    assert client.get(reverse("collaborations:dashboard")).status_code == 200
    assert client.get(reverse("events:mine")).status_code == 200


def test_deleting_a_series_keeps_its_occurrences_listed(admin_client, client):
    series = EventSeriesFactory()
    from events import services

    services.series_generate(series=series)
    assert series.events.exists()
    assert admin_delete(admin_client, series).status_code == 302
    assert client.get(reverse("events:list")).status_code == 200


def test_staff_deleting_an_account_runs_the_account_steps(admin_client):
    user = UserFactory()
    log(user, UserFactory(), confirm=True, value_eur=70)
    reg = RegistrationFactory(user=user)
    assert admin_delete(admin_client, user).status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    reg.refresh_from_db()
    assert reg.status == Registration.Status.CANCELLED
    assert tallies_equal_a_recount()
    assert not Outbox.objects.filter(to_email=user.email, status=Outbox.Status.PENDING).exists()


def test_bulk_deleting_accounts_runs_the_account_steps(admin_client):
    user = UserFactory()
    reg = RegistrationFactory(user=user)
    assert bulk_delete(admin_client, User, [user]).status_code == 302
    reg.refresh_from_db()
    assert reg.status == Registration.Status.CANCELLED


def test_deleting_a_collaboration_keeps_the_tallies(admin_client):
    one = log(UserFactory(), UserFactory(), confirm=True, value_eur=5)
    two = log(UserFactory(), UserFactory(), confirm=True, value_eur=6)
    assert admin_delete(admin_client, one).status_code == 302
    assert bulk_delete(admin_client, Collaboration, [two]).status_code == 302
    assert tallies_equal_a_recount()


def test_deleting_a_term_and_a_membership(admin_client, client):
    term = TermFactory(slug="pottery", name_en="pottery")
    alice = make_member("Alice Potter", skills=[term])
    membership = MembershipFactory(user=alice.user)
    assert bulk_delete(admin_client, Term, [term]).status_code == 302
    assert bulk_delete(admin_client, Membership, [membership]).status_code == 302
    client.force_login(UserFactory())
    assert client.get(reverse("members:directory"), {"q": "pottery"}).status_code == 200


def search_row(profile_id):
    from members.models import ProfileSearch

    row = ProfileSearch.objects.filter(profile_id=profile_id).values().first()
    return {k: v for k, v in (row or {}).items() if not k.endswith("_at")}


def test_deleting_a_home_space_rebuilds_its_members_search_rows(admin_client):
    from members.search import profile_search_refresh

    space = SpaceFactory(name="Gone Space", city="Mons")
    alice = make_member("Alice Home", home_space=space)
    assert admin_delete(admin_client, space).status_code == 302
    kept = search_row(alice.pk)
    profile_search_refresh(profile_ids=[alice.pk])
    assert kept == search_row(alice.pk)


def test_a_follow_up_about_a_deleted_event_is_not_sent(admin_client):
    from betacowork.messaging.sender import outbox_send_due
    from collaborations.services import event_followups_write

    start = timezone.now() - timedelta(days=2)
    event = EventFactory(start=start, end=start + timedelta(hours=1))
    RegistrationFactory(event=event, user=UserFactory())
    assert event_followups_write() == 1
    assert admin_delete(admin_client, event).status_code == 302
    outbox_send_due()
    row = Outbox.objects.get(dedup_key__startswith="event-followup:")
    assert row.status == Outbox.Status.CANCELLED


def test_a_profile_is_not_deleted_apart_from_its_account(admin_client, client):
    alice = make_member("Alice Alone")
    url = reverse("admin:members_profile_delete", args=[alice.pk])
    response = admin_client.post(url, {"post": "yes"}, follow=True)
    # The account's deletion page instead, saying why.
    assert response.redirect_chain[-1][0] == reverse(
        "admin:members_user_delete", args=[alice.user.pk]
    )
    assert "A profile is deleted with its account" in response.content.decode()
    changelist = reverse("admin:members_profile_changelist")
    assert "delete_selected" not in admin_client.get(changelist).content.decode()
    data = {"action": "delete_selected", helpers.ACTION_CHECKBOX_NAME: [alice.pk]}
    admin_client.post(changelist, {**data, "post": "yes"})
    client.force_login(alice.user)
    assert client.get("/").status_code in (200, 302)
    assert Profile.objects.filter(pk=alice.pk).exists()
