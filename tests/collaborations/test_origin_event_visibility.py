"""A collaboration that began at a members-only event does not tell visitors that event's
title, date or address (its own page is a 404 to them): "an event" instead; members, who
may open the event, see it named and linked."""

from __future__ import annotations

import pytest
from django.urls import reverse

from events.models import Event

from .conftest import attend, log, make_past_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def began_at_members_evening(member, other_member):
    event = make_past_event(title="Members-only supper", visibility=Event.Visibility.MEMBERS)
    attend(event, member)
    collab = log(member, other_member, confirm=True, origin_type="event", origin_event=event)
    return collab, event


def test_a_visitor_is_not_told_a_members_only_event(client, began_at_members_evening):
    collab, event = began_at_members_evening
    for url in (collab.get_absolute_url(), reverse("collaborations:list")):
        page = client.get(url).content.decode()
        assert collab.title in page
        assert "Members-only supper" not in page
        assert event.get_absolute_url() not in page
    assert "an event" in client.get(collab.get_absolute_url()).content.decode()


def test_a_member_sees_the_event_named_and_linked(client, member, began_at_members_evening):
    collab, event = began_at_members_evening
    client.force_login(member)
    page = client.get(collab.get_absolute_url()).content.decode()
    assert f'<a href="{event.get_absolute_url()}">Members-only supper</a>' in page
    listing = client.get(reverse("collaborations:list")).content.decode()
    assert "Members-only supper" in listing


def test_a_visitor_sees_a_public_event_named(client, member, other_member):
    event = make_past_event(title="Open Betacooks")
    attend(event, member)
    collab = log(member, other_member, confirm=True, origin_type="event", origin_event=event)
    page = client.get(collab.get_absolute_url()).content.decode()
    assert f'<a href="{event.get_absolute_url()}">Open Betacooks</a>' in page
