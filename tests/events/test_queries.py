"""Pages run a constant number of queries, whatever the number of events and registrations:
the event list, month view, event page, my events, the check-in page and the register POST."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import Event
from members.models import Visibility
from tests.factories import UserFactory

from .factories import EventFactory, RegistrationFactory, SpeakerFactory, kind
from .guest_flow import guest_confirm_path

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
            url = reverse("events:register", kwargs={"slug": event.slug})
        else:
            # A guest's seat is taken by the emailed link's POST (the form only sends it).
            client.logout()
            email = f"ann{existing}@example.test"
            client.post(
                reverse("events:register", kwargs={"slug": event.slug}),
                {"name": "Ann Guest", "email": email},
            )
            url, data = guest_confirm_path(email), {}
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(url, data)
        assert response.status_code == 302
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    # The member path adds the session's user reads (2); the guest path (the emailed link's
    # POST) one read, before the lock, of the member whose verified address the guest gave
    # (their seat, if any).
    if connection.vendor == "postgresql":
        # The lean event read, then ONE statement: the function that locks, counts and
        # writes the registration and its outbox row (events/services/seat_queue.py).
        # The guest's: whether the link's seat was given back since (it books once).
        assert counts[0] == 4
        assert "bc_event_register" in ctx.captured_queries[-1]["sql"]
    else:
        # The lean event read, then under the lock the lean locked read (no joins), one
        # aggregate, the registration INSERT and the outbox INSERT (written as data: nothing
        # rendered) — plus the savepoint pair (tests run inside a transaction).
        assert counts[0] <= 9


@pytest.mark.parametrize("as_member", [False, True])
def test_event_list_runs_the_same_queries_for_1_and_30_events(client, as_member):
    if as_member:
        client.force_login(UserFactory())
    url = reverse("events:list")
    counts = []
    for total in (1, 30):
        for i in range(Event.objects.count(), total):
            event = EventFactory(capacity=50, kind=kind("it-day" if i % 2 else "betacooks"))
            RegistrationFactory.create_batch(2, event=event)
        client.get(url)
        counts.append(_count(client, url))
    assert counts[0] == counts[1]


def _past_event(days: int, kind_slug: str):
    start = timezone.now() - timedelta(days=days)
    return EventFactory(start=start, end=start + timedelta(hours=2), kind=kind(kind_slug))


def test_my_events_runs_the_same_queries_for_1_and_30_registrations(client, member):
    client.force_login(member)
    url = reverse("events:mine")

    def add(n: int) -> None:
        for i in range(n):
            RegistrationFactory(event=EventFactory(capacity=50), user=member)
            past = _past_event(7 * (i + 1), "betacooks" if i % 2 else "speed-networking")
            RegistrationFactory(event=past, user=member, checked_in_at=past.start)

    add(1)
    client.get(url)  # the first visit creates the calendar token
    one = _count(client, url)
    add(29)
    body = client.get(url).content.decode()
    assert body.count("Attended") >= 30
    assert _count(client, url) == one


@pytest.mark.parametrize("viewer", ["staff", "organiser"])
def test_check_in_page_runs_the_same_queries_for_1_and_30_registrations(
    client, staff, organiser, viewer
):
    from tests.factories import ChapterFactory

    chapter = ChapterFactory()
    chapter.organisers.add(organiser)
    client.force_login(staff if viewer == "staff" else organiser)
    counts = []
    for n in (1, 30):
        event = EventFactory(capacity=50, chapter=chapter)
        _fill(event, n)
        url = reverse("events:check_in", kwargs={"slug": event.slug})
        client.get(url)
        counts.append(_count(client, url))
    assert counts[0] == counts[1]
