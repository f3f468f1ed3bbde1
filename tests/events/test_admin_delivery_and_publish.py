"""The events admin as staff read it: the per-event delivery log in their language, and
what "Publish the selected events" says about the events it leaves as they are."""

import pytest
from django.urls import reverse

from betacowork.messaging.afterwards import NOT_SENT_SUBJECT, RECIPIENT_DELETED
from betacowork.messaging.models import Outbox
from events.models import Event

from .factories import EventFactory
from .test_admin import _action

pytestmark = pytest.mark.django_db


def _row(event, key: str, **fields) -> Outbox:
    return Outbox.objects.create(
        dedup_key=key, kind="events.reminder", topic=f"event:{event.pk}",
        to_email=f"{key}@example.test", language="en", body_text="-",
        status=Outbox.Status.CANCELLED, **fields,
    )  # fmt: skip


def test_the_delivery_log_says_why_a_message_was_not_sent_in_the_staff_members_language(
    client, staff
):
    event = EventFactory()
    _row(event, "moved", subject="Reminder", last_error="Event is cancelled.")
    _row(event, "gone", subject=NOT_SENT_SUBJECT, last_error=RECIPIENT_DELETED)
    _row(event, "server", subject="Reminder", last_error="550 mailbox unavailable")
    staff.preferred_language = "fr"
    staff.save(update_fields=["preferred_language"])
    client.force_login(staff)

    url = reverse("admin:events_event_delivery", args=[event.pk])
    page = client.get(url, {"status": "cancelled"}).content.decode()

    assert "L&#x27;événement est annulé." in page
    assert "Event is cancelled." not in page
    assert "(non envoyé : compte supprimé)" in page.replace("\u00a0", " ")
    assert NOT_SENT_SUBJECT not in page
    assert RECIPIENT_DELETED not in page
    assert "550 mailbox unavailable" in page  # a server's answer is shown as it came


def test_publishing_names_the_events_it_leaves_and_why(client, staff):
    draft = EventFactory(title="Draft lunch", status=Event.Status.DRAFT)
    cancelled = EventFactory(title="Called-off lunch", status=Event.Status.CANCELLED)
    published = EventFactory(title="Live lunch", status=Event.Status.PUBLISHED)
    client.force_login(staff)

    response = _action(client, "action_publish", [draft, cancelled, published])

    said = [str(m) for m in response.context["messages"]]
    assert "1 event published." in said
    assert (
        "Not published, cancelled (cancelling is final: duplicate it to hold it again): "
        "“Called-off lunch”." in said
    )
    assert "Already published: “Live lunch”." in said
    assert not any("Draft lunch" in m for m in said)
    cancelled.refresh_from_db()
    assert cancelled.status == Event.Status.CANCELLED
