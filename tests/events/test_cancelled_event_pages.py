"""A cancelled event no longer looks live (QA): five people had a seat and one was waiting;
once the event is cancelled the public page shows no seats and no "who is coming", the
console's card no seats and no waiting, and the registrations page lists who had registered
without the waitlist's "1 on the waitlist" and "the first gets the next free seat". The same
event, live, still shows them all — to a visitor, a member and its organiser."""

from __future__ import annotations

import pytest

from events import services
from events.models import Registration
from members.models import Visibility
from tests.factories import ChapterFactory, UserFactory

from .factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

WAITLIST_EXPLAINED = "In order: the first gets the next free seat, automatically."


def _person(name: str):
    user = UserFactory(name=name)
    user.profile.visibility = Visibility.MEMBERS
    user.profile.save()
    return user


@pytest.fixture
def lunch(organiser, member):
    """Five seats, all taken (one by `member`), and Wim Waiting on the waitlist."""
    chapter = ChapterFactory(name="Charleroi")
    chapter.organisers.add(organiser)
    event = EventFactory(
        title="Full lunch", slug="full-lunch", capacity=5, chapter=chapter, space=chapter.space
    )
    member.profile.visibility = Visibility.MEMBERS
    member.profile.save()
    RegistrationFactory(event=event, user=member)
    for name in ("Ada Seated", "Bo Seated", "Cy Seated", "Di Seated"):
        RegistrationFactory(event=event, user=_person(name))
    RegistrationFactory(
        event=event, user=_person("Wim Waiting"), status=Registration.Status.WAITLISTED
    )
    return event


def _cancelled(event):
    services.event_cancel(event=event, actor=None)
    event.refresh_from_db()
    return event


def _page(client, url: str, user=None) -> str:
    client.logout()
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def _card(html: str, slug: str) -> str:
    return html.split(f'id="event-{slug}"', 1)[1].split("</ul>", 1)[0]  # its figures


# The public page: a visitor, a member who had a seat, a member who had none --------------


def test_a_live_full_event_shows_its_seats_its_waitlist_and_who_is_coming(
    client, lunch, member, other_member
):
    for viewer in (None, member, other_member):
        page = _page(client, lunch.get_absolute_url(), viewer)
        assert 'data-testid="seats"' in page
        assert "Full — 1 person on the waitlist" in page
        assert "Who is coming" in page
        if viewer is not None:  # members see the members who come
            assert "Ada Seated" in page


def test_a_cancelled_event_shows_no_seats_and_nobody_coming(client, lunch, member, other_member):
    _cancelled(lunch)
    for viewer in (None, member, other_member):
        page = _page(client, lunch.get_absolute_url(), viewer)
        assert "This event has been cancelled." in page
        assert 'data-testid="seats"' not in page
        assert "5 / 5 seats" not in page
        assert "waitlist" not in page.split('id="register-title"', 1)[0]
        assert "Who is coming" not in page
        assert "who-is-coming" not in page
        assert "Ada Seated" not in page
        assert "Nobody registered." not in page  # five had: it is not that nobody came
    # What is theirs stays said: the member who had a seat reads so.
    assert "You had a seat: there is nothing more to do." in _page(
        client, lunch.get_absolute_url(), member
    )
    assert "Registration is closed." in _page(client, lunch.get_absolute_url(), other_member)


# The console: the event's card and its registrations page --------------------------------


def test_the_console_card_of_a_live_event_counts_seats_and_waiting(client, lunch, organiser):
    card = _card(_page(client, "/organise/", organiser), lunch.slug)
    assert "5 / 5 seats" in card
    assert "1 waiting" in card
    assert "had registered" not in card


def test_the_console_card_of_a_cancelled_event_says_who_had_registered(client, lunch, organiser):
    _cancelled(lunch)
    card = _card(_page(client, "/organise/", organiser), lunch.slug)
    assert "Cancelled" in card
    assert "6 people had registered" in card
    assert "seats" not in card
    assert "waiting" not in card


def test_the_registrations_of_a_live_event_explain_the_waitlist(client, lunch, organiser):
    page = _page(client, f"/organise/{lunch.slug}/registrations/", organiser)
    assert "<strong>1</strong> on the waitlist" in page
    assert WAITLIST_EXPLAINED in page
    assert 'data-testid="cancelled-record"' not in page


def test_the_registrations_of_a_cancelled_event_are_a_record_not_a_waitlist(
    client, lunch, organiser
):
    _cancelled(lunch)
    page = _page(client, f"/organise/{lunch.slug}/registrations/", organiser)
    assert "This event is cancelled: these are the people who had registered." in page
    assert "<strong>5</strong> had a seat" in page
    assert "<strong>1</strong> was waiting for a seat" in page
    assert "on the waitlist" not in page
    assert WAITLIST_EXPLAINED not in page
    assert ">Waitlist<" not in page
    assert "5 / 5" not in page
    # Who had registered is still there, by name, under past-tense headings.
    assert "Had a seat" in page
    assert "Were waiting for a seat" in page
    for name in ("Ada Seated", "Katia Xenophontos", "Wim Waiting"):
        assert name in page


def test_the_registrations_page_of_a_cancelled_event_is_still_refused_to_a_member(
    client, lunch, member
):
    _cancelled(lunch)
    client.force_login(member)
    assert client.get(f"/organise/{lunch.slug}/registrations/").status_code == 403


@pytest.mark.parametrize("cancelled", [False, True])
def test_writing_to_the_registrants_of_a_cancelled_event_speaks_of_who_had_registered(
    client, lunch, organiser, cancelled
):
    if cancelled:
        _cancelled(lunch)
    page = _page(client, f"/organise/{lunch.slug}/message/", organiser)
    live = (
        "Goes by email to 5 confirmed people",
        "1 more is on the waitlist.",
        "Also send it to the people on the waitlist",
    )
    past = (
        "The event is cancelled: this goes by email to the 5 people who had a seat",
        "1 more was waiting for a seat.",
        "Also send it to the people who were waiting for a seat",
    )
    for said in past if cancelled else live:
        assert said in page
    for said in live if cancelled else past:
        assert said not in page
