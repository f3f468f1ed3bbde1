"""The month grid answers only for months that exist within its bounds (2000-2100): a 0 in
the address is not "the current month"."""

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/events/month/2026/0/",
        "/events/month/0/5/",
        "/events/month/0/0/",
        "/events/month/2026/13/",
        "/events/month/1999/12/",
        "/events/month/2101/1/",
        "/events/month/10000/1/",
        "/events/month/-1/5/",
        "/events/month/2026/-1/",
    ],
)
def test_a_month_that_does_not_exist_is_not_found(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/events/month/2026/1/", "January 2026"),
        ("/events/month/2000/1/", "January 2000"),
        ("/events/month/2100/12/", "December 2100"),
    ],
)
def test_a_valid_month_shows_that_month(client, path, heading):
    response = client.get(path)
    assert response.status_code == 200
    assert heading in response.content.decode()


def test_the_month_page_without_a_date_shows_the_current_month(client):
    today = timezone.localdate()
    response = client.get("/events/month/")
    assert response.status_code == 200
    assert response.context["first"] == today.replace(day=1)


@pytest.mark.parametrize(
    ("path", "shown", "hidden"),
    [
        ("/events/month/2000/1/", "/events/month/2000/2/", "/events/month/1999/12/"),
        ("/events/month/2100/12/", "/events/month/2100/11/", "/events/month/2101/1/"),
    ],
)
def test_the_first_and_last_months_link_only_to_months_that_exist(client, path, shown, hidden):
    html = client.get(path).content.decode()
    assert f'href="{shown}"' in html
    assert hidden not in html


def _local(*args):
    from datetime import datetime

    return timezone.make_aware(datetime(*args))


def _titles_by_day(response) -> dict:
    return {
        day["date"].isoformat(): [event.title for event, _continued in day["entries"]]
        for week in response.context["weeks"]
        for day in week
        if day["entries"]
    }


def test_the_grid_shows_the_events_of_the_days_around_the_month_and_of_every_day_they_last(
    client,
):
    """QA: January 2027's grid showed Tuesday 29 December empty (its lunch was listed in
    December only), and a two-day conference on its first day only."""
    from tests.events.factories import EventFactory

    EventFactory(
        title="Betacooks", start=_local(2026, 12, 29, 12, 30), end=_local(2026, 12, 29, 14)
    )
    EventFactory(title="Summit", start=_local(2027, 1, 14, 9), end=_local(2027, 1, 15, 17))
    EventFactory(title="Late party", start=_local(2027, 1, 20, 22), end=_local(2027, 1, 21, 1))
    EventFactory(title="February lunch", start=_local(2027, 2, 9, 12), end=_local(2027, 2, 9, 14))

    response = client.get("/events/month/2027/1/")

    assert _titles_by_day(response) == {
        "2026-12-29": ["Betacooks"],
        "2027-01-14": ["Summit"],
        "2027-01-15": ["Summit"],
        "2027-01-20": ["Late party"],  # an evening past midnight stays on its evening
    }
    html = response.content.decode()
    assert html.count("continued:") == 1  # the summit's second day, said to screen readers
    assert "No event this month." not in html


def test_a_month_with_events_only_on_the_days_around_it_says_it_has_none(client):
    from tests.events.factories import EventFactory

    EventFactory(
        title="Betacooks", start=_local(2026, 12, 29, 12, 30), end=_local(2026, 12, 29, 14)
    )

    response = client.get("/events/month/2027/1/")

    assert _titles_by_day(response) == {"2026-12-29": ["Betacooks"]}
    assert "No event this month." in response.content.decode()


def test_a_day_long_event_over_the_spring_night_shows_on_both_days(client):
    """Review: 09:00 to 09:00 over the night the clocks go forward is 23 hours, by the clock
    a day: it is on Saturday and Sunday, as on any other weekend."""
    from tests.events.factories import EventFactory

    EventFactory(title="24h hack", start=_local(2026, 3, 28, 9), end=_local(2026, 3, 29, 9))

    response = client.get("/events/month/2026/3/")

    assert _titles_by_day(response) == {"2026-03-28": ["24h hack"], "2026-03-29": ["24h hack"]}
