"""Round 7 fixes in events: the heading outline of the events pages, a registration cancelled
after its check-in, budgets kept when a chapter is deleted, a superuser's console, a limit on
the guest form, and what seeding the demo enqueues."""

from __future__ import annotations

import importlib
import io
import re
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.contrib.admin import helpers
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from betacowork.messaging.models import Outbox
from events import services
from events.models import Budget, Event, Registration
from members.models import Chapter, Profile, Visibility
from tests.factories import ChapterFactory, SpaceFactory, UserFactory

from .factories import EventFactory, EventSeriesFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


# --- 1. Headings: h1, h2, h3, never a level skipped ---------------------------------------

HEADING = re.compile(r"<h([1-6])\b")


def outline_jumps(html: str) -> list[str]:
    """The places in the page's <main> where a heading skips a level (h1 then h3…)."""
    main = html.split('<main id="main"', 1)[-1].split("</main>", 1)[0]
    jumps, previous = [], 0
    for level in (int(n) for n in HEADING.findall(main)):
        if level > previous + 1:
            jumps.append(f"h{previous} then h{level}")
        previous = level
    return jumps


def test_the_events_list_goes_from_its_h1_to_an_h2_before_the_event_cards(client):
    EventFactory(title="Betacooks lunch")
    EventFactory(title="Speed networking")
    html = client.get(reverse("events:list")).content.decode()
    assert "<h3>Betacooks lunch</h3>" in html  # the cards keep their level (and style)
    assert outline_jumps(html) == []
    # The h2 before the cards is for screen readers: nothing new is shown.
    assert '<h2 class="visually-hidden">Results</h2>' in html


def test_the_outline_check_catches_a_skipped_level():
    assert outline_jumps('<main id="main"><h1>a</h1><h3>b</h3></main>') == ["h1 then h3"]
    assert outline_jumps('<main id="main"><h1>a</h1><h2>b</h2><h3>c</h3><h2>d</h2></main>') == []


# --- 2. A registration cancelled after its check-in -----------------------------------------


def _soon_today():
    """Within the hour, and still today in Brussels: the door list opens on the event's day
    (an hour ahead at 23:30 would be tomorrow's event, its check-in refused)."""
    now = timezone.localtime()
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return now + min(timedelta(hours=1), (midnight - now) / 2)


@pytest.fixture
def checked_in_then_cancelled(client, member, staff):
    """`member` checked in at the door an hour before the start, then cancelled their seat
    (the door list opens before the start; cancelling is allowed until it)."""
    event = EventFactory(
        title="Switch IT day",
        start=_soon_today(),
        end=timezone.now() + timedelta(hours=3),
    )
    registration = services.event_register(event=event, user=member)
    client.force_login(staff)
    toggle = reverse("events:check_in_toggle", args=[event.slug, registration.pk])
    assert client.post(toggle, {"action": "in"}).status_code == 302
    registration.refresh_from_db()
    assert registration.checked_in_at is not None
    client.force_login(member)
    assert client.post(reverse("events:cancel", args=[event.slug])).status_code == 302
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED
    return event, registration


def test_a_seat_cancelled_after_its_check_in_is_not_checked_in_any_more(
    client, staff, checked_in_then_cancelled
):
    event, registration = checked_in_then_cancelled
    assert registration.checked_in_at is None
    assert registration.checked_in_by is None
    client.force_login(staff)
    # The admin's list of registrations "checked in" does not name them.
    changelist = reverse("admin:events_registration_changelist")
    assert registration.name in client.get(changelist).content.decode()
    checked_in = client.get(changelist, {"checked_in_at__isempty": "0"}).content.decode()
    assert registration.name not in checked_in
    page = client.get(reverse("events:check_in", args=[event.slug])).content.decode()
    assert "<strong data-checked-in-count>0</strong>" in page


