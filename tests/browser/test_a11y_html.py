"""Accessibility audit, what the HTML alone shows (no browser needed): the month grid says
which day is today and which event is cancelled in words, not only with a ring and a line
through; the door's check-in buttons say whom they check in."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Event
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def test_the_month_grid_names_today_and_a_cancelled_event(client):
    now = timezone.localtime()
    noon = now.replace(hour=12, minute=0, second=0, microsecond=0)  # today, whatever the hour
    EventFactory(title="Betacooks lunch", start=noon)
    EventFactory(title="Switch IT Day", start=noon, status=Event.Status.CANCELLED)
    html = client.get(reverse("events:month", args=[now.year, now.month])).content.decode()
    assert len(re.findall(r'<td class="[^"]*\btoday\b[^"]*" aria-current="date">', html)) == 1
    assert re.search(
        r'Switch IT Day<span class="visually-hidden"> \(Cancelled\)</span>\s*</a>', html
    )
    assert "Betacooks lunch<span" not in html  # an event held says nothing more


def test_check_in_buttons_say_whom_they_check_in(client, staff):
    event = EventFactory(start=timezone.now())  # the day has come: the door is open
    lea, tom = (make_member(name) for name in ("Léa Dubois", "Tom Peeters"))
    RegistrationFactory(event=event, user=lea.user)
    RegistrationFactory(event=event, user=tom.user, checked_in_at=timezone.now())
    client.force_login(staff)
    html = client.get(reverse("events:check_in", args=[event.slug])).content.decode()
    assert (
        '<span data-label>Check in</span><span class="visually-hidden"> · Léa Dubois</span>'
    ) in html
    assert (
        '<span data-label>✓ Undo</span><span class="visually-hidden"> · Tom Peeters</span>'
    ) in html


def test_the_printed_plan_names_each_table_and_its_wide_grid_scrolls_by_keyboard(client, staff):
    from events.speed_networking import services
    from tests.events.factories import kind

    event = EventFactory(kind=kind("speed-networking"), start=timezone.now() - timedelta(hours=1))
    for name in ("Léa Dubois", "Tom Peeters", "Katia X", "Anna Smit"):
        RegistrationFactory(event=event, user=make_member(name).user, checked_in_at=event.start)
    services.networking_plan(event=event, actor=staff, rounds=2)
    client.force_login(staff)
    html = client.get(reverse("events:networking:print", args=[event.slug])).content.decode()
    # Two rounds, two tables alike: each is named by its round's heading.
    for n in (1, 2):
        assert f'<h3 id="round-{n}">Round {n}</h3>' in html
        assert f'<table class="table" aria-labelledby="round-{n}">' in html
    assert (
        '<div class="table-wrap" role="region" aria-labelledby="by-person" tabindex="0">'
        '<table class="table" aria-labelledby="by-person">'
    ) in html


def test_the_languages_a_member_speaks_are_one_named_group(client):
    """A screen reader names each checkbox ("French") with its group ("Languages"): a
    fieldset and its legend, not a label-looking span beside the boxes."""
    from members.forms import ProfileForm

    profile = make_member("Ann Speaks")
    client.force_login(profile.user)
    page = client.get(reverse("members:profile_edit", args=[profile.slug])).content.decode()
    legend = re.search(
        r'<fieldset class="field field-group"><legend class="label">([^<]+)</legend>'
        r'<div class="checks"><div id="id_languages"',
        page,
    )
    assert legend is not None
    assert legend.group(1) == str(ProfileForm.base_fields["languages"].label)
