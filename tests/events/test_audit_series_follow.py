"""Audit of series changes (`series_save`, `series_follow`, generation): what an organiser
hits when a series changes after its occurrences were generated."""

from datetime import date, time

import pytest
from django.core.exceptions import ValidationError

from betacowork.messaging.models import Outbox
from events import services
from events.models import Event, EventSeries, Registration
from tests.factories import ChapterFactory, UserFactory

from . import test_series_follow as follow
from .factories import EventSeriesFactory, RegistrationFactory, kind
from .test_series_follow import MONDAY, TUESDAYS, _admin_change, fields, local, occurrences

# The fixtures of test_series_follow.py: 'today' pinned to MONDAY, a generated series.
pinned, series = follow.pinned, follow.series

pytestmark = pytest.mark.django_db

WEDNESDAYS = [date(2027, 3, d) for d in (3, 10, 17, 24, 31)]
# A rule typed by hand before the picker existed, which dateutil cannot read any more
# (UNTIL in UTC against a local wall clock): `series_generate_all` logs it, staff fix it.
BROKEN_RULE = "FREQ=WEEKLY;BYDAY=TU;UNTIL=20271231T000000Z"


# A refused capacity is tried again ----------------------------------------------------------


def test_a_capacity_refused_once_follows_the_next_capacity_change(series, organiser):
    """20 seats lowered to 2: the lunch with 3 confirmed keeps 20 (refused). Raised to 30
    later, every lunch has 30 — that one too: it never had a capacity of its own."""
    full = occurrences(series)[TUESDAYS[1]]
    RegistrationFactory.create_batch(3, event=full)
    waiting = RegistrationFactory(event=full, status=Registration.Status.WAITLISTED)
    Event.objects.filter(pk=full.pk).update(capacity=3)  # as full as it gets
    EventSeries.objects.filter(pk=series.pk).update(capacity=3)
    Event.objects.filter(series=series).update(capacity=3)
    series.refresh_from_db()
    lowered = services.series_save(actor=organiser, series=series, **fields(series, capacity=2))
    assert [event.pk for event, _reason in lowered.followed.kept] == [full.pk]
    raised = services.series_save(
        actor=organiser, series=lowered.series, **fields(lowered.series, capacity=30)
    )
    assert {e.capacity for e in occurrences(series).values()} == {30}
    assert full.pk in {e.pk for e in raised.followed.changed}
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED  # the new seats seat the waitlist
    full.refresh_from_db()
    assert not full.detached


def test_a_value_set_on_one_occurrence_still_stays(series, organiser):
    """The other side: a field an occurrence's own edit does not detach it for (its kind)
    keeps its own value when the series changes it; its capacity follows."""
    own = occurrences(series)[TUESDAYS[0]]
    services.event_update(event=own, data={"kind": kind("it-day")})
    result = services.series_save(
        actor=organiser, series=series, **fields(series, kind=kind("talk"), capacity=30)
    )
    own.refresh_from_db()
    assert (own.kind.slug, own.capacity, own.detached) == ("it-day", 30, False)
    assert {e.kind.slug for e in occurrences(series).values() if e.pk != own.pk} == {"talk"}
    assert len(result.followed.changed) == 5


# A stored rule that cannot be read can be corrected ------------------------------------------


@pytest.fixture
def broken(series):
    EventSeries.objects.filter(pk=series.pk).update(rrule=BROKEN_RULE)
    series.refresh_from_db()
    return series


def test_a_broken_stored_rule_can_be_replaced(broken, organiser):
    result = services.series_save(
        actor=organiser, series=broken, **fields(broken, rrule="FREQ=WEEKLY;BYDAY=WE")
    )
    assert result.series.rrule == "FREQ=WEEKLY;BYDAY=WE"
    assert sorted(occurrences(broken)) == WEDNESDAYS
    assert [e.series_date for e in result.followed.created] == WEDNESDAYS


