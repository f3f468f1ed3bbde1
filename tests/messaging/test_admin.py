"""The delivery log in the admin (betacowork/messaging/admin.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from betacowork.messaging.models import Outbox
from events.models import Event
from events.services.reminders import reminder_sweep_run
from tests.events.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def event_in(delta: timedelta, **kwargs) -> Event:
    start = timezone.now() + delta
    return EventFactory(start=start, end=start + timedelta(minutes=90), **kwargs)


def test_admin_delivery_log_filters_by_event_topic_and_resends(client, staff, member):
    event = event_in(timedelta(hours=20))
    RegistrationFactory(event=event)
    other = event_in(timedelta(hours=20))
    RegistrationFactory(event=other)
    reminder_sweep_run()
    Outbox.objects.filter(topic=f"event:{event.pk}").update(status=Outbox.Status.FAILED)
    url = reverse("admin:messaging_outbox_changelist")
    client.force_login(member)
    assert client.get(url).status_code == 302  # not staff: to the admin login
    client.force_login(staff)
    page = client.get(url, {"topic": f"event:{event.pk}"})
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    failed = Outbox.objects.get(topic=f"event:{event.pk}")
    response = client.post(
        f"{url}?topic=event:{event.pk}",
        {"action": "resend", "_selected_action": [failed.pk]},
    )
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == Outbox.Status.PENDING


def test_admin_does_not_send_a_deleted_accounts_message_again_and_says_so(client, staff):
    from members.services import account_delete
    from tests.factories import UserFactory

    from .factories import write

    leaver = UserFactory()
    row, _ = write("leaver-note", recipient=leaver, to=leaver.email)
    account_delete(user=leaver)
    client.force_login(staff)
    url = reverse("admin:messaging_outbox_changelist")
    response = client.post(url, {"action": "resend", "_selected_action": [row.pk]}, follow=True)
    assert response.status_code == 200
    texts = [str(m) for m in response.context["messages"]]
    assert "1 message not sent again: its recipient deleted their account." in texts
    assert "0 messages queued again." in texts
    row.refresh_from_db()
    assert row.status == Outbox.Status.CANCELLED


def test_the_delivery_log_reads_in_the_staff_members_language(client, staff):
    """In Dutch the topic and the subject were both headed "Onderwerp", and a deleted
    account's reminder placeholder showed its stored English subject."""
    from betacowork.messaging.afterwards import NOT_SENT_SUBJECT

    Outbox.objects.create(
        dedup_key="placeholder", kind="events.reminder", to_email="gone@example.test",
        language="en", subject=NOT_SENT_SUBJECT, body_text="", status=Outbox.Status.CANCELLED,
    )  # fmt: skip
    staff.preferred_language = "nl"
    staff.save(update_fields=["preferred_language"])
    client.force_login(staff)
    page = client.get(reverse("admin:messaging_outbox_changelist")).content.decode()
    assert "(niet verzonden: account verwijderd)" in page
    assert NOT_SENT_SUBJECT not in page
    assert page.count(">Onderwerp<") == 1
    assert ">Betreft<" in page
