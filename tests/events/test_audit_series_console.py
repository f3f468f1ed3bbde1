"""Audit of the console's series form: what two organisers, another chapter's occurrence and
a stored rule the picker cannot read do to a series change, as the pages show it."""

from datetime import time

import pytest
from django.utils import timezone

from betacowork.messaging.models import Outbox
from events import services
from events.models import Event, EventSeries
from tests.factories import ChapterFactory, UserFactory
from tests.html_forms import form_values

from . import test_console_forms as shared
from .factories import EventSeriesFactory, RegistrationFactory, kind
from .test_series_follow import local

pytestmark = pytest.mark.django_db

chapter, organiser_client = shared.chapter, shared.organiser_client


@pytest.fixture
def lunch(chapter):
    """The chapter's weekly Thursday lunch at 12:30, generated, each with one registrant."""
    series = EventSeriesFactory(
        title="Thursday lunch",
        kind=kind("betacooks"),
        chapter=chapter,
        space=chapter.space,
        rrule="FREQ=WEEKLY;BYDAY=TH",
        starts_on=timezone.localdate(),
        capacity=20,
    )
    made = services.series_generate(series=series)
    assert len(made) >= 4
    for event in made:
        RegistrationFactory(event=event)
    return series


def _shown(client, series) -> dict:
    """The edit form as the page drew it (hidden inputs included)."""
    page = client.get(f"/organise/series/{series.pk}/edit/").content.decode()
    return form_values(page, css_class="console-form")


def test_a_form_opened_before_another_organisers_change_does_not_undo_it(
    client, organiser, chapter, lunch
):
    other = UserFactory(name="Other organiser")
    chapter.organisers.add(other)
    client.force_login(organiser)
    stale = _shown(client, lunch)  # the organiser opens the form (12:30)…
    client.force_login(other)
    moved = client.post(
        f"/organise/series/{lunch.pk}/edit/", _shown(client, lunch) | {"start_time": "13:00"}
    )
    assert moved.status_code == 302  # …another one moves the lunch to 13:00…
    told = Outbox.objects.filter(kind="events.event_changed").count()
    assert told == Event.objects.filter(series=lunch).count()
    client.force_login(organiser)
    response = client.post(  # …and the first one saves a new description.
        f"/organise/series/{lunch.pk}/edit/", {**stale, "description": "Bring a dish."}
    )
    assert response.status_code == 302
    lunch.refresh_from_db()
    assert (lunch.start_time, lunch.description) == (time(13), "Bring a dish.")
    assert {local(e.start) for e in Event.objects.filter(series=lunch)} == {time(13)}
    assert Outbox.objects.filter(kind="events.event_changed").count() == told  # not again


def test_the_page_says_another_chapters_occurrence_stays(organiser_client, chapter, lunch, staff):
    """An occurrence staff moved to another chapter (a joint lunch) is not the series
    organiser's: a new time leaves it, and the page says why, with its date."""
    joint = Event.objects.filter(series=lunch).order_by("start")[1]
    services.event_update(event=joint, actor=staff, data={"chapter": ChapterFactory(name="Liège")})
    response = organiser_client.post(
        f"/organise/series/{lunch.pk}/edit/",
        _shown(organiser_client, lunch) | {"start_time": "13:00"},
        follow=True,
    )
    text = response.content.decode()
    assert "it stays as it is: it is now an event of a chapter you do not organise." in text
    joint.refresh_from_db()
    assert local(joint.start) == time(12, 30)
    others = Event.objects.filter(series=lunch).exclude(pk=joint.pk)
    assert {local(e.start) for e in others} == {time(13)}
    n = others.count()
    assert f"{n} upcoming occurrences follow the change." in text
    assert f"The registrants of {n} moved occurrences are told their new time" in text


def test_a_rule_the_picker_cannot_read_can_be_replaced_from_the_console(
    organiser_client, chapter, lunch
):
    """A rule typed by hand that no longer reads (UNTIL in UTC): the form offers to keep it,
    the organiser picks Tuesdays instead — saved (was a 400 about the old rule)."""
    EventSeries.objects.filter(pk=lunch.pk).update(
        rrule="FREQ=WEEKLY;BYDAY=TH;UNTIL=20301231T000000Z"
    )
    shown = _shown(organiser_client, lunch)
    assert shown["rrule_pattern"] == "current"
    response = organiser_client.post(
        f"/organise/series/{lunch.pk}/edit/",
        shown | {"rrule_pattern": "weekly", "rrule_weekday": "TU"},
        follow=True,
    )
    assert response.redirect_chain
    lunch.refresh_from_db()
    assert lunch.rrule == "FREQ=WEEKLY;BYDAY=TU"
    # The Thursdays had registrants: kept for the organiser to cancel; Tuesdays added.
    days = {e.series_date.isoweekday() for e in Event.objects.filter(series=lunch)}
    assert days == {2, 4}
    assert "the series no longer has this date" in response.content.decode()


def test_editing_a_stopped_series_makes_no_new_occurrence(organiser_client, chapter, lunch):
    """Staff stopped the lunch (inactive) after its first weeks; the organiser corrects its
    description: no new lunch is created, published and announced (was: the console's save
    generated the next eight weeks of a series nobody runs any more)."""
    Event.objects.filter(series=lunch).order_by("-start")[0].delete()  # one week less made
    EventSeries.objects.filter(pk=lunch.pk).update(
        active=False, generated_until=timezone.localdate()
    )
    before = set(Event.objects.filter(series=lunch).values_list("pk", flat=True))
    response = organiser_client.post(
        f"/organise/series/{lunch.pk}/edit/",
        _shown(organiser_client, lunch) | {"description": "On hold."},
        follow=True,
    )
    assert response.redirect_chain
    assert set(Event.objects.filter(series=lunch).values_list("pk", flat=True)) == before
    assert "0 occurrences created" in response.content.decode()
