"""A series' change carried to its upcoming occurrences (`series_follow`): field by field,
those edited on their own, cancelled or past left alone, registrants told of a move."""

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from betacowork.messaging.models import Outbox
from events import services
from events.models import Event, EventSeries, Registration

from .factories import EventSeriesFactory, RegistrationFactory, SpeakerFactory

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
MONDAY = date(2027, 3, 1)  # the series' first date; "today" for generation (see `pinned`)
TUESDAYS = [date(2027, 3, d) for d in (2, 9, 16, 23, 30)]


@pytest.fixture
def pinned(monkeypatch):
    """Generation starts from 'today': Monday 1 March 2027 (the real now stays earlier, so
    every occurrence is upcoming)."""
    monkeypatch.setattr("events.services.series.timezone.localdate", lambda *a, **k: MONDAY)


@pytest.fixture
def series(pinned):
    series = EventSeriesFactory(starts_on=MONDAY, start_time=time(12, 30), capacity=20)
    services.series_generate(series=series, until=date(2027, 3, 31))
    return series


def occurrences(series) -> dict[date, Event]:
    return {e.series_date: e for e in Event.objects.filter(series=series)}


def fields(series, **changes) -> dict:
    values = {name: getattr(series, name) for name in services.SERIES_FIELDS}
    return {**values, **changes}


def local(moment) -> time:
    return moment.astimezone(BRUSSELS).time()


def test_upcoming_occurrences_take_the_new_title_and_time_and_registrants_are_told(
    series, organiser
):
    first = occurrences(series)[TUESDAYS[0]]
    seat = RegistrationFactory(event=first)
    result = services.series_save(
        actor=organiser, series=series, **fields(series, title="Tuesday lunch", start_time=time(13))
    )
    assert len(result.followed.changed) == 5
    for event in occurrences(series).values():
        assert event.title == "Tuesday lunch"
        assert (local(event.start), local(event.end)) == (time(13), time(14, 30))
        assert not event.detached  # still follows: the next change reaches it too
    first.refresh_from_db()
    assert first.version == 2
    told = Outbox.objects.get(kind="events.event_changed")
    assert told.dedup_key == f"event-changed:{first.pk}:v2:{seat.pk}"


def test_an_occurrence_edited_on_its_own_a_cancelled_one_and_a_set_field_stay(series, organiser):
    days = occurrences(series)
    edited, cancelled, private = days[TUESDAYS[0]], days[TUESDAYS[1]], days[TUESDAYS[2]]
    services.event_update(event=edited, data={"title": "Special lunch"})
    services.event_cancel(event=cancelled)
    # Visibility set on one occurrence does not detach it: its other fields still follow.
    services.event_update(event=private, data={"visibility": Event.Visibility.MEMBERS})
    result = services.series_save(
        actor=organiser,
        series=series,
        **fields(series, title="Tuesday lunch", visibility=Event.Visibility.MEMBERS, room="Loft"),
    )
    assert result.followed.apart == 1
    edited.refresh_from_db()
    cancelled.refresh_from_db()
    private.refresh_from_db()
    assert (edited.title, edited.room) == ("Special lunch", "")
    assert (cancelled.title, cancelled.status) == ("Betacooks", Event.Status.CANCELLED)
    assert (private.title, private.room) == ("Tuesday lunch", "Loft")
    assert private.visibility == Event.Visibility.MEMBERS
    untouched = days[TUESDAYS[3]]
    untouched.refresh_from_db()
    assert untouched.visibility == Event.Visibility.MEMBERS


def test_a_past_occurrence_keeps_what_it_was(series, organiser):
    past = occurrences(series)[TUESDAYS[0]]
    Event.objects.filter(pk=past.pk).update(
        start=timezone.now() - timedelta(days=1), end=timezone.now() - timedelta(hours=22)
    )
    services.series_save(actor=organiser, series=series, **fields(series, title="Renamed"))
    past.refresh_from_db()
    assert past.title == "Betacooks"


def test_a_capacity_under_an_occurrences_confirmed_seats_keeps_that_one_with_the_reason(
    series, organiser
):
    full = occurrences(series)[TUESDAYS[1]]
    RegistrationFactory.create_batch(3, event=full)
    result = services.series_save(actor=organiser, series=series, **fields(series, capacity=2))
    assert [event.pk for event, _reason in result.followed.kept] == [full.pk]
    assert "already confirmed" in result.followed.kept[0][1]
    full.refresh_from_db()
    assert full.capacity == 20
    assert {e.capacity for e in occurrences(series).values() if e.pk != full.pk} == {2}


