"""An organiser stops a series from the console: a last date of today, or the last date it
was held, is accepted for a series that exists; nothing is generated after it. (A new series
still needs a date to come: `test_console_forms.test_bad_series_input_is_refused…`.)"""

from datetime import timedelta

import pytest
from django.utils import timezone

from events import services
from events.models import Event, EventSeries
from events.recurrence import WEEKDAY_CODES

from . import test_console_forms as shared
from .factories import RegistrationFactory

pytestmark = pytest.mark.django_db

chapter = shared.chapter
organiser_client = shared.organiser_client


def _weekly(chapter, **overrides) -> dict:
    """A weekly series on tomorrow's weekday that began four weeks ago."""
    today = timezone.localdate()
    weekday = WEEKDAY_CODES[(today + timedelta(days=1)).weekday()]
    return shared._series(
        chapter,
        rrule_pattern="weekly",
        rrule_weekday=weekday,
        starts_on=(today - timedelta(weeks=4)).isoformat(),
        **overrides,
    )


@pytest.mark.parametrize("days_ago", [0, 6], ids=["today", "the-last-date-held"])
def test_an_organiser_stops_a_series_with_its_last_date(organiser_client, chapter, days_ago):
    assert organiser_client.post("/organise/series/new/", _weekly(chapter)).status_code == 302
    series = EventSeries.objects.get()
    upcoming = list(Event.objects.filter(series=series).order_by("start"))
    assert len(upcoming) >= 3
    busy = upcoming[1]
    RegistrationFactory(event=busy)
    edit = f"/organise/series/{series.pk}/edit/"
    last = timezone.localdate() - timedelta(days=days_ago)
    response = organiser_client.post(edit, _weekly(chapter, ends_on=last.isoformat()), follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "repeats on no date" not in text
    assert "“Switch IT day” now ends on" in text
    # Later occurrences nobody registered for are gone; the one with a registrant stays, and
    # the organiser is told how to cancel it.
    assert list(Event.objects.filter(series=series)) == [busy]
    assert "Cancel it from its page if it no longer takes place." in text
    series.refresh_from_db()
    assert series.ends_on == last
    assert services.series_generate(series=series, until=last + timedelta(weeks=8)) == []
    assert list(Event.objects.filter(series=series)) == [busy]


def test_the_edit_form_says_how_to_stop_the_series(organiser_client, chapter):
    organiser_client.post("/organise/series/new/", _weekly(chapter))
    series = EventSeries.objects.get()
    page = organiser_client.get(f"/organise/series/{series.pk}/edit/").content.decode()
    assert "To stop the series, give the last date it takes place, or today&#x27;s date" in page
    # A new series' form does not speak of stopping it.
    assert (
        "To stop the series" not in organiser_client.get("/organise/series/new/").content.decode()
    )


def test_a_stopped_series_can_still_be_edited(organiser_client, chapter):
    """Its title, say: the last date gone by is no reason to refuse the form any more."""
    organiser_client.post("/organise/series/new/", _weekly(chapter))
    series = EventSeries.objects.get()
    last = timezone.localdate() - timedelta(days=6)
    EventSeries.objects.filter(pk=series.pk).update(ends_on=last)
    response = organiser_client.post(
        f"/organise/series/{series.pk}/edit/",
        _weekly(chapter, ends_on=last.isoformat(), title="Switch IT evening"),
    )
    assert response.status_code == 302
    series.refresh_from_db()
    assert series.title == "Switch IT evening"
