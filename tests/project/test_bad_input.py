"""Malformed input anywhere is a clear 400, never a 500 and never a write."""

import pytest
from django.urls import reverse

from betacowork.messaging.models import Outbox
from events.models import Event

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    ["/directory/?q=a%00b", "/events/?kind=%00", "/events/calendar/%00.ics", "/%00/"],
)
def test_a_nul_character_in_the_address_is_a_400_page(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "could not understand" in response.content.decode()


def test_a_nul_character_in_a_form_is_refused_and_writes_nothing(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "nul@example.test", "name": "Bad\x00Name", "password1": "x", "password2": "x"},
    )
    assert response.status_code == 400
    assert not Outbox.objects.exists()


def test_a_malformed_multipart_body_is_a_400(member_client, member):
    response = member_client.generic(
        "POST",
        reverse("members:profile_edit", args=[member.profile.slug]),
        b"--broken\r\nContent-Disposition: form-data; name=",
        content_type="multipart/form-data; boundary=",  # no boundary: unparseable
    )
    assert response.status_code == 400


def test_admin_action_with_a_garbage_selection_is_a_400_not_a_500(client, staff):
    client.force_login(staff)
    response = client.post(
        reverse("admin:events_event_changelist"),
        {"action": "delete_selected", "_selected_action": ["abc"]},
    )
    assert response.status_code == 400


def test_admin_add_form_with_a_garbage_initial_value_is_a_400(client, staff):
    client.force_login(staff)
    response = client.get(reverse("admin:members_membership_add") + "?space=%C0%AF")
    assert response.status_code == 400


def test_admin_valid_action_still_works(client, staff):
    from tests.events.factories import EventFactory

    event = EventFactory(status=Event.Status.DRAFT)
    client.force_login(staff)
    response = client.post(
        reverse("admin:events_event_changelist"),
        {"action": "action_publish", "_selected_action": [event.pk]},
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED
