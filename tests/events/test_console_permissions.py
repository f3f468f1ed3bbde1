"""The organiser console's permission matrix: anonymous, member, organiser of this chapter,
organiser of another chapter, staff, times every console action. Both sides are asserted: the
allowed roles get the page or the change, the refused ones a login redirect, 403 or 404 —
and then nothing in the database has changed (direct POSTs included)."""

from __future__ import annotations

import uuid
from datetime import time, timedelta

import pytest
from django.utils import timezone

from betacowork.messaging.models import Outbox
from events.models import Event, EventSeries, Registration
from tests.factories import ChapterFactory, SpaceFactory, UserFactory

from .factories import EventFactory, EventSeriesFactory, RegistrationFactory, kind

pytestmark = pytest.mark.django_db

LOGIN = "login"
ROLES = ("anonymous", "member", "organiser", "other_organiser", "staff")


@pytest.fixture
def world(organiser, staff, member):
    """Charleroi (run by `organiser`) and Kortrijk (run by another organiser)."""
    switch = SpaceFactory(name="Switch Coworking", city="Charleroi")
    twelve = SpaceFactory(name="Twelve", city="Kortrijk")
    charleroi = ChapterFactory(name="Charleroi", space=switch)
    kortrijk = ChapterFactory(name="Kortrijk", space=twelve)
    charleroi.organisers.add(organiser)
    other_organiser = UserFactory(name="Jurgen De Smet")
    kortrijk.organisers.add(other_organiser)
    event = EventFactory(
        title="Switch IT day", slug="switch-it-day", chapter=charleroi, space=switch, capacity=40
    )
    RegistrationFactory(event=event, user=UserFactory(name="Ada Follower"))
    draft = EventFactory(
        title="Switch talk",
        slug="switch-talk",
        chapter=charleroi,
        space=switch,
        status=Event.Status.DRAFT,
    )
    series = EventSeriesFactory(
        title="Switch IT day", chapter=charleroi, space=switch, rrule="FREQ=MONTHLY;BYDAY=1TH"
    )
    return {
        "chapter": charleroi,
        "other_chapter": kortrijk,
        "event": event,
        "draft": draft,
        "series": series,
        "users": {
            "anonymous": None,
            "member": member,
            "organiser": organiser,
            "other_organiser": other_organiser,
            "staff": staff,
        },
    }


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def _event_post(w) -> dict:
    start = timezone.localtime(timezone.now() + timedelta(days=30)).replace(hour=18, minute=0)
    return {
        "title": "Next Switch IT day",
        "kind": kind("it-day").pk,
        "chapter": w["chapter"].pk,
        "start": _local(start),
        "end": _local(start + timedelta(hours=3)),
        "space": "",
        "room": "",
        "capacity": "50",
        "visibility": "public",
        "description": "",
    }


def _edit_post(w) -> dict:
    event = w["event"]
    return {**_event_post(w), "title": "Renamed IT day", "start": _local(event.start),
            "end": _local(event.end), "capacity": "40"}  # fmt: skip


def _series_post(w) -> dict:
    return {
        "title": "Switch IT day (series)",
        "kind": kind("it-day").pk,
        "chapter": w["chapter"].pk,
        "rrule_pattern": "monthly-weekday",
        "rrule_weekday": "TH",
        "rrule_ordinal": "1",
        "rrule_monthday": "",
        "start_time": "18:00",
        "duration_minutes": "180",
        "starts_on": timezone.localdate().isoformat(),
        "ends_on": "",
        "space": "",
        "room": "",
        "capacity": "50",
        "visibility": "public",
        "description": "",
    }


def _series_edit_post(w) -> dict:
    return {**_series_post(w), "title": "Renamed series", "rrule_pattern": "weekly",
            "rrule_weekday": "TU"}  # fmt: skip


def _message_post(w) -> dict:
    return {"subject": "Parking", "body": "Park behind the station.", "nonce": uuid.uuid4().hex}


