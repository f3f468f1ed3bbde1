"""The event page says how many collaborations began there (collaborations' event panel)."""

import pytest
from django.urls import reverse

from .conftest import attend, log, make_past_event

pytestmark = pytest.mark.django_db


def test_event_page_counts_confirmed_collaborations_that_began_there(client, member, other_member):
    event = make_past_event(title="Betacooks")
    attend(event, member)
    attend(event, other_member)
    url = reverse("events:detail", args=[event.slug])
    assert "began here" not in client.get(url).content.decode()

    log(member, other_member, origin_type="event", origin_event=event, confirm=True)
    log(member, other_member, origin_type="event", origin_event=event, title="Not yet confirmed")
    page = client.get(url).content.decode()
    assert "1 collaboration began here" in page


def test_attendee_is_invited_to_log_one_from_the_event_page(client, member, other_member):
    event = make_past_event()
    attend(event, member)
    url = reverse("events:detail", args=[event.slug])
    client.force_login(member)
    assert "Log it" in client.get(url).content.decode()
    client.force_login(other_member)  # did not attend: no invitation
    assert "Log it" not in client.get(url).content.decode()
