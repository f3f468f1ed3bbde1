"""The admin side of the console work: the series form uses the recurrence picker (no raw
RRULE typing) and "cancel the selected events" confirms first, saying how many people will be
emailed."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from betacowork.messaging.models import Outbox
from events.models import Event, EventSeries, Registration

from .factories import EventFactory, EventSeriesFactory, RegistrationFactory, kind

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


def _hidden_inputs(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)


def test_cancel_action_asks_first_with_the_number_of_people_emailed(admin_client):
    lunch, talk = EventFactory(title="Lunch"), EventFactory(title="Talk")
    regs = [RegistrationFactory(event=lunch), RegistrationFactory(event=talk)]
    RegistrationFactory(event=talk, status=Registration.Status.CANCELLED)
    RegistrationFactory(
        event=talk, status=Registration.Status.WAITLISTED, user=None, email="w@example.test"
    )
    changelist = reverse("admin:events_event_changelist")

    confirm = admin_client.post(
        changelist, {"action": "action_cancel", "_selected_action": [lunch.pk, talk.pk]}
    )

    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert "3 people will be emailed that their event is cancelled." in page
    assert not Event.objects.filter(status=Event.Status.CANCELLED).exists()
    assert not Outbox.objects.filter(kind="events.event_cancelled").exists()

    # "Yes": the page's own form, posted back as it is.
    data: dict[str, list[str]] = {}
    for name, value in _hidden_inputs(page):
        data.setdefault(name, []).append(value)
    done = admin_client.post(changelist, data, follow=True)

    assert "3 registrants will be told by email" in done.content.decode()
    assert Event.objects.filter(status=Event.Status.CANCELLED).count() == 2
    assert Outbox.objects.filter(kind="events.event_cancelled").count() == 3
    assert Outbox.objects.filter(dedup_key=f"event-cancelled:{lunch.pk}:{regs[0].pk}").exists()


def test_cancel_confirmation_ignores_events_already_cancelled(admin_client):
    gone = EventFactory(status=Event.Status.CANCELLED)
    RegistrationFactory(event=gone)
    page = admin_client.post(
        reverse("admin:events_event_changelist"),
        {"action": "action_cancel", "_selected_action": [gone.pk]},
    ).content.decode()
    assert "already cancelled: nothing to do" in page


def _series_data(**overrides) -> dict:
    data = {
        "title": "Switch IT day",
        "kind": kind("it-day").pk,
        "start_time": "18:00",
        "duration_minutes": 180,
        "rrule_pattern": "monthly-weekday",
        "rrule_weekday": "TH",
        "rrule_ordinal": "1",
        "rrule_monthday": "",
        "starts_on": "2027-03-01",
        "visibility": "public",
        "weeks_ahead": 8,
        "active": "on",
        "publish": "on",
    }
    data.update(overrides)
    return data


def test_admin_series_form_uses_the_picker(admin_client):
    add = admin_client.get(reverse("admin:events_eventseries_add")).content.decode()
    assert 'name="rrule_pattern"' in add
    assert 'name="rrule"' not in add  # no raw RRULE text box
    assert "js/console.js" in add

    response = admin_client.post(reverse("admin:events_eventseries_add"), _series_data())
    assert response.status_code == 302
    series = EventSeries.objects.get()
    assert series.rrule == "FREQ=MONTHLY;BYDAY=1TH"

    change = admin_client.get(
        reverse("admin:events_eventseries_change", args=[series.pk])
    ).content.decode()
    assert '<option value="monthly-weekday" selected>' in change
    assert '<option value="TH" selected>' in change

    listing = admin_client.get(reverse("admin:events_eventseries_changelist")).content.decode()
    assert "every first Thursday of the month" in listing
    assert "FREQ=MONTHLY" not in listing


def test_admin_refuses_a_picked_rule_that_generates_nothing(admin_client):
    data = _series_data(
        rrule_pattern="monthly-day",
        rrule_monthday="31",
        starts_on="2027-02-01",
        ends_on="2027-02-27",
    )
    response = admin_client.post(reverse("admin:events_eventseries_add"), data)
    assert response.status_code == 200
    assert "generates no date" in response.content.decode()
    assert not EventSeries.objects.exists()


def test_admin_keeps_a_hand_written_rule_when_editing_something_else(admin_client):
    rule = "FREQ=YEARLY;BYMONTH=9;BYMONTHDAY=18"
    series = EventSeriesFactory(rrule=rule)
    url = reverse("admin:events_eventseries_change", args=[series.pk])
    page = admin_client.get(url).content.decode()
    assert '<option value="current" selected>Keep the current rule' in page
    data = _series_data(
        title="Free software day",
        rrule_pattern="current",
        space=series.space_id,
        capacity=50,
    )
    assert admin_client.post(url, data).status_code == 302
    series.refresh_from_db()
    assert (series.title, series.rrule) == ("Free software day", rule)
