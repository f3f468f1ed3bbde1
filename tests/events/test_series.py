"""Recurring series: wall-clock time across both DST changes, idempotent generation."""

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import Event

from .factories import EventSeriesFactory

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
UTC = ZoneInfo("UTC")


@pytest.fixture
def frozen_today(monkeypatch):
    """Generation starts from 'today': pin it so the dates in these tests stay fixed."""

    def pin(day: date):
        monkeypatch.setattr("events.services.series.timezone.localdate", lambda *a, **k: day)

    return pin


def test_weekly_tuesday_lunch_keeps_1230_local_across_spring_dst(frozen_today):
    # Europe/Brussels goes CET → CEST on Sunday 28 March 2027.
    frozen_today(date(2027, 3, 1))
    series = EventSeriesFactory(
        start_time=time(12, 30), starts_on=date(2027, 3, 1), rrule="FREQ=WEEKLY;BYDAY=TU"
    )
    created = services.series_generate(series=series, until=date(2027, 4, 14))
    days = [e.series_date for e in created]
    assert days == [date(2027, 3, d) for d in (2, 9, 16, 23, 30)] + [
        date(2027, 4, 6),
        date(2027, 4, 13),
    ]
    for event in created:
        local = event.start.astimezone(BRUSSELS)
        assert (local.hour, local.minute) == (12, 30)
        assert event.end - event.start == timedelta(minutes=90)
        assert event.end.astimezone(BRUSSELS).time() == time(14, 0)
    before = next(e for e in created if e.series_date == date(2027, 3, 23))
    after = next(e for e in created if e.series_date == date(2027, 3, 30))
    assert before.start.astimezone(UTC).hour == 11  # CET = UTC+1
    assert after.start.astimezone(UTC).hour == 10  # CEST = UTC+2


def test_first_thursday_1800_across_autumn_dst(frozen_today):
    # CEST → CET on Sunday 31 October 2027.
    frozen_today(date(2027, 9, 1))
    series = EventSeriesFactory(
        title="Switch IT Day",
        start_time=time(18, 0),
        duration_minutes=180,
        starts_on=date(2027, 9, 1),
        rrule="FREQ=MONTHLY;BYDAY=1TH",
    )
    created = services.series_generate(series=series, until=date(2027, 12, 31))
    assert [e.series_date for e in created] == [
        date(2027, 9, 2),
        date(2027, 10, 7),
        date(2027, 11, 4),
        date(2027, 12, 2),
    ]
    utc_hours = [e.start.astimezone(UTC).hour for e in created]
    assert utc_hours == [16, 16, 17, 17]
    assert all(e.start.astimezone(BRUSSELS).time() == time(18, 0) for e in created)


def test_event_on_the_dst_night_lasts_its_real_duration(frozen_today):
    # A Sunday event starting 01:30 on the autumn DST night: 2 hours elapsed, not 3.
    frozen_today(date(2027, 10, 1))
    series = EventSeriesFactory(
        start_time=time(1, 30),
        duration_minutes=120,
        starts_on=date(2027, 10, 1),
        rrule="FREQ=WEEKLY;BYDAY=SU",
    )
    created = services.series_generate(series=series, until=date(2027, 10, 31))
    night = next(e for e in created if e.series_date == date(2027, 10, 31))
    night.refresh_from_db()  # aware datetimes in one zone subtract as wall clocks: use UTC
    assert night.end - night.start == timedelta(hours=2)
    assert night.end.astimezone(BRUSSELS).time() == time(2, 30)


def test_generation_is_idempotent_and_leaves_edited_and_cancelled_occurrences_alone(
    frozen_today,
):
    frozen_today(date(2027, 3, 1))
    series = EventSeriesFactory(starts_on=date(2027, 3, 1), start_time=time(12, 30))
    first = services.series_generate(series=series, until=date(2027, 3, 31))
    assert len(first) == 5
    edited, cancelled, deleted = first[0], first[1], first[2]
    services.event_update(event=edited, data={"title": "Special lunch", "room": "Garden"})
    services.event_cancel(event=cancelled, actor=None)
    deleted.delete()
    series.generated_until = None  # even when told to start over…
    series.save()
    again = services.series_generate(series=series, until=date(2027, 3, 31))
    assert [e.series_date for e in again] == [deleted.series_date]  # …only the deleted one
    edited.refresh_from_db()
    cancelled.refresh_from_db()
    assert edited.title == "Special lunch"
    assert edited.detached
    assert cancelled.status == Event.Status.CANCELLED
    assert Event.objects.filter(series=series).count() == 5
    # Normal runs continue after generated_until and never revisit old dates.
    assert services.series_generate(series=series, until=date(2027, 3, 31)) == []
    later = services.series_generate(series=series, until=date(2027, 4, 7))
    assert [e.series_date for e in later] == [date(2027, 4, 6)]