def test_a_refused_field_stays_and_the_others_still_follow(series, organiser):
    full = occurrences(series)[TUESDAYS[1]]
    RegistrationFactory.create_batch(3, event=full)
    result = services.series_save(
        actor=organiser, series=series, **fields(series, title="Lunch", capacity=2)
    )
    full.refresh_from_db()
    assert (full.title, full.capacity) == ("Lunch", 20)  # the title followed
    assert "its capacity stays" in result.followed.kept[0][1]
    # It still follows: the next change reaches it too.
    services.series_save(
        actor=organiser, series=result.series, **fields(result.series, title="Tuesday lunch")
    )
    full.refresh_from_db()
    assert full.title == "Tuesday lunch"


def test_an_inactive_series_gains_no_occurrence_from_a_new_rule(series, organiser):
    EventSeries.objects.filter(pk=series.pk).update(active=False)
    series.refresh_from_db()
    result = services.series_save(
        actor=organiser, series=series, **fields(series, rrule="FREQ=WEEKLY;BYDAY=WE")
    )
    assert result.followed.created == []
    assert not Event.objects.filter(series=series, series_date__week_day=4).exists()


def test_a_raised_capacity_seats_the_waitlist(series, organiser):
    event = occurrences(series)[TUESDAYS[0]]
    services.series_save(actor=organiser, series=series, **fields(series, capacity=1))
    RegistrationFactory(event=event)
    waiting = RegistrationFactory(event=event, status=Registration.Status.WAITLISTED)
    services.series_save(actor=organiser, series=series, **fields(series, capacity=2))
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED


def test_a_new_rule_removes_empty_dates_keeps_busy_ones_and_adds_its_own(series, organiser):
    days = occurrences(series)
    busy, spoken = days[TUESDAYS[1]], days[TUESDAYS[2]]
    RegistrationFactory(event=busy)
    SpeakerFactory(event=spoken)
    result = services.series_save(
        actor=organiser, series=series, **fields(series, rrule="FREQ=WEEKLY;BYDAY=WE")
    )
    followed = result.followed
    assert sorted(followed.removed) == [TUESDAYS[0], TUESDAYS[3], TUESDAYS[4]]
    assert {event.pk for event, _reason in followed.kept} == {busy.pk, spoken.pk}
    assert "no longer has this date" in followed.kept[0][1]
    wednesdays = [date(2027, 3, d) for d in (3, 10, 17, 24, 31)]
    assert [e.series_date for e in followed.created] == wednesdays
    assert sorted(occurrences(series)) == sorted([TUESDAYS[1], TUESDAYS[2], *wednesdays])
    # Generation goes on from where it was, on Wednesdays, nothing twice.
    later = services.series_generate(series=result.series, until=date(2027, 4, 14))
    assert [e.series_date for e in later] == [date(2027, 4, 7), date(2027, 4, 14)]


def test_a_time_that_would_already_have_started_keeps_todays_occurrence(
    series, organiser, monkeypatch
):
    soon = occurrences(series)[TUESDAYS[0]]
    # The clock at 14:00 today (three hours before an hour from now is today, whatever the
    # hour the suite runs at; `localtime()` and `localdate()` read `now`).
    two_pm = timezone.localtime().replace(hour=14, minute=0, second=0, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: two_pm)
    # Made today's lunch, an hour from now, as the series makes it; the series is then moved
    # three hours earlier, which would put it in the past.
    start = timezone.localtime(timezone.now() + timedelta(hours=1)).replace(second=0, microsecond=0)
    earlier = (start - timedelta(hours=3)).time()
    series.start_time = start.time()
    series.save()
    Event.objects.filter(pk=soon.pk).update(
        start=start, end=start + timedelta(minutes=90), series_date=start.date()
    )
    result = services.series_save(
        actor=organiser, series=series, **fields(series, start_time=earlier)
    )
    assert [event.pk for event, _reason in result.followed.kept] == [soon.pk]
    assert "already have started" in result.followed.kept[0][1]


def test_a_new_series_follows_nothing(pinned, organiser):
    series = EventSeriesFactory.build(starts_on=MONDAY)
    values = {name: getattr(series, name) for name in services.SERIES_FIELDS}
    values["space"] = None
    result = services.series_save(actor=organiser, **values)
    assert result.followed is None
    assert result.series.pk


# The organiser console: the page says what the change did.

from . import test_console_forms as shared  # noqa: E402

chapter = shared.chapter
organiser_client = shared.organiser_client


