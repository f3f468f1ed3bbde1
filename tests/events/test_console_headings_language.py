"""The organiser's list of people with a seat is headed in the plural in French ("Confirmés",
not the feminine singular a registration's status reads)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from .factories import EventFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "heading"), [("fr", "Confirmés"), ("nl", "Bevestigd")])
def test_the_list_of_people_with_a_seat_is_headed_in_the_plural(client, staff, language, heading):
    event = EventFactory()
    staff.preferred_language = language
    staff.save(update_fields=["preferred_language"])
    client.force_login(staff)
    page = client.get(reverse("organise:registrations", args=[event.slug])).content.decode()
    assert f'<h2 id="confirmed-title">{heading}</h2>' in page
