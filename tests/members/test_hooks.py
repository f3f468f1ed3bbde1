"""Deleting an account runs every app's steps in their stated order (members/hooks.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from betacowork.messaging.models import Outbox
from events.models import Registration
from members.hooks import account_delete_steps
from members.models import User
from members.services import account_delete
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_steps_and_their_order_are_stated():
    assert [s.name for s in account_delete_steps()] == [
        "events.reminders",
        "events.registrations",
        "collaborations.participants",
        "messaging.outbox",
    ]


def test_deleting_an_account_frees_its_seat_for_the_waitlist_and_cancels_its_mail():
    event = EventFactory(capacity=1)
    leaving, waiting = UserFactory(), UserFactory()
    seat = RegistrationFactory(event=event, user=leaving)
    queued = RegistrationFactory(
        event=event, user=waiting, status=Registration.Status.WAITLISTED, waitlisted_at=event.start
    )
    account_delete(user=leaving)
    assert not User.objects.filter(pk=leaving.pk).exists()
    seat.refresh_from_db()
    queued.refresh_from_db()
    assert seat.status == Registration.Status.CANCELLED
    assert seat.user is None
    assert queued.status == Registration.Status.CONFIRMED
    promoted = Outbox.objects.get(dedup_key=f"promoted:{queued.pk}")
    assert promoted.status == Outbox.Status.PENDING
    assert not Outbox.objects.filter(recipient=leaving.pk, status="pending").exists()


def test_the_admin_deletes_an_account_through_the_same_service(admin_client):
    event = EventFactory(capacity=1)
    leaving, waiting = UserFactory(), UserFactory()
    RegistrationFactory(event=event, user=leaving)
    queued = RegistrationFactory(
        event=event, user=waiting, status=Registration.Status.WAITLISTED, waitlisted_at=event.start
    )
    url = reverse("admin:members_user_delete", args=[leaving.pk])
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=leaving.pk).exists()
    queued.refresh_from_db()
    assert queued.status == Registration.Status.CONFIRMED


def test_reminders_still_to_come_are_written_as_cancelled():
    from datetime import timedelta

    from django.utils import timezone

    event = EventFactory(start=timezone.now() + timedelta(days=3))
    leaving = UserFactory()
    seat = RegistrationFactory(event=event, user=leaving)
    account_delete(user=leaving)
    rows = Outbox.objects.filter(kind="events.reminder", dedup_key__contains=f"reg{seat.pk}:")
    assert rows.count() == len(event.effective_reminder_offsets)
    assert set(rows.values_list("status", flat=True)) == {Outbox.Status.CANCELLED}


def test_sign_in_and_confirmation_steps_are_stated():
    from members.hooks import steps_for

    assert [s.name for s in steps_for("signed_in")] == ["members.unhide_imported"]
    assert [s.name for s in steps_for("email_confirmed")] == [
        "members.address_claims",
        "events.claim_guest_registrations",
    ]


def test_a_login_runs_the_signed_in_steps_in_order(client, monkeypatch):
    from members import hooks

    seen = []
    monkeypatch.setitem(hooks._steps, "signed_in", dict(hooks._steps["signed_in"]))
    hooks.register_signed_in_step(order=5, name="t.first", run=lambda **kw: seen.append("first"))
    hooks.register_signed_in_step(order=50, name="t.last", run=lambda **kw: seen.append("last"))
    user = UserFactory()
    client.force_login(user)
    assert seen == ["first", "last"]