def test_a_broken_stored_rule_can_be_replaced_in_the_admin(broken, client, staff):
    """Was a 500 (the ValidationError about the old rule raised from `save_model`)."""
    client.force_login(staff)
    response = _admin_change(client, broken, rrule_weekday="WE")
    assert response.status_code == 200
    broken.refresh_from_db()
    assert broken.rrule == "FREQ=WEEKLY;BYDAY=WE"
    # The month's Wednesdays, then those up to `weeks_ahead` (8), generated at the save.
    assert sorted(occurrences(broken)) == [*WEDNESDAYS, *(date(2027, 4, d) for d in (7, 14, 21))]


# An inactive series whose rule changes ------------------------------------------------------


def test_a_series_reactivated_after_a_new_rule_makes_the_new_rules_dates(series, organiser):
    """Stopped, moved to Wednesdays, started again: the Wednesdays of March are made (they
    were not, and generation went on only after where the Tuesdays had been generated)."""
    EventSeries.objects.filter(pk=series.pk).update(active=False)
    series.refresh_from_db()
    result = services.series_save(
        actor=organiser, series=series, **fields(series, rrule="FREQ=WEEKLY;BYDAY=WE")
    )
    assert result.followed.created == []  # inactive: nothing made now
    assert sorted(result.followed.removed) == TUESDAYS
    assert occurrences(series) == {}
    EventSeries.objects.filter(pk=series.pk).update(active=True)
    series.refresh_from_db()
    made = services.series_generate(series=series, until=date(2027, 4, 7))
    assert [e.series_date for e in made] == [*WEDNESDAYS, date(2027, 4, 7)]
    # Nothing twice afterwards.
    assert services.series_generate(series=series, until=date(2027, 4, 7)) == []


def test_an_inactive_series_with_a_new_time_only_generates_as_before(series, organiser):
    EventSeries.objects.filter(pk=series.pk).update(active=False)
    series.refresh_from_db()
    services.series_save(actor=organiser, series=series, **fields(series, start_time=time(13)))
    series.refresh_from_db()
    assert series.generated_until == date(2027, 3, 31)
    assert {local(e.start) for e in occurrences(series).values()} == {time(13)}


# An occurrence moved to another chapter ------------------------------------------------------


@pytest.fixture
def two_chapters(pinned, organiser, staff):
    """Chapter A's Tuesday lunch; staff moved its second occurrence to chapter B (a joint
    lunch). `organiser` runs A only."""
    a, b = ChapterFactory(name="Brussels"), ChapterFactory(name="Charleroi")
    a.organisers.add(organiser)
    lunch = EventSeriesFactory(starts_on=MONDAY, chapter=a, capacity=20)
    services.series_generate(series=lunch, until=date(2027, 3, 31))
    joint = occurrences(lunch)[TUESDAYS[1]]
    services.event_update(event=joint, actor=staff, data={"chapter": b})
    RegistrationFactory(event=joint)
    return lunch, joint, b


def test_the_series_organiser_does_not_move_another_chapters_occurrence(two_chapters, organiser):
    lunch, joint, _b = two_chapters
    assert not organiser.has_perm("events.change_event", joint)
    result = services.series_save(
        actor=organiser, series=lunch, **fields(lunch, title="Lunch", start_time=time(14))
    )
    joint.refresh_from_db()
    assert (joint.title, local(joint.start), joint.version) == ("Betacooks", time(12, 30), 1)
    assert not Outbox.objects.filter(kind="events.event_changed").exists()  # nobody told
    assert [(e.pk, "a chapter you do not organise" in r) for e, r in result.followed.kept] == [
        (joint.pk, True)
    ]
    assert len(result.followed.changed) == 4
    assert {e.title for e in occurrences(lunch).values() if e.pk != joint.pk} == {"Lunch"}


