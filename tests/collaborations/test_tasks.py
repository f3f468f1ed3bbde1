"""The day-after follow-up: who is invited, once, and the selector for event pages."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from betacowork.messaging.models import Outbox
from collaborations.selectors import collaborations_started_at_count
from collaborations.tasks import event_followups_send
from events.models import Event, Registration
from tests.factories import UserFactory

from .conftest import attend, log, make_past_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def yesterday_event(db):
    """Ended before today began, whatever the time the test runs (two days back + 90 min)."""
    return make_past_event(title="Betacooks", days_ago=2)


def test_attendees_get_one_follow_up_whatever_the_runs(member, other_member, yesterday_event):
    attend(yesterday_event, member)
    attend(yesterday_event, other_member)
    assert event_followups_send() == 2
    assert event_followups_send() == 0  # idempotent: a retried or doubled task writes nothing
    rows = Outbox.objects.filter(kind="collaborations.event_followup").order_by("to_email")
    assert {r.dedup_key for r in rows} == {
        f"event-followup:{yesterday_event.pk}:{member.pk}",
        f"event-followup:{yesterday_event.pk}:{other_member.pk}",
    }
    body = rows[0].body_text
    assert f"/collaborations/new/?event={yesterday_event.pk}" in body
    assert "List-Unsubscribe" in rows[0].headers


def test_who_is_not_invited(member, yesterday_event):
    waitlisted, cancelled, opted_out, already = UserFactory.create_batch(4)
    attend(yesterday_event, waitlisted, status=Registration.Status.WAITLISTED)
    attend(yesterday_event, cancelled, status=Registration.Status.CANCELLED)
    attend(yesterday_event, opted_out)
    opted_out.email_opt_outs = ["event_followup"]
    opted_out.save(update_fields=["email_opt_outs"])
    attend(yesterday_event, already)
    log(already, member, origin_type="event", origin_event=yesterday_event)
    assert event_followups_send() == 0


def test_where_the_door_was_kept_only_the_people_checked_in_are_thanked(
    member, other_member, yesterday_event
):
    # QA: "Thank you for coming" went to a registrant the organiser never checked in.
    no_show, walk_in = UserFactory.create_batch(2)
    attend(yesterday_event, member, checked_in=True)
    attend(yesterday_event, no_show)
    attend(yesterday_event, walk_in, status=Registration.Status.WAITLISTED, checked_in=True)
    no_door = make_past_event(title="Nobody checked in", days_ago=2)
    attend(no_door, other_member)  # no check-in at all: confirmed is all there is to go by
    assert event_followups_send() == 3
    assert set(Outbox.objects.values_list("dedup_key", flat=True)) == {
        f"event-followup:{yesterday_event.pk}:{member.pk}",
        f"event-followup:{yesterday_event.pk}:{walk_in.pk}",
        f"event-followup:{no_door.pk}:{other_member.pk}",
    }


def test_todays_and_old_and_cancelled_events_are_not_followed_up(member):
    from collaborations.services import event_followups_write

    today = timezone.localdate()
    ten = timezone.make_aware(datetime.combine(today, time(10, 0)))
    this_morning = make_past_event(title="This morning")
    this_morning.start, this_morning.end = ten - timedelta(hours=3), ten - timedelta(hours=2)
    this_morning.save()
    last_month = make_past_event(title="Last month", days_ago=30)
    cancelled = make_past_event(title="Cancelled", days_ago=2, status=Event.Status.CANCELLED)
    yesterday = make_past_event(title="Yesterday")
    yesterday.start, yesterday.end = ten - timedelta(hours=22), ten - timedelta(hours=21)
    yesterday.save()
    for e in (this_morning, last_month, cancelled, yesterday):
        attend(e, member)
    assert event_followups_write(now=ten) == 1
    assert set(Outbox.objects.values_list("dedup_key", flat=True)) == {
        f"event-followup:{yesterday.pk}:{member.pk}"
    }


def test_collaborations_started_at_count(member, other_member):
    event = make_past_event(title="Betacooks")
    other = make_past_event(title="Talk")
    attend(event, member)
    log(member, other_member, confirm=True, origin_type="event", origin_event=event)
    log(member, other_member, confirm=True, origin_type="event", origin_event=event)
    log(member, other_member, origin_type="event", origin_event=event)  # not confirmed
    assert collaborations_started_at_count([event.pk, other.pk], viewer=member) == {event.pk: 2}


def test_event_panel_context(rf, member, other_member):
    from django.contrib.auth.models import AnonymousUser

    from collaborations.integration import event_context

    event = make_past_event(title="Betacooks")
    attend(event, member)
    request = rf.get("/")
    request.user = AnonymousUser()
    assert event_context(request, event=event) is None
    log(member, other_member, confirm=True, origin_type="event", origin_event=event)
    assert event_context(request, event=event)["count"] == 1
    request.user = member
    assert event_context(request, event=event)["invite"] is True
    request.user = other_member  # did not attend
    assert event_context(request, event=event)["invite"] is False