def test_a_rule_that_generates_nothing_is_a_clear_error(frozen_today):
    frozen_today(date(2027, 3, 1))
    series = EventSeriesFactory(
        starts_on=date(2027, 3, 1), rrule="FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"
    )
    with pytest.raises(ValidationError) as exc:
        services.series_generate(series=series)
    assert "generates no date" in " ".join(exc.value.messages)


@pytest.mark.parametrize("rule", ["FREQ=SOMETIMES", "nonsense", "FREQ=WEEKLY;BYDAY=XX", ""])
def test_malformed_rules_are_clear_errors(rule):
    series = EventSeriesFactory.build(starts_on=date(2027, 3, 1), rrule=rule, start_time=time(12))
    with pytest.raises(ValidationError) as exc:
        services.series_rule(series)
    assert "rrule" in exc.value.message_dict


def test_admin_refuses_a_rule_that_generates_nothing(client, staff):
    client.force_login(staff)
    from .factories import kind

    response = client.post(
        reverse("admin:events_eventseries_add"),
        {
            "title": "Never",
            "kind": kind("betacooks").pk,
            "start_time": "12:30",
            "duration_minutes": 90,
            # The picker: weekly on Tuesday, from Monday 1 March to that same day.
            "rrule_pattern": "weekly",
            "rrule_weekday": "TU",
            "starts_on": "2027-03-01",
            "ends_on": "2027-03-01",
            "visibility": "public",
            "weeks_ahead": 8,
            "active": "on",
            "publish": "on",
        },
    )
    assert response.status_code == 200
    assert "generates no date" in response.content.decode()


def test_admin_generate_action_reports_a_broken_series_without_a_500(client, staff):
    series = EventSeriesFactory(rrule="FREQ=WEEKLY;BYDAY=TU;UNTIL=20200101")
    client.force_login(staff)
    response = client.post(
        reverse("admin:events_eventseries_changelist"),
        {"action": "action_generate", "_selected_action": [series.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "generates no date" in response.content.decode()


def test_periodic_task_generates_active_series_and_skips_broken_ones():
    from events.tasks import series_generate_all_task

    EventSeriesFactory()
    EventSeriesFactory(title="Broken", rrule="FREQ=WEEKLY;BYDAY=TU;UNTIL=20200101")
    EventSeriesFactory(title="Inactive", active=False)
    assert series_generate_all_task() >= 8
    assert not Event.objects.filter(title__in=["Broken", "Inactive"]).exists()


def test_generated_published_occurrences_are_announced_once_to_followers(mailoutbox):
    from betacowork.messaging.models import Outbox
    from events.services import series_generate
    from tests.factories import ChapterFactory, UserFactory

    chapter = ChapterFactory(name="Charleroi")
    follower, stranger = UserFactory(), UserFactory()
    chapter.followers.add(follower)
    series = EventSeriesFactory(chapter=chapter, rrule="FREQ=MONTHLY;BYDAY=1TH", publish=True)
    created = series_generate(series=series, until=timezone.localdate() + timedelta(days=70))
    # On a first Thursday the day's occurrence may already have begun: it is generated but,
    # being past, not announced (chapter_announcement_write announces upcoming events only).
    upcoming = [event for event in created if event.start > timezone.now()]
    assert len(upcoming) >= 2
    # The follower hears of the series once, not of each of its dates.
    rows = Outbox.objects.filter(kind="events.chapter_announcement")
    assert list(rows.values_list("recipient_id", "dedup_key", "topic")) == [
        (
            follower.pk,
            f"chapter-announce-series:{series.pk}:{follower.pk}",
            f"event:{upcoming[0].pk}",
        )
    ]
    series_generate(series=series, until=timezone.localdate() + timedelta(days=140))
    assert rows.count() == 1
    assert not rows.filter(recipient=stranger).exists()
