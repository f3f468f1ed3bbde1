"""The regional chapters of the demo world (issue 10): Charleroi at Switch run by Norman and
Anton, Kortrijk at Twelve, Namur and Mons in discussion, the diaspora and the budgets.

The world is seeded once for the module (inside a transaction rolled back at its end); each
test runs in a savepoint of it.
"""

import io
from datetime import date, time
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from collaborations.models import Collaboration
from events.demo_chapters import IT_DAY_RULE, demo_year
from events.models import Budget, Event, EventSeries, Registration
from members.demo import DEMO_PASSWORD, ORGANISER_EMAIL, demo_seeders, new_world
from members.demo_chapters import DIASPORA
from members.models import Chapter, Membership, Profile, Space, User, Visibility

pytestmark = pytest.mark.django_db
MEMBERS = 120


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        world = new_world(members=MEMBERS, log=lambda _msg: None)
        for _order, _name, seed in demo_seeders():
            seed(world)
        yield world
        transaction.set_rollback(True)


@pytest.fixture
def chapters(world) -> dict[str, Chapter]:
    return {c.slug: c for c in Chapter.objects.select_related("space")}


def counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for app in ("members", "events", "collaborations", "account")
        for model in apps.get_app_config(app).get_models()
    }


def test_demo_year_is_the_year_of_the_last_september_talk_whose_october_is_over():
    assert demo_year(date(2026, 12, 2)) == 2026
    assert demo_year(date(2026, 11, 1)) == 2026
    assert demo_year(date(2026, 10, 31)) == 2025
    assert demo_year(date(2027, 3, 1)) == 2026


def test_four_chapters_with_their_status_host_and_places(chapters):
    assert set(chapters) == {
        "betagroup-charleroi",
        "betagroup-kortrijk",
        "betagroup-namur",
        "betagroup-mons",
    }
    charleroi, kortrijk = chapters["betagroup-charleroi"], chapters["betagroup-kortrijk"]
    assert charleroi.status == Chapter.Status.ACTIVE
    assert (charleroi.space.name, charleroi.space.network) == ("Switch Coworking", "Cowallonia")
    assert charleroi.place_list == ["Charleroi", "Hainaut"]
    assert kortrijk.status == Chapter.Status.ACTIVE
    assert (kortrijk.space.name, kortrijk.space.city) == ("Twelve", "Kortrijk")
    assert {"Kortrijk", "West Flanders", "West-Vlaanderen"} <= set(kortrijk.place_list)
    assert list(kortrijk.organisers.values_list("name", flat=True)) == ["Jurgen De Smet"]
    for slug, city in (("betagroup-namur", "Namur"), ("betagroup-mons", "Mons")):
        planned = chapters[slug]
        assert planned.status == Chapter.Status.PLANNED
        assert planned.space.city == city
        assert "Invented for the demo" in planned.space.description
        assert not Event.objects.filter(chapter=planned).exists()
        assert not EventSeries.objects.filter(chapter=planned).exists()
    # The switch space existed before the chapters: it is the same one, not a second.
    assert Space.objects.filter(name="Switch Coworking").count() == 1


def test_norman_and_anton_organise_charleroi_and_norman_logs_in(client, chapters):
    charleroi, kortrijk = chapters["betagroup-charleroi"], chapters["betagroup-kortrijk"]
    organisers = charleroi.organisers.select_related("profile").order_by("email")
    assert [u.profile.display_name for u in organisers] == ["Anton Leclercq", "Norman Lambert"]
    norman = User.objects.get(email=ORGANISER_EMAIL)
    assert norman.has_perm("members.organise_chapter", charleroi)
    assert not norman.has_perm("members.organise_chapter", kortrijk)
    assert not norman.is_staff
    assert client.login(email=ORGANISER_EMAIL, password=DEMO_PASSWORD)
    assert not client.login(email=ORGANISER_EMAIL, password="wrong-password")


def test_switch_it_day_is_a_monthly_series_with_attended_past_evenings(chapters):
    charleroi = chapters["betagroup-charleroi"]
    series = EventSeries.objects.get(title="Switch IT Day", chapter=charleroi)
    assert series.rrule == IT_DAY_RULE == "FREQ=MONTHLY;BYDAY=1TH"
    assert series.start_time == time(18, 0)
    assert series.starts_on.month == 10
    assert series.starts_on.year == demo_year(timezone.localdate())
    evenings = list(Event.objects.filter(series=series).order_by("start"))
    days = [timezone.localtime(e.start).date() for e in evenings]
    assert all(d.weekday() == 3 and d.day <= 7 for d in days), days  # first Thursdays
    assert len(set(days)) == len(days)  # last month's evening joined the series, not doubled
    assert not Event.objects.filter(
        chapter=charleroi, kind__slug="it-day", series__isnull=True
    ).exists()
    now = timezone.now()
    past = [e for e in evenings if e.end < now]
    assert len(past) >= 2
    assert any(e.start > now for e in evenings)
    for evening in past:
        seats = Registration.objects.filter(event=evening, status=Registration.Status.CONFIRMED)
        came = seats.filter(checked_in_at__isnull=False).count()
        assert 20 <= seats.count() <= 45, evening
        assert 0 < came < seats.count(), evening  # some no-shows