def _changed_title(slug: str, title: str):
    def check(w):
        assert Event.objects.get(slug=slug).title == title

    return check


def _created_event(w):
    created = Event.objects.get(title="Next Switch IT day")
    assert created.status == Event.Status.DRAFT
    assert created.chapter == w["chapter"]


def _published(w):
    assert Event.objects.get(pk=w["draft"].pk).status == Event.Status.PUBLISHED


def _cancelled(w):
    assert Event.objects.get(pk=w["event"].pk).status == Event.Status.CANCELLED


def _duplicated(w):
    assert Event.objects.filter(title="Switch IT day", status=Event.Status.DRAFT).count() == 1


def _series_created(w):
    series = EventSeries.objects.get(title="Switch IT day (series)")
    assert series.rrule == "FREQ=MONTHLY;BYDAY=1TH"


def _series_changed(w):
    series = EventSeries.objects.get(pk=w["series"].pk)
    assert (series.title, series.rrule) == ("Renamed series", "FREQ=WEEKLY;BYDAY=TU")


def _messaged(w):
    assert Outbox.objects.filter(kind="events.organiser_note").count() == 1


# action: (method, url, data, {role: expected}, effect checked for allowed POSTs)
CONSOLE = {"anonymous": LOGIN, "member": 403, "organiser": 200, "other_organiser": 200,
           "staff": 200}  # fmt: skip
RUN = {"anonymous": LOGIN, "member": 403, "organiser": 200, "other_organiser": 403,
       "staff": 200}  # fmt: skip
RUN_POST = {**RUN, "organiser": 302, "staff": 302}
CREATE_POST = {**CONSOLE, "organiser": 302, "other_organiser": 400, "staff": 302}
# A draft of another chapter is not even visible: 404 rather than confirming it exists.
DRAFT_POST = {**RUN_POST, "member": 404, "other_organiser": 404}

ACTIONS = {
    "index": ("get", lambda w: "/organise/", None, CONSOLE, None),
    "new (GET)": ("get", lambda w: "/organise/new/", None, CONSOLE, None),
    "new (POST)": ("post", lambda w: "/organise/new/", _event_post, CREATE_POST, _created_event),
    "edit (GET)": ("get", lambda w: "/organise/switch-it-day/edit/", None, RUN, None),
    "edit (POST)": (
        "post",
        lambda w: "/organise/switch-it-day/edit/",
        _edit_post,
        RUN_POST,
        _changed_title("switch-it-day", "Renamed IT day"),
    ),
    "publish": ("post", lambda w: "/organise/switch-talk/publish/", None, DRAFT_POST, _published),
    "cancel (GET)": ("get", lambda w: "/organise/switch-it-day/cancel/", None, RUN, None),
    "cancel (POST)": (
        "post",
        lambda w: "/organise/switch-it-day/cancel/",
        None,
        RUN_POST,
        _cancelled,
    ),
    "duplicate": (
        "post",
        lambda w: "/organise/switch-it-day/duplicate/",
        None,
        RUN_POST,
        _duplicated,
    ),
    "registrations": ("get", lambda w: "/organise/switch-it-day/registrations/", None, RUN, None),
    "registrations CSV": (
        "get",
        lambda w: "/organise/switch-it-day/registrations.csv",
        None,
        RUN,
        None,
    ),
    "series new (GET)": ("get", lambda w: "/organise/series/new/", None, CONSOLE, None),
    "series new (POST)": (
        "post",
        lambda w: "/organise/series/new/",
        _series_post,
        CREATE_POST,
        _series_created,
    ),
    "series edit (GET)": (
        "get",
        lambda w: f"/organise/series/{w['series'].pk}/edit/",
        None,
        RUN,
        None,
    ),
    "series edit (POST)": (
        "post",
        lambda w: f"/organise/series/{w['series'].pk}/edit/",
        _series_edit_post,
        RUN_POST,
        _series_changed,
    ),
    "message (GET)": ("get", lambda w: "/organise/switch-it-day/message/", None, RUN, None),
    "message (POST)": (
        "post",
        lambda w: "/organise/switch-it-day/message/",
        _message_post,
        RUN_POST,
        _messaged,
    ),
}


