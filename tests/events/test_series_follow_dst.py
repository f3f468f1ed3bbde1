"""A series' new time reaches its occurrences on the nights the clocks change too (an
occurrence starting or ending in the hour skipped or repeated still follows its series)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from betacowork.messaging.models import Outbox
from events import services
from events.models import Event

from .factories import EventSeriesFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")


def save(series, actor, **changes):
    values = {name: getattr(series, name) for name in services.SERIES_FIELDS}
    return services.series_save(actor=actor, series=series, **{**values, **changes})


def local_times(event: Event) -> tuple[datetime, datetime]:
    return tuple(t.astimezone(BRUSSELS).replace(tzinfo=None) for t in (event.start, event.end))


@pytest.mark.parametrize(
    ("rule", "start_time", "minutes", "starts_on", "night", "new_time", "expected"),
    [
        # Saturday 22:00 for 4 hours: on 30 October 2027 it ends at 02:00, in the hour that
        # comes twice. At 21:00 it ends at 01:00.
        (
            "FREQ=WEEKLY;BYDAY=SA",
            time(22),
            240,
            date(2027, 10, 16),
            date(2027, 10, 30),
            time(21),
            (datetime(2027, 10, 30, 21), datetime(2027, 10, 31, 1)),
        ),
        # Sunday 02:30: on 28 March 2027 an hour the clocks skip (the occurrence is at 03:30).
        (
            "FREQ=WEEKLY;BYDAY=SU",
            time(2, 30),
            60,
            date(2027, 3, 14),
            date(2027, 3, 28),
            time(4),
            (datetime(2027, 3, 28, 4), datetime(2027, 3, 28, 5)),
        ),
        # Sunday 02:30: on 31 October 2027 an hour that comes twice.
        (
            "FREQ=WEEKLY;BYDAY=SU",
            time(2, 30),
            60,
            date(2027, 10, 17),
            date(2027, 10, 31),
            time(4),
            (datetime(2027, 10, 31, 4), datetime(2027, 10, 31, 5)),
        ),
    ],
    ids=["saturday-night-ending-twice", "sunday-skipped-hour", "sunday-repeated-hour"],
)
def test_a_new_time_reaches_the_occurrence_of_a_dst_night(
    organiser, rule, start_time, minutes, starts_on, night, new_time, expected
):
    series = EventSeriesFactory(
        rrule=rule, start_time=start_time, duration_minutes=minutes, starts_on=starts_on
    )
    services.series_generate(series=series, until=starts_on + timedelta(weeks=3))
    result = save(series, organiser, start_time=new_time)
    occurrences = {e.series_date: e for e in Event.objects.filter(series=series)}
    assert len(occurrences) == 4
    assert local_times(occurrences[night]) == expected
    assert not occurrences[night].detached
    # Every occurrence follows, that night's among them (reported to the organiser as such).
    assert {e.series_date for e in result.followed.changed} == set(occurrences)
    assert result.followed.kept == []
    for day, event in occurrences.items():
        assert event.start.astimezone(BRUSSELS).time() == new_time, day


def test_the_same_instant_written_otherwise_is_no_move_its_registrants_hear_of(organiser):
    """03:30 becomes 02:30: on 28 March 2027, when 02:30 is skipped, that is still 03:30."""
    series = EventSeriesFactory(
        rrule="FREQ=WEEKLY;BYDAY=SU",
        start_time=time(3, 30),
        duration_minutes=60,
        starts_on=date(2027, 3, 21),
    )
    services.series_generate(series=series, until=date(2027, 4, 4))
    occurrences = {e.series_date: e for e in Event.objects.filter(series=series)}
    night, after = occurrences[date(2027, 3, 28)], occurrences[date(2027, 4, 4)]
    RegistrationFactory(event=night)
    moved_seat = RegistrationFactory(event=after)
    result = save(series, organiser, start_time=time(2, 30))
    night.refresh_from_db()
    after.refresh_from_db()
    assert local_times(night) == (datetime(2027, 3, 28, 3, 30), datetime(2027, 3, 28, 4, 30))
    assert night.version == 1  # its calendar entry is unchanged
    assert after.version == 2
    # Only the registrant of an occurrence that really moved is told.
    told = Outbox.objects.filter(kind="events.event_changed")
    assert [o.dedup_key for o in told] == [f"event-changed:{after.pk}:v2:{moved_seat.pk}"]
    assert result.followed.moved == 2  # 21 March and 4 April