def test_adrien_ramys_talk_of_18_september_opened_the_chapter(chapters):
    talk = Event.objects.get(
        chapter=chapters["betagroup-charleroi"], kind__slug="talk", title__icontains="Adrien"
    )
    assert timezone.localtime(talk.start).date() == date(demo_year(timezone.localdate()), 9, 18)
    speaker = talk.speakers.get()
    assert speaker.name == "Adrien Ramy"
    assert speaker.member.email == "adrien@betagroup.test"
    assert talk.registrations.filter(checked_in_at__isnull=False).count() >= 20


def test_chapter_events_cost_tens_of_euros_and_the_hosts_lend_the_room(world):
    # The evenings the chapter organisers ran (last month's IT day comes from the events seeder).
    ran = Event.objects.filter(
        chapter__isnull=False,
        end__lt=timezone.now(),
        created_by__email__in=[ORGANISER_EMAIL, "jurgen@twelve.test"],
    ).prefetch_related("costs")
    assert ran.count() >= 3
    for event in ran:
        lines = list(event.costs.all())
        assert 10 <= sum(line.amount for line in lines) < 100, event
        assert [line.amount for line in lines if line.category == "venue"] == [Decimal(0)]


def test_kortrijks_first_evening_was_in_october_with_check_ins(chapters):
    first = Event.objects.filter(chapter=chapters["betagroup-kortrijk"]).order_by("start").get()
    assert timezone.localtime(first.start).month == 10
    assert first.end < timezone.now()
    assert first.registrations.filter(checked_in_at__isnull=False).count() >= 20


def test_budgets_of_the_year(chapters):
    year = demo_year(timezone.localdate())
    community = Budget.objects.get(year=year, chapter=None)
    assert (community.amount, community.subsidy) == (Decimal(120_000), Decimal(60_000))
    assert Budget.objects.get(year=year, chapter=chapters["betagroup-charleroi"]).amount == 1500
    assert Budget.objects.get(year=year, chapter=chapters["betagroup-kortrijk"]).amount == 1000
    assert not Budget.objects.filter(chapter__status=Chapter.Status.PLANNED).exists()


def test_collaborations_born_at_switch_it_days(chapters):
    born = Collaboration.objects.confirmed().filter(
        origin_event__series__title="Switch IT Day", chapter=chapters["betagroup-charleroi"]
    )
    titles = set(born.values_list("title", flat=True))
    assert {
        "New website for the Heracles business centre",
        "Mobile app subcontracted to a Charleroi developer",
    } <= titles
    assert sum(c.value_eur or 0 for c in born) >= 5_300


def test_the_diaspora_works_at_betacowork_and_the_hidden_one_stays_hidden(chapters, world):
    diaspora = Profile.objects.filter(user__email__in=[row[0] for row in DIASPORA])
    assert 8 <= diaspora.count() <= 12
    assert {p.home_space.slug for p in diaspora} == {"betacowork"}
    assert diaspora.filter(region="Hainaut").count() >= 4
    assert diaspora.filter(region="West Flanders").count() >= 3
    assert (
        Membership.objects.filter(user__profile__in=diaspora, space__slug="betacowork").count()
        == diaspora.count()
    )
    assert chapters["betagroup-charleroi"].followers.filter(profile__in=diaspora).count() >= 2
    assert chapters["betagroup-kortrijk"].followers.filter(profile__in=diaspora).count() >= 2
    hidden = diaspora.get(visibility=Visibility.HIDDEN)
    member = User.objects.get(email="sarah.dufour@betacowork.test")
    for viewer in (member, AnonymousUser()):
        assert hidden not in Profile.objects.visible_to(viewer)
    assert diaspora.exclude(visibility=Visibility.HIDDEN).count() == diaspora.count() - 1
    assert Profile.objects.visible_to(member).filter(pk__in=diaspora).count() == (
        diaspora.count() - 1
    )
    assert not Chapter.followers.through.objects.filter(user__profile=hidden).exists()


def test_members_of_the_host_spaces_hold_a_membership_there_and_follow(chapters):
    for slug in ("betagroup-charleroi", "betagroup-kortrijk"):
        space = chapters[slug].space
        at_home = set(Profile.objects.filter(home_space=space).values_list("user_id", flat=True))
        members = set(Membership.objects.filter(space=space).values_list("user_id", flat=True))
        assert at_home, slug
        assert at_home <= members, slug
        assert chapters[slug].followers.filter(profile__home_space=space).count() >= 5, slug


def test_a_second_seed_changes_no_count_and_prints_the_organiser_login(world):
    before = counts()
    out = io.StringIO()
    call_command("seed_demo", members=MEMBERS, stdout=out)
    assert counts() == before
    assert f"{ORGANISER_EMAIL} / {DEMO_PASSWORD}" in out.getvalue()


def test_the_demo_evenings_were_announced_in_the_past_not_on_the_first_run(chapters):
    """The seeded IT days count as announced: a newcomer's first `make run` does not print
    a hundred announcements, yet every follower of the upcoming evenings was told once."""
    from betacowork.messaging.models import Outbox

    announcements = Outbox.objects.filter(kind="events.chapter_announcement")
    assert announcements.exists()
    assert not announcements.filter(status=Outbox.Status.PENDING).exists()


def test_the_organisers_evenings_carry_their_history(chapters):
    talk = Event.objects.get(slug__startswith="free-software-adrien-ramy-")
    lines = list(talk.changes.order_by("at").values_list("action", "actor_name"))
    assert lines[0] == ("created", "Norman Lambert")
    assert ("published", "Norman Lambert") in lines