def test_the_console_tells_the_organiser_what_followed(organiser_client, chapter):
    weekly = {"rrule_pattern": "weekly", "rrule_weekday": "TH"}
    created = organiser_client.post("/organise/series/new/", shared._series(chapter, **weekly))
    assert created.status_code == 302
    series = EventSeries.objects.get()
    upcoming = list(Event.objects.filter(series=series).order_by("start"))
    assert len(upcoming) >= 2
    services.event_update(event=upcoming[0], data={"title": "Special edition"})
    Event.objects.filter(series=series).update(status=Event.Status.PUBLISHED)
    page = organiser_client.get(f"/organise/series/{series.pk}/edit/").content.decode()
    assert "Upcoming occurrences follow what you change here" in page
    response = organiser_client.post(
        f"/organise/series/{series.pk}/edit/",
        shared._series(chapter, title="Switch IT evening", start_time="19:00", **weekly),
        follow=True,
    )
    text = response.content.decode()
    n = len(upcoming) - 1
    assert f"{n} upcoming occurrence{'s' if n > 1 else ''} follow" in text
    assert "1 upcoming occurrence edited on its own keeps its edits." in text
    # Moved (19:00), published: their registrants are told, and the page says so.
    assert f"The registrants of {n} moved occurrence" in text
    # A title alone moves nothing: nobody is told, and the page does not say they are.
    text = organiser_client.post(
        f"/organise/series/{series.pk}/edit/",
        shared._series(chapter, title="Switch IT night", start_time="19:00", **weekly),
        follow=True,
    ).content.decode()
    assert f"{n} upcoming occurrence{'s' if n > 1 else ''} follow" in text
    assert "moved occurrence" not in text
    titles = set(Event.objects.filter(series=series).values_list("title", flat=True))
    assert titles == {"Special edition", "Switch IT night"}


def _admin_change(client, series, **changes):
    """The admin's change form of `series` as the fixture made it, with these changes."""
    data = {
        "title": series.title,
        "kind": series.kind_id,
        "description": "",
        "start_time": "12:30",
        "duration_minutes": 90,
        "rrule_pattern": "weekly",
        "rrule_weekday": "TU",
        "starts_on": MONDAY.isoformat(),
        "ends_on": "",
        "space": series.space_id,
        "room": "",
        "capacity": 20,
        "visibility": "public",
        "publish": "on",
        "weeks_ahead": 8,
        "active": "on",
        **changes,
    }
    return client.post(f"/admin/events/eventseries/{series.pk}/change/", data, follow=True)


def test_the_admins_change_form_carries_the_change_too(series, client, staff):
    first = occurrences(series)[TUESDAYS[0]]
    services.event_update(event=first, data={"title": "Special lunch"})  # on its own
    client.force_login(staff)
    response = _admin_change(client, series, title="Tuesday lunch")
    assert response.status_code == 200
    titles = sorted(e.title for e in occurrences(series).values())
    # The four that follow, and the three weeks up to `weeks_ahead` (8) the save generates
    # at once (6, 13 and 20 April), with the new title.
    assert titles == ["Special lunch"] + ["Tuesday lunch"] * 7
    page = response.content.decode()
    assert "4 upcoming occurrences follow the change" in page
    assert "3 new occurrences are generated." in page
    assert "1 upcoming occurrence edited on its own keeps its edits." in page


def test_the_admin_names_the_dates_a_new_rule_adds(series, client, staff):
    client.force_login(staff)
    response = _admin_change(client, series, rrule_weekday="WE")
    page = response.content.decode()
    assert "5 occurrences are added on the new rule&#x27;s dates" in page
    assert "5 upcoming occurrences the series no longer has" in page


def test_a_new_time_saved_in_the_admin_tells_each_registrant_once(series, client, staff):
    """Registrants of the moved occurrences get one "new time" email each — not one more
    when the same form is saved again unchanged, nor for the weeks the save generates."""
    first, second = (occurrences(series)[day] for day in TUESDAYS[:2])
    seats = [RegistrationFactory(event=first), RegistrationFactory(event=second)]
    client.force_login(staff)
    assert _admin_change(client, series, start_time="13:00").status_code == 200
    told = Outbox.objects.filter(kind="events.event_changed")
    assert sorted(told.values_list("to_email", flat=True)) == sorted(s.email for s in seats)
    assert _admin_change(client, series, start_time="13:00").status_code == 200
    assert told.count() == 2
    assert {local(e.start) for e in occurrences(series).values()} == {time(13)}