def test_a_seat_cancelled_after_its_check_in_is_no_attendance_once_the_event_is_over(
    client, member, checked_in_then_cancelled
):
    """After the event they are not asked what came out of it, and its page does not invite
    them to log a collaboration born there: they did not come."""
    from collaborations.services import event_followups_write

    event, _registration = checked_in_then_cancelled
    start = timezone.now() - timedelta(days=2)
    Event.objects.filter(pk=event.pk).update(start=start, end=start + timedelta(hours=2))
    assert event_followups_write() == 0
    assert not Outbox.objects.filter(dedup_key__startswith="event-followup:").exists()
    client.force_login(member)
    page = client.get(reverse("events:detail", args=[event.slug])).content.decode()
    assert "Met someone here you will work with? Log it" not in page


def test_cancelling_in_the_admin_clears_the_check_in_too(admin_client, member):
    event = EventFactory(start=_soon_today())
    registration = services.event_register(event=event, user=member)
    services.registration_check_in(registration=registration, actor=None)
    response = admin_client.post(
        reverse("admin:events_registration_changelist"),
        {"action": "action_cancel", helpers.ACTION_CHECKBOX_NAME: [registration.pk]},
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED
    assert registration.checked_in_at is None


def test_a_cancelled_seat_cannot_be_checked_in_again(member):
    event = EventFactory(start=_soon_today())
    registration = services.event_register(event=event, user=member)
    services.registration_cancel(registration=registration, actor=member)
    with pytest.raises(Exception, match="Only confirmed registrations can be checked in"):
        services.registration_check_in(registration=registration, actor=None)


def test_the_migration_clears_the_check_ins_cancelled_seats_kept(member, other_member):
    """Registrations cancelled before the fix kept their check-in: the data migration clears
    those, and only those."""
    event = EventFactory()
    at = timezone.now()
    cancelled = RegistrationFactory(
        event=event, user=member, status=Registration.Status.CANCELLED, checked_in_at=at
    )
    came = RegistrationFactory(event=event, user=other_member, checked_in_at=at)
    migration = importlib.import_module(
        "events.migrations.0009_cancelled_registrations_not_checked_in"
    )
    migration.clear_check_ins(django_apps, None)
    cancelled.refresh_from_db()
    came.refresh_from_db()
    assert cancelled.checked_in_at is None
    assert came.checked_in_at == at


# --- 3. Deleting a chapter that has budgets -------------------------------------------------


@pytest.fixture
def chapter_with_budget(db):
    chapter = ChapterFactory(name="Charleroi", space=SpaceFactory(name="Switch Coworking"))
    budget = Budget.objects.create(year=2025, chapter=chapter, amount=5000, subsidy=1000)
    return chapter, budget


def test_deleting_a_chapter_that_has_budgets_is_refused_saying_which(
    admin_client, chapter_with_budget
):
    chapter, budget = chapter_with_budget
    url = reverse("admin:members_chapter_delete", args=[chapter.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "would require deleting the following protected related objects" in body
    assert str(budget) in body
    assert 'name="post"' not in body  # no confirmation form that would delete
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 200  # the same refusal, not a 500
    assert Chapter.objects.filter(pk=chapter.pk).exists()
    assert Budget.objects.filter(pk=budget.pk, chapter=chapter).exists()


def test_deleting_selected_chapters_with_budgets_is_refused_too(admin_client, chapter_with_budget):
    chapter, budget = chapter_with_budget
    response = admin_client.post(
        reverse("admin:members_chapter_changelist"),
        {"action": "delete_selected", helpers.ACTION_CHECKBOX_NAME: [chapter.pk], "post": "yes"},
    )
    assert response.status_code == 200
    assert "protected related objects" in response.content.decode()
    assert Chapter.objects.filter(pk=chapter.pk).exists()
    assert Budget.objects.filter(pk=budget.pk).exists()


def test_a_chapter_without_budgets_is_deleted_and_its_events_stay(
    admin_client, chapter_with_budget
):
    """The other side: once staff deleted its budgets on purpose (or it never had any), the
    chapter goes; its events stay, as Betacowork events."""
    chapter, budget = chapter_with_budget
    event = EventFactory(chapter=chapter, space=chapter.space)
    budget_url = reverse("admin:events_budget_delete", args=[budget.pk])
    assert admin_client.post(budget_url, {"post": "yes"}).status_code == 302
    url = reverse("admin:members_chapter_delete", args=[chapter.pk])
    assert "Are you sure" in admin_client.get(url).content.decode()
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Chapter.objects.filter(pk=chapter.pk).exists()
    event.refresh_from_db()
    assert event.chapter is None


# --- 4. A superuser without the staff box in the organiser console --------------------------


@pytest.fixture
def console_world(organiser):
    charleroi = ChapterFactory(name="Charleroi")
    kortrijk = ChapterFactory(name="Kortrijk")
    charleroi.organisers.add(organiser)
    return {
        "mine": EventFactory(title="Switch IT day", chapter=charleroi, space=charleroi.space),
        "other": EventFactory(title="Twelve kick-off", chapter=kortrijk, space=kortrijk.space),
        "community": EventFactory(title="Betacooks lunch"),
        "draft": EventFactory(title="Draft talk", status=Event.Status.DRAFT),
        "series": EventSeriesFactory(title="Kortrijk evenings", chapter=kortrijk),
        "kortrijk": kortrijk,
    }


@pytest.fixture
def superuser(db):
    return UserFactory(name="Root Without Staff", is_superuser=True, is_staff=False)


def test_a_superuser_without_the_staff_box_sees_the_console_as_staff_do(
    client, superuser, console_world
):
    client.force_login(superuser)
    page = client.get(reverse("organise:index")).content.decode()
    for title in ("Switch IT day", "Twelve kick-off", "Betacooks lunch", "Kortrijk evenings"):
        assert title in page
    form = client.get(reverse("organise:new")).content.decode()
    assert ">Kortrijk</option>" in form  # every chapter offered
    # …and the event list shows them the drafts they may open, as it shows staff.
    assert "Draft talk" in client.get(reverse("events:list")).content.decode()
    assert client.get(console_world["draft"].get_absolute_url()).status_code == 200


def test_a_member_and_an_organiser_still_see_only_theirs(client, member, organiser, console_world):
    client.force_login(member)
    assert client.get(reverse("organise:index")).status_code == 403
    assert "Draft talk" not in client.get(reverse("events:list")).content.decode()
    client.force_login(organiser)
    page = client.get(reverse("organise:index")).content.decode()
    assert "Switch IT day" in page
    assert "Twelve kick-off" not in page
    assert "Betacooks lunch" not in page
    assert "Kortrijk evenings" not in page
    form = client.get(reverse("organise:new")).content.decode()
    assert ">Charleroi</option>" in form
    assert ">Kortrijk</option>" not in form


def test_an_inactive_superuser_gets_nothing_from_the_rules(console_world):
    from events.rules import acts_as_staff
    from members.models import Chapter

    gone = UserFactory(is_superuser=True, is_staff=False, is_active=False)
    assert not acts_as_staff(gone)
    assert not Chapter.objects.organised_by(gone).exists()
    assert not Event.objects.run_by(gone).exists()


def test_a_superuser_without_the_staff_box_lists_the_profiles_they_may_open(superuser):
    hidden = UserFactory(name="Hidden Person").profile
    Profile.objects.filter(pk=hidden.pk).update(visibility=Visibility.HIDDEN)
    hidden.refresh_from_db()
    assert superuser.has_perm("members.view_profile", hidden)
    assert Profile.objects.visible_to(superuser).filter(pk=hidden.pk).exists()


# --- 5. The guest form: a limit per visitor -------------------------------------------------


@pytest.fixture
def two_a_visitor(settings):
    settings.GUEST_REGISTRATION_RATE = "2/h/ip"


def _guest_post(client, event, email, *, address="203.0.113.7", name="Gus Guest"):
    return client.post(
        reverse("events:register", args=[event.slug]),
        {"name": name, "email": email},
        REMOTE_ADDR=address,
    )


def test_a_visitor_over_the_guest_limit_gets_a_429_saying_so_and_nothing_is_written(
    client, event, two_a_visitor
):
    assert _guest_post(client, event, "one@example.test").status_code == 302
    assert _guest_post(client, event, "two@example.test").status_code == 302
    rows, seats = Outbox.objects.count(), event.registrations.count()
    response = _guest_post(client, event, "three@example.test")
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    body = response.content.decode()
    assert "Too many registrations have been sent from your connection." in body
    assert 'value="three@example.test"' in body  # what they typed is kept
    assert (Outbox.objects.count(), event.registrations.count()) == (rows, seats)
    # Another visitor is not held back by this one.
    assert (
        _guest_post(client, event, "four@example.test", address="198.51.100.9").status_code == 302
    )


def test_emailing_one_address_again_and_again_is_limited_too(client, event, two_a_visitor):
    """The attack the limit is for: each POST emails the address typed the link that
    confirms a registration (one email for the same form sent again within minutes); past
    the limit the visitor gets a 429 and no email is written."""
    requests = Outbox.objects.filter(kind="events.guest_request")
    assert _guest_post(client, event, "gus@example.test").status_code == 302
    assert _guest_post(client, event, "GUS@example.test", name="Gus Again").status_code == 302
    assert requests.count() == 2
    assert _guest_post(client, event, "gus@example.test", name="Gus Thrice").status_code == 429
    assert requests.count() == 2


def test_members_and_invalid_forms_do_not_use_up_the_guest_limit(
    client, event, member, two_a_visitor
):
    for _ in range(3):  # a form with a mistake writes nothing: it is shown again (400)
        assert _guest_post(client, event, "not-an-address").status_code == 400
    assert _guest_post(client, event, "first@example.test").status_code == 302
    client.force_login(member)
    for _ in range(3):
        response = client.post(
            reverse("events:register", args=[event.slug]), REMOTE_ADDR="203.0.113.7"
        )
        assert response.status_code == 302


@pytest.mark.parametrize("value", ["lots", "20/h", "0/h/ip", "20/hour/ip", "20/h/key", ""])
def test_a_malformed_guest_rate_refuses_at_start(value):
    from tests.project.test_audit_ops_settings import assert_refused, run

    assert_refused(
        run(["manage.py", "check"], GUEST_REGISTRATION_RATE=value), "GUEST_REGISTRATION_RATE"
    )


def test_a_stricter_guest_rate_is_accepted():
    from tests.project.test_audit_ops_settings import run

    result = run(["manage.py", "check"], GUEST_REGISTRATION_RATE="5/m/ip,20/h/ip")
    assert result.returncode == 0, result.stderr


def test_the_default_limit_leaves_room_for_a_group():
    from allauth.core.internal.ratelimit import parse_rates
    from django.conf import settings

    (rate,) = parse_rates(settings.GUEST_REGISTRATION_RATE)
    assert (rate.amount, rate.duration, rate.per) == (20, 3600, "ip")


# --- 6. Seeding the demo enqueues no send task for rows that will not be sent ---------------


def test_seeding_the_demo_enqueues_no_task_for_rows_already_sent(
    monkeypatch, django_capture_on_commit_callbacks
):
    from betacowork.messaging import tasks

    enqueued: list[int] = []
    monkeypatch.setattr(
        tasks.outbox_send, "apply_async", lambda args, **kw: enqueued.append(args[0])
    )
    monkeypatch.setattr(
        tasks.outbox_send_batch,
        "apply_async",
        lambda args=None, kwargs=None, **kw: enqueued.extend((kwargs or {}).get("ids", [])),
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", members=20, stdout=io.StringIO())
    assert Outbox.objects.filter(kind="events.chapter_announcement").exists()
    settled = Outbox.objects.filter(pk__in=enqueued).exclude(status=Outbox.Status.PENDING)
    assert list(settled.values_list("kind", flat=True).distinct()) == []
