"""The address shown for a registrant (QA): a member's account address as it is now — where
the site writes to them (events.services.common.registration_address) — not the one they
registered with; a guest's, the one they gave. On the console's list, its CSV and the door
list, with the same number of queries for any number of rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory

from .factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

PAGES = (
    "/organise/{slug}/registrations/",
    "/organise/{slug}/registrations.csv",
    "/events/{slug}/check-in/",
)


@pytest.fixture
def event():
    event = EventFactory(slug="it-day")
    moved = UserFactory(name="Katia Xenophontos", email="katia@old-mail.test")
    RegistrationFactory(event=event, user=moved, email="katia@old-mail.test")
    moved.email = "katia@new-mail.test"  # changed since, on the account
    moved.save(update_fields=["email"])
    RegistrationFactory(event=event, user=None, name="Gil Guest", email="gil@guest.test")
    return event


@pytest.mark.parametrize("page", PAGES)
def test_staff_see_a_members_address_as_it_is_now(client, staff, event, page):
    client.force_login(staff)

    text = client.get(page.format(slug=event.slug)).content.decode("utf-8-sig")

    assert "katia@new-mail.test" in text
    assert "katia@old-mail.test" not in text
    assert "gil@guest.test" in text


@pytest.mark.parametrize("page", PAGES)
def test_the_same_queries_for_two_registrants_or_ten(client, staff, event, page):
    client.force_login(staff)
    url = page.format(slug=event.slug)
    client.get(url)  # caches warmed
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(4):
        RegistrationFactory(event=event, email=f"old-{n}@mail.test")
        RegistrationFactory(event=event, user=None, email=f"guest-{n}@mail.test")
    with CaptureQueriesContext(connection) as many:
        text = client.get(url).content.decode("utf-8-sig")

    assert "old-0@mail.test" not in text  # the factory's accounts have their own address
    assert "guest-3@mail.test" in text
    assert len(many) == len(few)


def test_the_door_list_finds_a_member_by_their_address_as_it_is_now(client, staff, event):
    """The search without JavaScript (`check_in_list`), as the page's own search attribute."""
    client.force_login(staff)
    page = client.get(f"/events/{event.slug}/check-in/", {"q": "katia@new-mail.test"})
    assert "Katia Xenophontos" in page.content.decode()
