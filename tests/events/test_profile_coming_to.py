"""The "Coming to" line of a member's profile (events/panels.py): the events they are
confirmed for and that will take place."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import Event, Registration
from members.models import Visibility

from .factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def test_a_cancelled_event_is_not_one_they_are_coming_to(client, member, staff):
    member.profile.visibility = Visibility.PUBLIC
    member.profile.save()
    soon = timezone.now() + timedelta(days=3)
    kept = EventFactory(title="Still on", start=soon, end=soon + timedelta(hours=2))
    called_off = EventFactory(title="Called off", start=soon, end=soon + timedelta(hours=2))
    for event in (kept, called_off):
        RegistrationFactory(event=event, user=member, status=Registration.Status.CONFIRMED)
    client.force_login(staff)
    body = client.get(member.profile.get_absolute_url()).content.decode()
    assert "Called off" in body.split("Coming to", 1)[1]
    Event.objects.filter(pk=called_off.pk).update(status=Event.Status.CANCELLED)
    coming = client.get(member.profile.get_absolute_url()).content.decode().split("Coming to", 1)[1]
    assert "Still on" in coming.split("</p>", 1)[0]
    assert "Called off" not in coming.split("</p>", 1)[0]
