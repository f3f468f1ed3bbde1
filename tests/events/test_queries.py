"""The event list and event page run a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events import services
from members.models import Visibility
from tests.factories import UserFactory

from .factories import EventFactory, SpeakerFactory

pytestmark = pytest.mark.django_db


def _fill(event, n):
    for _ in range(n):
        user = UserFactory()
        user.profile.visibility = Visibility.PUBLIC
        user.profile.save()
        services.event_register(event=event, user=user)


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("as_member", [False, True])
def test_event_page_queries_do_not_grow_with_registrations(client, as_member):
    small, big = EventFactory(capacity=50), EventFactory(capacity=50)
    for event in (small, big):
        SpeakerFactory(event=event)
        SpeakerFactory(event=event, name="Second speaker")
    _fill(small, 1)
    _fill(big, 30)
    if as_member:
        viewer = UserFactory()
        client.force_login(viewer)
        services.event_register(event=small, user=viewer)
        services.event_register(event=big, user=viewer)
    client.get(small.get_absolute_url())  # warm caches (session, content types)
    assert _count(client, small.get_absolute_url()) == _count(client, big.get_absolute_url())


def test_event_list_queries_do_not_grow_with_registrations_or_events(client):
    first = EventFactory(capacity=50)
    _fill(first, 1)
    client.get(reverse("events:list"))
    one = _count(client, reverse("events:list"))
    for _ in range(5):
        _fill(EventFactory(capacity=50), 6)
    assert _count(client, reverse("events:list")) == one


def test_month_view_queries_are_constant(client):
    event = EventFactory(capacity=50)
    _fill(event, 1)
    url = reverse("events:month_current")
    client.get(url)
    one = _count(client, url)
    for _ in range(4):
        _fill(EventFactory(capacity=50), 5)
    assert _count(client, url) == one


@pytest.mark.parametrize("as_member", [False, True])
def test_register_post_runs_few_queries_whatever_the_registrations(client, as_member):
    """The register POST's statements run under the event lock: keep them few and constant."""
    counts = []
    for existing in (1, 30):
        event = EventFactory(capacity=10)
        _fill(event, existing)  # 1: a seat is confirmed; 30: the new one is waitlisted
        if as_member:
            client.force_login(UserFactory())
            data = {"note": ""}
        else:
            client.logout()
            data = {"name": "Ann Guest", "email": f"ann{existing}@example.test"}
        url = reverse("events:register", kwargs={"slug": event.slug})
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(url, data)
        assert response.status_code == 302
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    # Lean event read, locked read, one aggregate, INSERT, outbox INSERT + id read, savepoints
    # (tests run inside a transaction); the member path adds the session and user reads.
    assert counts[0] <= (12 if as_member else 10)
