"""Accessibility audit, what the HTML alone shows (no browser needed): the month grid says
which day is today and which event is cancelled in words, not only with a ring and a line
through; the door's check-in buttons say whom they check in."""

import re
from datetime import timedelta
from html.parser import HTMLParser

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


_LANDMARK_ROLES = {"banner", "complementary", "contentinfo", "form", "main", "navigation"}
_LANDMARK_ROLES |= {"region", "search"}
_IMPLICIT_ROLES = {"section": "region", "nav": "navigation", "aside": "complementary"}
_IMPLICIT_ROLES |= {"main": "main", "form": "form", "search": "search"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class _Landmarks(HTMLParser):
    """The named landmarks of a page, (role, name), as axe's landmark-unique reads them."""

    def __init__(self) -> None:
        super().__init__()
        self._open: list[tuple[str, str | None]] = []  # (tag, id) of the open elements
        self._texts: dict[str, str] = {}
        self._named: list[tuple[str, str | None, str | None]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        role = attrs.get("role") or _IMPLICIT_ROLES.get(tag)
        if role in _LANDMARK_ROLES and (attrs.get("aria-label") or attrs.get("aria-labelledby")):
            self._named.append((role, attrs.get("aria-label"), attrs.get("aria-labelledby")))
        if tag not in _VOID:
            self._open.append((tag, attrs.get("id")))

    def handle_endtag(self, tag):
        while self._open and self._open.pop()[0] != tag:
            pass

    def handle_data(self, data):
        for _tag, element_id in self._open:
            if element_id:
                self._texts[element_id] = self._texts.get(element_id, "") + data

    def landmarks(self) -> list[tuple[str, str]]:
        def name(label, ids):
            text = label or " ".join(self._texts.get(i, "") for i in ids.split())
            return " ".join(text.split())

        return [(role, name(label, ids)) for role, label, ids in self._named]


def _shared_landmark_names(html: str) -> list[tuple[str, str]]:
    parser = _Landmarks()
    parser.feed(html)
    found = parser.landmarks()
    return sorted({landmark for landmark in found if found.count(landmark) > 1})


def test_the_dashboard_s_landmarks_each_have_a_name_of_their_own(client):
    from tests.collaborations.conftest import attend, log, make_past_event

    past = make_past_event(title="Betacooks")
    ann, bob = (make_member(name, visibility="public").user for name in ("Ann A", "Bob B"))
    attend(past, ann)
    log(ann, bob, confirm=True, origin_type="event", origin_event=past)
    html = client.get(reverse("collaborations:dashboard")).content.decode()
    assert "Events that created the most business" in html
    # A card named by its heading wrapped a scrolling table named by the same heading: two
    # regions "Events that created the most business" for a screen reader's landmark list.
    assert _shared_landmark_names(html) == []
    assert '<div class="table-wrap" role="region" aria-labelledby="top-events"' in html


def test_the_printed_plan_s_landmarks_each_have_a_name_of_their_own(client, staff):
    from events.speed_networking import services
    from tests.events.factories import kind

    event = EventFactory(kind=kind("speed-networking"), start=timezone.now() - timedelta(hours=1))
    for name in ("Léa Dubois", "Tom Peeters", "Katia X", "Anna Smit"):
        RegistrationFactory(event=event, user=make_member(name).user, checked_in_at=event.start)
    services.networking_plan(event=event, actor=staff, rounds=2)
    client.force_login(staff)
    html = client.get(reverse("events:networking:print", args=[event.slug])).content.decode()
    assert "Per person: round → table and partner" in html
    assert _shared_landmark_names(html) == []
