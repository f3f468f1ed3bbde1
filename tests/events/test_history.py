"""The event history: every change says who made it (events/services/history.py)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import Event, EventChange
from members.services import account_delete
from tests.factories import UserFactory

from .factories import EventFactory, kind

pytestmark = pytest.mark.django_db


def _lines(event):
    return [(c.action, c.fields, c.actor_name) for c in event.changes.order_by("at", "pk")]


def test_create_edit_publish_cancel_are_recorded_with_their_actor():
    alice = UserFactory(name="Alice Organiser")
    start = timezone.now() + timedelta(days=10)
    event = services.event_create(actor=alice, title="Talk", kind=kind("talk"), start=start)
    services.event_update(event=event, actor=alice, data={"title": "Talk", "capacity": 30})
    services.event_update(event=event, actor=alice, data={"title": "Same talk"})
    services.event_publish(event=event, actor=alice)
    services.event_cancel(event=event, actor=alice)
    assert _lines(event) == [
        ("created", [], "Alice Organiser"),
        ("edited", ["capacity"], "Alice Organiser"),  # the unchanged title is not listed
        ("edited", ["title"], "Alice Organiser"),
        ("published", [], "Alice Organiser"),
        ("cancelled", [], "Alice Organiser"),
    ]


def test_an_edit_that_changes_nothing_and_changes_without_actor_leave_no_line():
    event = EventFactory()
    staff = UserFactory(is_staff=True)
    services.event_update(event=event, actor=staff, data={"title": event.title})
    services.event_update(event=event, actor=None, data={"capacity": 99})
    assert not event.changes.exists()


def test_a_copy_says_where_it_comes_from_and_the_name_survives_account_deletion():
    bob = UserFactory(name="Bob Staff", is_staff=True)
    event = EventFactory(title="IT day")
    copy = services.event_duplicate(event=event, actor=bob)
    line = copy.changes.get()
    assert line.action == EventChange.Action.DUPLICATED
    assert line.note.startswith("IT day (")
    account_delete(user=bob)
    line.refresh_from_db()
    assert line.actor is None
    assert line.actor_name == "Bob Staff"


def test_the_console_edit_page_shows_the_history_to_organisers_only(client):
    staff = UserFactory(is_staff=True, name="Stan Staff")
    event = EventFactory(status=Event.Status.DRAFT)
    services.event_publish(event=event, actor=staff)
    url = reverse("organise:edit", args=[event.slug])
    client.force_login(staff)
    page = client.get(url).content.decode()
    assert "History" in page
    assert "Published" in page
    assert "Stan Staff" in page
    client.force_login(UserFactory())
    assert client.get(url).status_code in (403, 404)


def test_the_admin_shows_the_history_read_only(client):
    staff = UserFactory(is_staff=True, is_superuser=True, name="Ada Admin")
    event = EventFactory(status=Event.Status.DRAFT)
    services.event_publish(event=event, actor=staff)
    client.force_login(staff)
    page = client.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()
    assert "Ada Admin" in page
    assert 'name="changes-0-action"' not in page  # not editable


def test_my_data_includes_the_changes_i_made():
    from events.panels import export_organised

    carol = UserFactory(name="Carol")
    event = EventFactory(title="Lunch", status=Event.Status.DRAFT)
    services.event_publish(event=event, actor=carol)
    assert [(c["event"], c["action"]) for c in export_organised(carol)["event_changes"]] == [
        ("Lunch", "published")
    ]
    assert export_organised(UserFactory())["event_changes"] == []