def test_the_series_organiser_does_not_remove_another_chapters_occurrence(two_chapters, organiser):
    lunch, joint, _b = two_chapters
    joint.registrations.all().delete()
    services.series_save(
        actor=organiser, series=lunch, **fields(lunch, rrule="FREQ=WEEKLY;BYDAY=WE")
    )
    assert Event.objects.filter(pk=joint.pk).exists()


def test_who_runs_both_chapters_or_staff_move_it_too(two_chapters, organiser, staff):
    lunch, joint, b = two_chapters
    both = UserFactory(name="Runs both")
    lunch.chapter.organisers.add(both)
    b.organisers.add(both)
    services.series_save(actor=both, series=lunch, **fields(lunch, start_time=time(14)))
    joint.refresh_from_db()
    assert local(joint.start) == time(14)
    lunch.refresh_from_db()
    services.series_save(actor=staff, series=lunch, **fields(lunch, start_time=time(13)))
    joint.refresh_from_db()
    assert local(joint.start) == time(13)


# A rule typed by hand that repeats within a day ----------------------------------------------


def test_a_rule_with_two_hours_a_day_generates_one_occurrence_a_day(pinned):
    """Was an IntegrityError (one occurrence per series and date) from the periodic task and
    the admin's action: the date's second hour. Now that date's occurrence, once."""
    legacy = EventSeriesFactory(
        starts_on=MONDAY, start_time=time(12), rrule="FREQ=DAILY;BYHOUR=12,18"
    )
    made = services.series_generate(series=legacy, until=date(2027, 3, 3))
    assert [e.series_date for e in made] == [date(2027, 3, d) for d in (1, 2, 3)]
    assert {local(e.start) for e in made} == {time(12)}


@pytest.mark.parametrize("rule", ["FREQ=HOURLY", "FREQ=MINUTELY;INTERVAL=15", "FREQ=SECONDLY"])
def test_a_rule_repeating_within_a_day_is_refused(pinned, organiser, rule):
    values = fields(EventSeriesFactory.build(starts_on=MONDAY), rrule=rule, space=None)
    with pytest.raises(ValidationError) as refused:
        services.series_save(actor=organiser, **values)
    assert refused.value.message_dict["rrule"] == [
        "A series repeats at most once a day: choose a daily or longer rule."
    ]
    assert not EventSeries.objects.exists()


def test_the_admin_refuses_a_kept_rule_repeating_within_a_day(series, client, staff):
    EventSeries.objects.filter(pk=series.pk).update(rrule="FREQ=MINUTELY")
    series.refresh_from_db()
    client.force_login(staff)
    response = _admin_change(client, series, rrule_pattern="current", rrule_weekday="")
    assert response.status_code == 200
    assert "A series repeats at most once a day" in response.content.decode()
    assert set(occurrences(series)) == set(TUESDAYS)  # nothing changed


# A duration of 0 minutes ----------------------------------------------------------------------


def test_the_admin_refuses_a_series_of_0_minutes(series, client, staff):
    """Was saved, with a warning per occurrence ("its end stays"), and then the hourly
    generation stopped at this series with an IntegrityError — for every series after it."""
    client.force_login(staff)
    response = _admin_change(client, series, duration_minutes=0)
    assert "An event must end after it starts." in response.content.decode()
    series.refresh_from_db()
    assert series.duration_minutes == 90


def test_a_stored_series_of_0_minutes_does_not_stop_the_others_generation(series, pinned):
    """Saved before the check (the admin let it through): logged, and the next series is
    generated all the same."""
    EventSeries.objects.filter(pk=series.pk).update(duration_minutes=0)
    other = EventSeriesFactory(title="IT evening", starts_on=MONDAY, rrule="FREQ=WEEKLY;BYDAY=TH")
    made = services.series_generate_all(until=date(2027, 4, 14))
    assert made == 6  # the other series' Thursdays, 4 March to 8 April
    assert Event.objects.filter(series=other).count() == 6
    assert set(occurrences(series)) == set(TUESDAYS)  # nothing made of 0 minutes
