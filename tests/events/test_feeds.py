"""Calendar feeds as people subscribe to them: named, refreshed, offered on every page twice.

Feeds are parsed back with the `icalendar` library (RFC 5545 and RFC 7986 properties);
`tests/events/test_ics.py` checks the same bytes with a strict hand-written reader.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from icalendar import Calendar

from events import services
from events.models import CalendarToken
from tests.factories import ChapterFactory, SpaceFactory, UserFactory

from .factories import EventFactory, kind

pytestmark = pytest.mark.django_db

FEED = reverse("events:feed")


def _parse(response) -> Calendar:
    assert response.status_code == 200, response.content[:200]
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def _titles(cal: Calendar) -> set[str]:
    return {str(e["SUMMARY"]) for e in cal.walk("VEVENT")}


def _assert_feed_properties(cal: Calendar, *, name: str, refresh: timedelta) -> None:
    assert str(cal["X-WR-CALNAME"]) == name
    assert str(cal["NAME"]) == name
    interval = cal["REFRESH-INTERVAL"]
    assert interval.params["VALUE"] == "DURATION"
    assert interval.dt == refresh
    ttl = cal["X-PUBLISHED-TTL"]
    assert ttl.to_ical().decode() == f"PT{int(refresh.total_seconds() // 3600)}H"


@pytest.fixture
def programme(db):
    charleroi = ChapterFactory(name="BetaGroup Charleroi", slug="betagroup-charleroi")
    mons = SpaceFactory(name="Mons Coworking", city="Mons")
    return {
        "chapter": charleroi,
        "space": mons,
        "lunch": EventFactory(title="Tuesday lunch", kind=kind("betacooks")),
        "speed": EventFactory(title="Speed dating for founders", kind=kind("speed-networking")),
        "it_day": EventFactory(title="Switch IT day", kind=kind("it-day"), chapter=charleroi),
        "mons": EventFactory(title="Mons breakfast", kind=kind("other"), space=mons),
    }


# The feeds' own properties -----------------------------------------------------------------


def test_the_public_feed_is_named_and_says_how_often_to_refresh(client, programme):
    cal = _parse(client.get(FEED))
    _assert_feed_properties(cal, name="Betacowork events", refresh=timedelta(hours=6))
    assert _titles(cal) == {
        "Tuesday lunch",
        "Speed dating for founders",
        "Switch IT day",
        "Mons breakfast",
    }


def test_a_chapter_feed_is_named_after_the_chapter(client, programme):
    cal = _parse(client.get(FEED, {"chapter": "betagroup-charleroi"}))
    _assert_feed_properties(cal, name="BetaGroup Charleroi", refresh=timedelta(hours=6))
    assert _titles(cal) == {"Switch IT day"}


def test_a_kind_feed_is_named_after_the_kind_and_holds_only_that_kind(client, programme):
    response = client.get(FEED, {"kind": "speed-networking"})
    cal = _parse(response)
    _assert_feed_properties(cal, name="Betacowork — Speed Networking", refresh=timedelta(hours=6))
    assert _titles(cal) == {"Speed dating for founders"}
    assert 'filename="betacowork-speed-networking.ics"' in response["Content-Disposition"]


def test_a_kind_feed_name_is_translated(client, programme):
    cal = _parse(client.get(FEED, {"kind": "speed-networking"}, HTTP_ACCEPT_LANGUAGE="nl"))
    assert str(cal["X-WR-CALNAME"]) == "Betacowork — Speednetwerken"


def test_a_space_feed_and_a_combined_feed(client, programme):
    cal = _parse(client.get(FEED, {"space": programme["space"].slug}))
    assert str(cal["X-WR-CALNAME"]) == "Betacowork — Mons Coworking"
    assert _titles(cal) == {"Mons breakfast"}
    cal = _parse(client.get(FEED, {"chapter": "betagroup-charleroi", "kind": "it-day"}))
    assert str(cal["X-WR-CALNAME"]) == "BetaGroup Charleroi — IT Day"
    assert _titles(cal) == {"Switch IT day"}


@pytest.mark.parametrize(
    "query",
    [
        {"kind": "karaoke"},
        {"kind": "../../etc/passwd"},
        {"kind": "speed-networking\x00"},
        {"chapter": "nowhere"},
        {"space": "atlantis"},
    ],
)
def test_an_unknown_kind_chapter_or_space_is_a_400_not_a_500(client, programme, query):
    response = client.get(FEED, query)
    assert response.status_code == 400
    assert not response["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VCALENDAR" not in response.content


def test_the_personal_feed_is_named_refreshed_hourly_and_speaks_its_owner_language(client):
    owner = UserFactory(preferred_language="fr")
    event = EventFactory(title="Déjeuner")
    event.kind.name_fr = "Déjeuner communautaire"
    event.kind.save(update_fields=["name_fr"])
    services.event_register(event=event, user=owner)
    token = services.calendar_token_create(user=owner).token
    response = client.get(
        reverse("events:personal_feed", kwargs={"token": token}), HTTP_ACCEPT_LANGUAGE="en"
    )
    cal = _parse(response)
    _assert_feed_properties(cal, name="Mes événements Betacowork", refresh=timedelta(hours=1))
    assert _titles(cal) == {"Déjeuner"}
    assert response["Content-Language"] == "fr"  # not the visitor's "en"
    # The event's kind too: "Betacooks" in French is the kind's French name, not English.
    categories = {str(c) for e in cal.walk("VEVENT") for c in e.get("categories").cats}
    assert categories == {"Déjeuner communautaire"}


def test_a_waitlist_place_is_tentative_in_the_personal_feed_and_a_seat_confirmed(client):
    owner = UserFactory()
    seat, full = EventFactory(title="Betacooks"), EventFactory(title="IT day", capacity=1)
    services.event_register(event=full, user=UserFactory())
    services.event_register(event=seat, user=owner)
    services.event_register(event=full, user=owner)  # number 1 on the waitlist
    token = services.calendar_token_create(user=owner).token
    cal = _parse(client.get(reverse("events:personal_feed", kwargs={"token": token})))
    status = {str(e["summary"]): str(e["status"]) for e in cal.walk("VEVENT")}
    assert status == {"Betacooks": "CONFIRMED", "IT day (waitlist)": "TENTATIVE"}
    # The event's own file (the email attachment, "add to calendar") is not anyone's place.
    one = Calendar.from_ical(client.get(reverse("events:ics", kwargs={"slug": full.slug})).content)
    assert [str(e["status"]) for e in one.walk("VEVENT")] == ["CONFIRMED"]


# Every feed offered as webcal: and https -----------------------------------------------------


def _pair(html: str, path_and_query: str, *, scheme: str = "http") -> None:
    """Both links of the pair, for the same feed, on the page."""
    assert f'href="webcal://testserver{path_and_query}"' in html, path_and_query
    assert f'href="{scheme}://testserver{path_and_query}"' in html, path_and_query


def test_the_events_page_offers_all_events_each_kind_and_the_filtered_selection(client, programme):
    html = client.get(reverse("events:list")).content.decode()
    _pair(html, FEED)
    for slug in ("betacooks", "speed-networking", "it-day", "talk", "workshop", "other"):
        _pair(html, f"{FEED}?kind={slug}")
    assert "Betacowork — Speed Networking" in html
    html = client.get(
        reverse("events:list"), {"kind": "it-day", "chapter": "betagroup-charleroi"}
    ).content.decode()
    _pair(html, f"{FEED}?chapter=betagroup-charleroi&amp;kind=it-day")
    # The filtered pair answers with the selection.
    cal = _parse(client.get(FEED, {"chapter": "betagroup-charleroi", "kind": "it-day"}))
    assert _titles(cal) == {"Switch IT day"}


def test_the_pairs_follow_the_request_scheme(client, programme):
    html = client.get(reverse("events:list"), secure=True).content.decode()
    _pair(html, f"{FEED}?kind=betacooks", scheme="https")
    assert 'href="http://testserver' not in html.split('id="calendars"')[1]


def test_the_chapter_page_offers_its_feed_as_a_pair(client, programme):
    html = client.get(programme["chapter"].get_absolute_url()).content.decode()
    _pair(html, f"{FEED}?chapter=betagroup-charleroi")
    assert 'data-feed="feed-chapter-betagroup-charleroi"' in html


def test_an_event_page_offers_the_feed_of_its_kind(client, programme):
    html = client.get(programme["speed"].get_absolute_url()).content.decode()
    _pair(html, f"{FEED}?kind=speed-networking")


def test_my_events_offers_the_personal_feed_as_a_pair_once_created(client, member):
    client.force_login(member)
    token = services.calendar_token_create(user=member).token
    html = client.get(reverse("events:mine")).content.decode()
    _pair(html, reverse("events:personal_feed", kwargs={"token": token}))
    _pair(html, FEED)


# The personal token: written on POST only ---------------------------------------------------


def test_reading_my_events_never_creates_a_calendar_token(client, member):
    client.force_login(member)
    before = CalendarToken.objects.count()
    for _ in range(2):
        response = client.get(reverse("events:mine"))
        assert response.status_code == 200
    assert CalendarToken.objects.count() == before == 0
    html = response.content.decode()
    assert "Create my calendar link" in html
    assert 'data-feed="feed-personal"' not in html


def test_create_my_calendar_link_writes_one_token_and_shows_it(client, member):
    client.force_login(member)
    response = client.post(reverse("events:calendar_create"))
    assert response.status_code == 302
    assert response["Location"] == reverse("events:mine") + "#calendar"
    token = CalendarToken.objects.get(user=member).token
    client.post(reverse("events:calendar_create"))  # asking twice changes nothing
    assert CalendarToken.objects.get(user=member).token == token
    html = client.get(reverse("events:mine")).content.decode()
    assert token in html
    assert "Create my calendar link" not in html


def test_the_calendar_link_is_created_by_post_only_and_by_members_only(client, member):
    url = reverse("events:calendar_create")
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    client.force_login(member)
    assert client.get(url).status_code == 405
    assert not CalendarToken.objects.exists()


def test_regenerating_replaces_the_address(client, member):
    client.force_login(member)
    client.post(reverse("events:calendar_create"))
    old = CalendarToken.objects.get(user=member).token
    client.post(reverse("events:calendar_regenerate"))
    new = CalendarToken.objects.get(user=member).token
    assert new != old
    assert client.get(reverse("events:personal_feed", kwargs={"token": old})).status_code == 404
    assert client.get(reverse("events:personal_feed", kwargs={"token": new})).status_code == 200
