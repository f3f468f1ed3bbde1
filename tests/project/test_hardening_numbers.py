"""Issue 13, defect 3: numbers typed by people are parsed in one place (betacowork.numbers);
Unicode digits, superscripts and huge numbers are a notice or a 4xx, never a 500."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from betacowork.numbers import parse_id, parse_ids, parse_int
from events.models import MeetingRequest, Seat
from tests.events.factories import EventFactory, RegistrationFactory, kind
from tests.factories import ChapterFactory, CompanyFactory, SpaceFactory, make_member

# Each of these is `str.isdigit()` but not a number `int()` takes, or not ASCII digits.
TRICKY = ["²", "①", "¹²", "٣", "\uff11\uff12", "+3", "-1", "1_000", " ", "0x10", "9" * 40, "3.0"]


@pytest.mark.parametrize("raw", TRICKY)
def test_the_parser_refuses_everything_but_plain_ascii_digits(raw):
    assert parse_int(raw) is None


def test_the_parser_reads_plain_numbers_and_bounds():
    assert parse_int("42") == 42
    assert parse_int(" 7 ") == 7
    assert parse_int("0", minimum=1) is None
    assert parse_int("101", maximum=100) is None
    assert parse_id("0") is None
    assert parse_id(str(2**63)) is None
    assert parse_ids(["3", "x", "²", "3", "5"]) == [3, 5]
    assert parse_int(None) is None


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["²", "①", "¹²", "٣", "9" * 40])
def test_unicode_digits_in_page_numbers_show_the_first_page(client, raw):
    company, space = CompanyFactory(name="Acme corp"), SpaceFactory(name="Beta space")
    make_member("Katia Xenophontos", visibility="public", company=company, home_space=space)
    for path in (
        reverse("members:directory"),
        reverse("members:company", args=[company.slug]),
        reverse("members:space", args=[space.slug]),
        reverse("events:list"),
    ):
        response = client.get(path, {"page": raw})
        assert response.status_code in (200, 400), path
        assert response.status_code != 500


@pytest.mark.django_db
def test_directory_says_a_superscript_is_not_a_page_number(client):
    response = client.get("/directory/?page=%C2%B2")
    assert response.status_code == 200
    assert "is not a page number" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["²", "①", "٣", "9" * 40])
def test_collaboration_form_ignores_a_unicode_event_number(client, member, raw):
    client.force_login(member)
    response = client.get(reverse("collaborations:create"), {"event": raw})
    assert response.status_code == 200


@pytest.fixture
def evening(db, organiser):
    chapter = ChapterFactory(name="BetaGroup Charleroi")
    chapter.organisers.add(organiser)
    now = timezone.now()
    return EventFactory(
        title="Speed Networking evening",
        slug="speed-networking-evening",
        kind=kind("speed-networking"),
        chapter=chapter,
        capacity=None,
        start=now + timedelta(days=3),
        end=now + timedelta(days=3, hours=2),
    )


@pytest.mark.parametrize("raw", ["²", "①", "9" * 40])
def test_speed_networking_person_actions_refuse_unicode_digits(client, evening, organiser, raw):
    client.force_login(organiser)
    url = reverse("events:networking:arrive", kwargs={"slug": evening.slug})
    response = client.post(url, {"user": raw})
    assert response.status_code == 400
    assert not Seat.objects.exists()


@pytest.mark.parametrize("raw", ["²", "①"])
def test_meeting_requests_refuse_unicode_digits(client, evening, raw):
    me = make_member("Katia X")
    RegistrationFactory(event=evening, user=me.user)
    client.force_login(me.user)
    url = reverse("events:networking:requests", kwargs={"slug": evening.slug})
    response = client.post(url, {"targets": [raw]})
    assert response.status_code == 400
    assert not MeetingRequest.objects.exists()


def test_a_stored_rule_with_a_superscript_day_has_no_picker_choice():
    from events.recurrence import Recurrence

    assert Recurrence.from_rrule("FREQ=MONTHLY;BYMONTHDAY=²") is None
    assert Recurrence.from_rrule("FREQ=MONTHLY;BYMONTHDAY=12").monthday == 12
