"""When the evening runs and when the door opens.

- A speed-networking round starts from 2 hours before the event's start until 6 hours after
  its end (`round_start_closed`): before, the organiser is told when rounds can start; after,
  that the evening is over. Planning and late changes (they rewrite only rounds not played)
  stay allowed any time.
- Check-in opens at 00:00 Brussels time on the day of the event's start, or two hours before
  the start when that is earlier (an event just after midnight) (`check_in_closed`), and stays
  open afterwards (attendance recorded late); undo is allowed whenever someone is checked in.

The edges are tested in winter (UTC+1) and in summer (UTC+2).
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from events import services
from events.models import Meeting, NetworkingSession, Registration, Round
from events.speed_networking import services as networking

from .factories import EventFactory, RegistrationFactory, kind
from .test_speed_networking_services import attend

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
MINUTE = timedelta(minutes=1)


def brussels(*args) -> datetime:
    return datetime(*args, tzinfo=BRUSSELS)


def evening_at(start: datetime, *, hours: int = 2, **fields):
    return EventFactory(
        title="Speed Networking evening",
        kind=kind("speed-networking"),
        capacity=None,
        start=start,
        end=start + timedelta(hours=hours),
        **fields,
    )


def planned_evening(start: datetime, **fields):
    """An evening at `start` (Brussels), 4 people checked in, 3 rounds planned (planning is
    allowed any time: organisers plan ahead)."""
    event = evening_at(start, **fields)
    attend(event, 4)
    networking.networking_plan(event=event, actor=None, rounds=3)
    return event


def nothing_started(event) -> None:
    session = NetworkingSession.objects.get(event=event)
    assert session.current_round == 0
    assert session.round_started_at is None
    assert not Round.objects.filter(session=session, started_at__isnull=False).exists()
    assert not Meeting.objects.filter(event=event).exists()


# --- rounds: the service, at the window's edges -----------------------------------------------

WINTER = brussels(2026, 1, 15, 19, 0)  # UTC+1
SUMMER = brussels(2026, 7, 15, 19, 0)  # UTC+2


@pytest.mark.parametrize(
    ("start", "when"),
    [(WINTER, "15/01/2026 17:00"), (SUMMER, "15/07/2026 17:00")],
    ids=["winter", "summer"],
)
def test_a_round_starts_from_two_hours_before_the_start(start, when):
    event = planned_evening(start)
    too_early = start - timedelta(hours=2) - MINUTE
    with pytest.raises(ValidationError) as refused:
        networking.networking_round_start(event=event, actor=None, now=too_early)
    assert refused.value.code == "too_early"
    assert refused.value.messages == [f"Rounds can start from {when}."]
    nothing_started(event)

    at = start - timedelta(hours=2)
    rnd = networking.networking_round_start(event=event, actor=None, now=at)
    assert rnd.number == 1
    assert rnd.started_at == at
    assert Meeting.objects.filter(event=event).count() == 2  # two tables of two
    assert set(Meeting.objects.values_list("met_on", flat=True)) == {start.date()}


@pytest.mark.parametrize(
    ("start", "day"),
    [(WINTER, "Jan. 15, 2026"), (SUMMER, "July 15, 2026")],
    ids=["winter", "summer"],
)
def test_a_round_starts_until_six_hours_after_the_end(start, day):
    event = planned_evening(start)  # ends at 21:00: rounds start until 03:00 the next day
    late = event.end + timedelta(hours=6)
    with pytest.raises(ValidationError) as refused:
        networking.networking_round_start(event=event, actor=None, now=late + MINUTE)
    assert refused.value.code == "over"
    assert refused.value.messages == [
        f"This evening ended on {day}: its rounds can no longer start."
    ]
    nothing_started(event)

    rnd = networking.networking_round_start(event=event, actor=None, now=late)
    assert rnd.number == 1
    # Met at the evening: dated the day of the click (after midnight, the next day).
    assert set(Meeting.objects.values_list("met_on", flat=True)) == {late.date()}


def test_the_refusal_is_written_in_the_active_language():
    event = planned_evening(WINTER)
    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        networking.networking_round_start(event=event, actor=None, now=WINTER - timedelta(days=7))
    assert "15/01/2026 17:00" in refused.value.messages[0]
    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        networking.networking_round_start(event=event, actor=None, now=WINTER + timedelta(days=7))
    assert "15 janvier 2026" in refused.value.messages[0]


def test_the_next_rounds_of_a_started_evening_follow_the_same_window():
    event = planned_evening(WINTER)
    networking.networking_round_start(event=event, actor=None, now=WINTER)
    with pytest.raises(ValidationError, match="its rounds can no longer start"):
        networking.networking_round_start(event=event, actor=None, now=WINTER + timedelta(days=1))
    session = NetworkingSession.objects.get(event=event)
    assert session.current_round == 1
    assert Round.objects.filter(session=session, started_at__isnull=False).count() == 1


def test_planning_and_late_changes_stay_allowed_before_the_window():
    """They rewrite only rounds not played and record no meeting: organisers plan ahead."""
    start = timezone.now() + timedelta(days=7)
    event = planned_evening(start)
    late = attend(event, 1)[0]  # checked in (as before the rule: the row says so)
    networking.networking_arrive(event=event, actor=None, user=late)
    networking.networking_leave(event=event, actor=None, user=late)
    networking.networking_plan(event=event, actor=None, rounds=4)
    assert Round.objects.filter(session__event=event).count() == 4
    nothing_started(event)


# --- rounds: the run page ----------------------------------------------------------------------


def run(event):
    return reverse("events:networking:run", kwargs={"slug": event.slug})


def start_round(event):
    return reverse("events:networking:next", kwargs={"slug": event.slug})


def test_the_run_page_says_when_rounds_can_start_and_offers_no_start_button(client, staff):
    start = timezone.now() + timedelta(days=3)
    event = planned_evening(start)
    client.force_login(staff)
    page = client.get(run(event)).content.decode()
    opens = date_format(timezone.localtime(start - timedelta(hours=2)), "SHORT_DATETIME_FORMAT")
    assert f"Rounds can start from {opens}." in page
    assert "Start round 1" not in page
    assert start_round(event) not in page
    assert "Plan again" in page  # planning stays offered

    response = client.post(start_round(event), {"expected": 1})
    assert response.status_code == 400
    assert f"Rounds can start from {opens}." in response.content.decode()
    nothing_started(event)


def test_the_run_page_of_an_evening_long_over_says_so(client, staff):
    start = timezone.now() - timedelta(days=3)
    event = planned_evening(start)
    client.force_login(staff)
    page = client.get(run(event)).content.decode()
    day = date_format(timezone.localtime(event.end), "DATE_FORMAT")
    refusal = f"This evening ended on {day}: its rounds can no longer start."
    assert refusal in page
    assert "Start round 1" not in page

    response = client.post(start_round(event), {"expected": 1})
    assert response.status_code == 400
    assert refusal in response.content.decode()
    nothing_started(event)


def test_the_run_page_offers_the_start_button_during_the_evening(client, staff):
    event = planned_evening(timezone.now() + timedelta(hours=1))
    client.force_login(staff)
    page = client.get(run(event)).content.decode()
    assert "Start round 1" in page
    assert "Rounds can start from" not in page
    response = client.post(start_round(event), {"expected": 1})
    assert response.status_code == 302
    assert NetworkingSession.objects.get(event=event).current_round == 1


def finish(event):
    return reverse("events:networking:finish", kwargs={"slug": event.slug})


def test_the_evening_cannot_be_finished_before_it_begins(client, staff):
    """ "Finish the evening" drops every round not played: a week ahead it would throw the
    plan away before anyone met. Not offered, and refused, until rounds can start."""
    start = timezone.now() + timedelta(days=3)
    event = planned_evening(start)
    client.force_login(staff)
    page = client.get(run(event)).content.decode()
    assert "Finish the evening" not in page
    assert finish(event) not in page
    response = client.post(finish(event))
    assert response.status_code == 400
    opens = date_format(timezone.localtime(start - timedelta(hours=2)), "SHORT_DATETIME_FORMAT")
    assert (
        f"The evening has not begun: there is nothing to finish yet. Rounds can start from "
        f"{opens}." in response.content.decode()
    )
    session = NetworkingSession.objects.get(event=event)
    assert session.finished_at is None
    assert Round.objects.filter(session=session).count() == 3  # the plan is intact


@pytest.mark.parametrize("when", ["during", "long after"])
def test_the_evening_can_be_finished_during_it_and_after_it(client, staff, when):
    start = timezone.now() + (timedelta(hours=1) if when == "during" else -timedelta(days=3))
    event = planned_evening(start)
    client.force_login(staff)
    assert "Finish the evening" in client.get(run(event)).content.decode()
    assert client.post(finish(event)).status_code == 302
    assert NetworkingSession.objects.get(event=event).finished_at is not None


# --- check-in: the service, at the day's edges --------------------------------------------------


def registration_at(start: datetime, **fields) -> Registration:
    return RegistrationFactory(
        event=EventFactory(title="Lunch", start=start, end=start + timedelta(hours=2)), **fields
    )


@pytest.mark.parametrize(
    ("start", "midnight_utc", "day"),
    [
        (brussels(2026, 1, 15, 9, 30), datetime(2026, 1, 14, 23, 0, tzinfo=UTC), "Jan. 15, 2026"),
        (brussels(2026, 7, 15, 19, 0), datetime(2026, 7, 14, 22, 0, tzinfo=UTC), "July 15, 2026"),
    ],
    ids=["winter", "summer"],
)
def test_check_in_opens_at_midnight_brussels_on_the_events_day(staff, start, midnight_utc, day):
    registration = registration_at(start)
    assert brussels(start.year, start.month, start.day) == midnight_utc
    with pytest.raises(ValidationError) as refused:
        services.registration_check_in(
            registration=registration, actor=staff, now=midnight_utc - MINUTE
        )
    assert refused.value.code == "not_yet"
    assert refused.value.messages == [f"Check-in opens on {day}."]
    registration.refresh_from_db()
    assert registration.checked_in_at is None

    services.registration_check_in(registration=registration, actor=staff, now=midnight_utc)
    registration.refresh_from_db()
    assert registration.checked_in_at == midnight_utc
    assert registration.checked_in_by == staff


def test_an_event_just_after_midnight_opens_its_door_two_hours_ahead(staff):
    """At 00:30 the door opens at 22:30 the evening before, not half an hour ahead."""
    registration = registration_at(brussels(2026, 1, 15, 0, 30))
    opens = brussels(2026, 1, 14, 22, 30)
    with pytest.raises(ValidationError) as refused:
        services.registration_check_in(registration=registration, actor=staff, now=opens - MINUTE)
    assert refused.value.messages == ["Check-in opens at 22:30."]
    with pytest.raises(ValidationError) as refused:
        services.registration_check_in(
            registration=registration, actor=staff, now=opens - timedelta(days=1)
        )
    assert refused.value.messages == ["Check-in opens on Jan. 14, 2026."]

    services.registration_check_in(registration=registration, actor=staff, now=opens)
    registration.refresh_from_db()
    assert registration.checked_in_at == opens


def test_check_in_stays_open_after_the_event(staff):
    """An organiser may record attendance late."""
    registration = registration_at(brussels(2026, 1, 15, 12, 30))
    later = brussels(2026, 2, 1, 9, 0)
    services.registration_check_in(registration=registration, actor=staff, now=later)
    registration.refresh_from_db()
    assert registration.checked_in_at == later


def test_undo_stays_allowed_before_the_day(staff):
    """Someone checked in early (before the rule) can still be un-checked."""
    registration = registration_at(timezone.now() + timedelta(days=5), checked_in_at=timezone.now())
    services.registration_check_in_undo(registration=registration, actor=staff)
    registration.refresh_from_db()
    assert registration.checked_in_at is None


# --- check-in: the door list ---------------------------------------------------------------------


def door(event):
    return reverse("events:check_in", kwargs={"slug": event.slug})


def toggle(registration):
    return reverse(
        "events:check_in_toggle", kwargs={"slug": registration.event.slug, "pk": registration.pk}
    )


def test_the_door_list_before_the_day_says_when_check_in_opens(client, staff, member):
    # At noon in three days: its door opens at midnight (an event just after midnight opens
    # the evening before, which this test does not ask).
    day = timezone.localdate() + timedelta(days=3)
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=12))
    registration = registration_at(start, user=member)
    early = RegistrationFactory(event=registration.event, checked_in_at=timezone.now())
    client.force_login(staff)
    page = client.get(door(registration.event)).content.decode()
    day = date_format(timezone.localdate(start), "DATE_FORMAT")
    assert f"Check-in opens on {day}." in page
    assert member.name in page  # the list is there, to read
    assert toggle(registration) not in page
    assert "Check in</span>" not in page
    assert toggle(early) in page  # someone checked in early can be un-checked

    response = client.post(toggle(registration), {"action": "in"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json() == {"error": f"Check-in opens on {day}."}
    response = client.post(toggle(registration), {"action": "in"})  # no JavaScript
    assert response.status_code == 400
    assert response.content.decode().count(f"Check-in opens on {day}.") == 1  # said once
    registration.refresh_from_db()
    assert registration.checked_in_at is None

    response = client.post(toggle(early), {"action": "undo"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["checked_in"] is False
    # The script removes the row's button: checking in again is not possible before the day.
    assert response.json()["open"] is False


def test_the_door_list_on_the_day_offers_the_buttons(client, staff, member):
    registration = registration_at(timezone.now(), user=member)
    client.force_login(staff)
    page = client.get(door(registration.event)).content.decode()
    assert "Check-in opens on" not in page
    assert toggle(registration) in page
    response = client.post(toggle(registration), {"action": "in"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["checked_in"] is True