def _snapshot() -> dict:
    """Everything a console action could change."""
    return {
        "events": list(
            Event.objects.order_by("pk").values_list(
                "pk", "title", "status", "capacity", "chapter_id", "start", "end"
            )
        ),
        "series": list(
            EventSeries.objects.order_by("pk").values_list("pk", "title", "rrule", "chapter_id")
        ),
        "registrations": list(Registration.objects.order_by("pk").values_list("pk", "status")),
        "outbox": Outbox.objects.count(),
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_console_permission_matrix(client, world, action, role):
    method, url, data, expected_by_role, effect = ACTIONS[action]
    expected = expected_by_role[role]
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    before = _snapshot()

    payload = data(world) if data else {}
    response = getattr(client, method)(url(world), payload)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == expected, response.content[:2000]
    if expected in (LOGIN, 400, 403, 404):
        assert _snapshot() == before, "a refused request changed something"
    elif method == "post":
        assert _snapshot() != before
        effect(world)


def test_another_chapters_event_in_every_console_url_changes_nothing(client, world):
    """Kortrijk's organiser aims every action at Charleroi's events, by slug, directly."""
    client.force_login(world["users"]["other_organiser"])
    event = world["event"]
    before = _snapshot()
    for path in ("edit", "publish", "cancel", "duplicate", "message"):
        response = client.post(
            f"/organise/{event.slug}/{path}/",
            {**_edit_post(world), **_message_post(world), "capacity": "1"},
        )
        assert response.status_code in (403, 404), path
    for path in ("registrations/", "registrations.csv"):
        assert client.get(f"/organise/{event.slug}/{path}").status_code == 403
    event.refresh_from_db()
    assert event.title == "Switch IT day"
    assert event.status == Event.Status.PUBLISHED
    assert _snapshot() == before


def test_organiser_cannot_move_an_event_into_another_chapter(client, world):
    client.force_login(world["users"]["organiser"])
    data = {**_edit_post(world), "chapter": world["other_chapter"].pk}
    response = client.post("/organise/switch-it-day/edit/", data)
    assert response.status_code == 400
    assert "Choose one of your chapters" in response.content.decode()
    world["event"].refresh_from_db()
    assert world["event"].chapter == world["chapter"]
    assert world["event"].title == "Switch IT day"


def test_organiser_cannot_edit_another_chapters_series(client, world):
    other_series = EventSeriesFactory(
        title="Twelve lunch", chapter=world["other_chapter"], start_time=time(12, 30)
    )
    client.force_login(world["users"]["organiser"])
    response = client.post(f"/organise/series/{other_series.pk}/edit/", _series_post(world))
    assert response.status_code == 403
    other_series.refresh_from_db()
    assert other_series.title == "Twelve lunch"


def test_the_list_shows_only_the_events_i_may_run(client, world):
    kortrijk_event = EventFactory(
        title="Twelve launch", slug="twelve-launch", chapter=world["other_chapter"]
    )
    unchaptered = EventFactory(title="Betacooks lunch", slug="betacooks-lunch")

    client.force_login(world["users"]["organiser"])
    page = client.get("/organise/").content.decode()
    assert "Switch IT day" in page
    assert "Switch talk" in page  # my chapter's draft
    assert kortrijk_event.title not in page
    assert unchaptered.title not in page

    client.force_login(world["users"]["other_organiser"])
    page = client.get("/organise/").content.decode()
    assert kortrijk_event.title in page
    assert "Switch IT day" not in page

    client.force_login(world["users"]["staff"])
    page = client.get("/organise/").content.decode()
    assert all(t in page for t in ("Switch IT day", kortrijk_event.title, unchaptered.title))
