"""The admin's actions ask Django's model permissions: a staff account that may only *view*
events, registrations, series, terms, collaborations or the delivery log is offered none of
the actions that change them, and a hand-made POST of one changes nothing; a staff account
with the change permission is offered and may run them. And a staff account that may edit
accounts cannot hand itself (or anyone) superuser status or permissions it does not hold.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from betacowork.messaging.models import Outbox
from collaborations.models import Collaboration
from events.models import Event, EventSeries, Registration
from members.models import Term
from tests.events.factories import EventFactory, EventSeriesFactory, RegistrationFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _staff(*codenames: str):
    user = UserFactory(name="Helpdesk Hanne", is_staff=True, site_staff=False)  # admin only
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def _actions(client, changelist: str) -> set[str]:
    response = client.get(reverse(changelist))
    assert response.status_code == 200
    form = response.context["action_form"]
    if form is None:  # no action at all is offered
        return set()
    return {name for name, _label in form.fields["action"].choices if name}


def _run(client, changelist: str, action: str, pks, **extra):
    return client.post(
        reverse(changelist),
        {"action": action, "_selected_action": list(pks), "post": "yes", **extra},
    )


EVENT_WRITES = {"action_publish", "action_cancel", "action_duplicate", "action_mark_attended"}


def test_a_view_only_staff_member_runs_no_event_action_that_changes_events(client):
    draft = EventFactory(status=Event.Status.DRAFT, title="Draft dinner")
    client.force_login(_staff("view_event"))
    offered = _actions(client, "admin:events_event_changelist")
    assert not offered & EVENT_WRITES
    assert "action_export_csv" in offered  # reading what the list shows is viewing
    for action in sorted(EVENT_WRITES):
        _run(client, "admin:events_event_changelist", action, [draft.pk])
    draft.refresh_from_db()
    assert draft.status == Event.Status.DRAFT
    assert Event.objects.count() == 1  # no copy made


def test_staff_who_may_change_events_run_the_event_actions(client):
    draft = EventFactory(status=Event.Status.DRAFT)
    client.force_login(_staff("view_event", "change_event", "add_event"))
    assert _actions(client, "admin:events_event_changelist") >= EVENT_WRITES
    _run(client, "admin:events_event_changelist", "action_publish", [draft.pk])
    draft.refresh_from_db()
    assert draft.status == Event.Status.PUBLISHED


def test_a_view_only_staff_member_cannot_check_in_or_cancel_registrations(client):
    registration = RegistrationFactory()
    client.force_login(_staff("view_registration"))
    offered = _actions(client, "admin:events_registration_changelist")
    assert not offered & {"action_check_in", "action_cancel"}
    for action in ("action_check_in", "action_cancel"):
        _run(client, "admin:events_registration_changelist", action, [registration.pk])
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.checked_in_at is None


def test_staff_who_may_change_registrations_cancel_them(client):
    registration = RegistrationFactory()
    client.force_login(_staff("view_registration", "change_registration"))
    assert {"action_check_in", "action_cancel"} <= _actions(
        client, "admin:events_registration_changelist"
    )
    _run(client, "admin:events_registration_changelist", "action_cancel", [registration.pk])
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED


def test_a_view_only_staff_member_generates_no_series_occurrences(client):
    series = EventSeriesFactory(starts_on=date.today())
    client.force_login(_staff("view_eventseries"))
    assert "action_generate" not in _actions(client, "admin:events_eventseries_changelist")
    _run(client, "admin:events_eventseries_changelist", "action_generate", [series.pk])
    assert not Event.objects.filter(series=series).exists()
    client.force_login(_staff("view_eventseries", "change_eventseries"))
    assert "action_generate" in _actions(client, "admin:events_eventseries_changelist")
    _run(client, "admin:events_eventseries_changelist", "action_generate", [series.pk])
    assert Event.objects.filter(series=series).exists()
    assert EventSeries.objects.count() == 1


def test_a_view_only_staff_member_neither_approves_nor_merges_terms(client):
    proposed = Term.objects.create(slug="prompting", name_en="Prompting", status="proposed")
    other = Term.objects.create(slug="prompts", name_en="Prompts", status="approved")
    client.force_login(_staff("view_term"))
    assert not _actions(client, "admin:members_term_changelist") & {"approve", "merge"}
    _run(client, "admin:members_term_changelist", "approve", [proposed.pk])
    _run(
        client,
        "admin:members_term_changelist",
        "merge",
        [proposed.pk, other.pk],
        confirm="1",
        survivor=str(other.pk),
    )
    proposed.refresh_from_db()
    assert proposed.status == Term.Status.PROPOSED
    assert Term.objects.count() == 2
    client.force_login(_staff("view_term", "change_term", "delete_term"))
    assert {"approve", "merge"} <= _actions(client, "admin:members_term_changelist")
    _run(client, "admin:members_term_changelist", "approve", [proposed.pk])
    proposed.refresh_from_db()
    assert proposed.status == Term.Status.APPROVED


def test_a_view_only_staff_member_verifies_no_collaboration(client):
    author = UserFactory()
    collab = Collaboration.objects.create(
        title="Website",
        kind=Collaboration.Kind.SERVICE,
        start_date=date(2026, 1, 5),
        author=author,
        author_name=author.name,
    )
    client.force_login(_staff("view_collaboration"))
    assert "verify_parties" not in _actions(client, "admin:collaborations_collaboration_changelist")
    # Changing the ledger is acting as staff on the site (`collaborations.moderate_collaboration`,
    # the same staff `collaboration_verify` asks for): the admin's permission alone is offered
    # no action that would be refused.
    client.force_login(_staff("view_collaboration", "change_collaboration"))
    assert "verify_parties" not in _actions(client, "admin:collaborations_collaboration_changelist")
    client.force_login(_staff("view_collaboration", "change_collaboration", "act_as_staff"))
    assert "verify_parties" in _actions(client, "admin:collaborations_collaboration_changelist")
    assert collab.status == Collaboration.Status.PROPOSED


def test_a_view_only_staff_member_sends_nothing_again_from_the_delivery_log(client):
    row = Outbox.objects.create(
        dedup_key="probe:1",
        kind="event_cancelled",
        to_email="a@example.test",
        subject="Cancelled",
        status=Outbox.Status.FAILED,
    )
    client.force_login(_staff("view_outbox"))
    assert "resend" not in _actions(client, "admin:messaging_outbox_changelist")
    _run(client, "admin:messaging_outbox_changelist", "resend", [row.pk])
    row.refresh_from_db()
    assert row.status == Outbox.Status.FAILED
    client.force_login(_staff("view_outbox", "change_outbox"))
    assert "resend" in _actions(client, "admin:messaging_outbox_changelist")


# --- accounts: no way up from "may edit accounts" ---------------------------------------------


def _user_change_data(user, **overrides) -> dict:
    data = {
        "email": user.email,
        "name": user.name,
        "preferred_language": user.preferred_language or "en",
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-05",
        "date_joined_1": "10:00:00",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_staff_who_may_edit_accounts_cannot_make_anyone_superuser_or_staff(client):
    helpdesk = _staff("view_user", "change_user")
    member = UserFactory(name="Member Mia")
    client.force_login(helpdesk)
    for target in (helpdesk, member):
        url = reverse("admin:members_user_change", args=[target.pk])
        assert client.get(url).status_code == 200
        client.post(
            url,
            _user_change_data(
                target,
                name="Renamed",
                is_staff="on",
                is_superuser="on",
                user_permissions=[p.pk for p in Permission.objects.all()[:5]],
            ),
        )
        target.refresh_from_db()
        assert target.name == "Renamed"  # what they may change is changed…
        assert not target.is_superuser  # …but never the rights
        assert target.is_staff == (target == helpdesk)
        assert target.user_permissions.count() == (2 if target == helpdesk else 0)


def test_staff_who_may_edit_accounts_cannot_take_over_a_superuser(client):
    boss = UserFactory(name="Boss Bea", is_staff=True, is_superuser=True)
    client.force_login(_staff("view_user", "change_user", "delete_user"))
    password_url = reverse("admin:auth_user_password_change", args=[boss.pk])
    response = client.post(password_url, {"password1": "x-Yz-12345!", "password2": "x-Yz-12345!"})
    assert response.status_code == 403
    client.post(
        reverse("admin:members_user_change", args=[boss.pk]),
        _user_change_data(boss, email="mine@example.test", is_active=None),
    )
    boss.refresh_from_db()
    assert boss.is_active
    assert boss.email != "mine@example.test"
    assert boss.check_password("correct-horse-battery")
    assert client.post(reverse("admin:members_user_delete", args=[boss.pk])).status_code == 403
    _run(client, "admin:members_user_changelist", "delete_selected", [boss.pk])
    assert type(boss).objects.filter(pk=boss.pk).exists()


def test_staff_who_may_edit_accounts_cannot_take_over_another_staff_account(client):
    colleague = UserFactory(name="Organiser Olga", is_staff=True)
    colleague.user_permissions.add(*Permission.objects.filter(codename="change_event"))
    member = UserFactory(name="Plain Paul")
    client.force_login(_staff("view_user", "change_user"))
    # Another staff account: its password is no way into its rights.
    url = reverse("admin:auth_user_password_change", args=[colleague.pk])
    response = client.post(url, {"password1": "x-Yz-12345!", "password2": "x-Yz-12345!"})
    assert response.status_code == 403
    # A member's account without rights is still theirs to help with.
    url = reverse("admin:auth_user_password_change", args=[member.pk])
    response = client.post(url, {"password1": "x-Yz-12345!", "password2": "x-Yz-12345!"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password("x-Yz-12345!")


def test_a_superuser_still_grants_rights_in_the_admin(client):
    member = UserFactory(name="Member Max")
    client.force_login(UserFactory(name="Root Rita", is_staff=True, is_superuser=True))
    client.post(
        reverse("admin:members_user_change", args=[member.pk]),
        _user_change_data(member, is_staff="on"),
    )
    member.refresh_from_db()
    assert member.is_staff


# --- an event's delivery log is the outbox's --------------------------------------------------


def _event_message(event) -> Outbox:
    return Outbox.objects.create(
        dedup_key=f"event-cancelled:{event.pk}:1",
        kind="event_cancelled",
        topic=f"event:{event.pk}",
        to_email="katia.private@example.test",
        subject="Cancelled: lunch",
        status=Outbox.Status.FAILED,
    )


def test_the_delivery_log_needs_the_outbox_view_permission_not_only_the_events(client):
    event = EventFactory()
    _event_message(event)
    log = reverse("admin:events_event_delivery", args=[event.pk])
    change = reverse("admin:events_event_change", args=[event.pk])
    client.force_login(_staff("view_event"))
    assert client.get(log).status_code == 403  # the recipients' addresses are the outbox's
    assert log not in client.get(change).content.decode()  # and no link to it
    client.force_login(_staff("view_event", "view_outbox"))
    page = client.get(log)
    assert page.status_code == 200
    assert "katia.private@example.test" in page.content.decode()
    assert log in client.get(change).content.decode()
    # Reading is not sending again: no button the server would refuse.
    assert "Send the selected messages again" not in page.content.decode()
    client.force_login(_staff("view_event", "view_outbox", "change_outbox"))
    assert "Send the selected messages again" in client.get(log).content.decode()


def test_the_check_in_action_gives_the_services_reason(client):
    cancelled = EventFactory(status=Event.Status.CANCELLED)
    at_cancelled = RegistrationFactory(event=cancelled)
    # Today: the door is open, the waitlist is the only reason (check-in opens on the day).
    waiting = RegistrationFactory(
        status=Registration.Status.WAITLISTED, event__start=timezone.now()
    )
    client.force_login(_staff("view_registration", "change_registration"))
    response = _run(
        client,
        "admin:events_registration_changelist",
        "action_check_in",
        [at_cancelled.pk, waiting.pk],
    )
    told = [str(m) for m in get_messages(response.wsgi_request)]
    assert "1 not checked in: Only confirmed registrations can be checked in." in told
    # The cancelled event's own reason, not "only confirmed registrations can be".
    refused = [m for m in told if m.startswith("1 not checked in:")]
    assert len(refused) == 2
    assert all("only confirmed registrations can be." not in m for m in told)
    at_cancelled.refresh_from_db()
    assert at_cancelled.checked_in_at is None
