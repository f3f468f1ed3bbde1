"""A guest's registration is confirmed from their mailbox: the event page's form books
nothing and emails a link; the link's page shows what it books, its button books it.

QA booked a seat in a member's name with their address (the page then listed them as
coming, with the stranger's note as theirs), and learnt who attends from the waitlist
figure, which moved for a new address and not for one already registered."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_send_due
from events.models import Event, Registration
from events.services import event_register, registration_cancel
from tests.factories import UserFactory

from .factories import EventFactory
from .guest_flow import guest_confirm_path, guest_register

pytestmark = pytest.mark.django_db


def _form(client, event, **fields):
    data = {"name": "Gert Gast", "email": "gert@example.test", "note": "", **fields}
    return client.post(reverse("events:register", kwargs={"slug": event.slug}), data)


def _requests():
    return Outbox.objects.filter(kind="events.guest_request")


def test_the_form_books_nothing_and_emails_the_address_a_link(client):
    event = EventFactory(title="Open talk", capacity=5)
    response = _form(client, event, name="Gert Gast", note="Vegetarian, please")

    assert response.status_code == 302
    assert not Registration.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "we sent a link to gert@example.test" in page
    assert "nothing is booked until then" in page
    assert "5 seats left" in page
    row = _requests().get()
    assert row.to_email == "gert@example.test"
    assert row.subject == "Confirm your registration: Open talk"
    # The link and the event, not what the visitor typed: that address may not have asked.
    assert "/events/guest-confirm/" in row.body_text
    assert "Open talk" in row.body_text
    assert "Gert" not in row.body_text
    assert "Vegetarian" not in row.body_text
    assert "ignore this email: nothing will be booked" in row.body_text


def test_the_link_s_page_shows_what_it_books_and_books_nothing(client):
    event = EventFactory(title="Open talk", capacity=5)
    _form(client, event, note="Vegetarian, please")
    page = client.get(guest_confirm_path("gert@example.test"))  # a mail scanner, or the guest

    assert page.status_code == 200
    text = page.content.decode()
    for shown in ("Open talk", "Gert Gast", "gert@example.test", "Vegetarian, please"):
        assert shown in text
    assert "Confirm my place" in text
    assert not Registration.objects.exists()


def test_the_link_s_button_books_the_seat_and_sends_the_confirmation(client):
    event = EventFactory(title="Open talk", capacity=5)
    response = guest_register(client, event, name="Gert Gast", email="Gert@Example.test")

    assert response.status_code == 302
    assert response["Location"] == event.get_absolute_url()
    registration = Registration.objects.get()
    assert (registration.name, registration.email, registration.user) == (
        "Gert Gast",
        "gert@example.test",
        None,
    )
    assert registration.status == Registration.Status.CONFIRMED
    page = client.get(response["Location"]).content.decode()
    assert "registered: see you there" in page
    assert "We sent a confirmation to gert@example.test." in page
    assert Outbox.objects.filter(kind="events.registration_confirmed").count() == 1


def test_a_link_used_twice_books_once(client):
    event = EventFactory(capacity=5)
    guest_register(client, event)
    again = client.post(guest_confirm_path("guest@example.org"), follow=True)

    assert Registration.objects.count() == 1
    assert "This address is already registered for this event." in again.content.decode()


def test_a_member_s_address_books_for_them_only_from_their_mailbox(client):
    member = UserFactory(name="Cécil Schmitt", email="cecil@example.test")
    event = EventFactory(title="Free software", capacity=5)

    _form(client, event, name="Prankster", email="Cecil@example.test", note="I love pranks")
    assert not Registration.objects.exists()
    page = client.get(event.get_absolute_url()).content.decode()
    assert "Cécil Schmitt" not in page

    page = client.get(guest_confirm_path("cecil@example.test")).content.decode()
    assert "Cécil Schmitt" in page  # the name the seat is booked in
    assert "Prankster" not in page
    client.post(guest_confirm_path("cecil@example.test"))  # only Cécil's mailbox has it
    registration = Registration.objects.get()
    assert registration.user == member
    assert registration.name == "Cécil Schmitt"


def test_the_form_answers_a_registered_address_as_a_new_one(client):
    """Nothing the visitor sees tells them an address already holds a place."""
    event = EventFactory(title="Full lunch", capacity=1)
    hidden = UserFactory(email="hidden@example.test")
    hidden.profile.visibility = "hidden"
    hidden.profile.save()
    event_register(event=event, user=UserFactory())  # the only seat
    event_register(event=event, user=hidden)  # first on the waitlist

    answers = []
    for email in ("hidden@example.test", "nobody@example.test"):
        response = _form(client, event, email=email)
        page = client.get(response["Location"]).content.decode()
        page = re.sub(r'(name="csrfmiddlewaretoken" value|nonce)="[^"]*"', "", page)
        answers.append((response.status_code, page.replace(email, "ADDRESS")))
    assert answers[0] == answers[1]
    assert "1 person on the waitlist" in answers[0][1]


def test_a_full_event_s_link_offers_the_waitlist(client):
    event = EventFactory(capacity=1)
    event_register(event=event, user=UserFactory())
    _form(client, event)
    page = client.get(guest_confirm_path("gert@example.test")).content.decode()
    assert "confirming puts you on the waitlist" in page
    assert "Join the waitlist" in page

    client.post(guest_confirm_path("gert@example.test"))
    assert Registration.objects.get(email="gert@example.test").status == "waitlisted"


@pytest.mark.parametrize(
    "change",
    [
        {"status": Event.Status.CANCELLED},
        {"start": timezone.now() - timedelta(minutes=5)},
    ],
    ids=["cancelled", "started"],
)
def test_a_link_for_an_event_no_longer_open_says_why_and_books_nothing(client, change):
    event = EventFactory(capacity=5)
    _form(client, event)
    Event.objects.filter(pk=event.pk).update(**change)
    path = guest_confirm_path("gert@example.test")

    page = client.get(path).content.decode()
    assert "Confirm my place" not in page
    response = client.post(path)
    assert response.status_code == 400
    assert not Registration.objects.exists()


@pytest.mark.parametrize("mangle", ["tamper", "expire", "event gone"])
def test_a_broken_or_expired_link_is_a_clear_400(client, monkeypatch, mangle):
    event = EventFactory(capacity=5)
    _form(client, event)
    path = guest_confirm_path("gert@example.test")
    if mangle == "tamper":
        path = path[:-3] + ("x" if path[-3] != "x" else "y") + path[-2:]
    elif mangle == "expire":
        later = time.time() + timedelta(days=3, minutes=1).total_seconds()
        monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    else:
        event.delete()

    for response in (client.get(path), client.post(path)):
        assert response.status_code == 400
        assert "This link does not work" in response.content.decode()
    assert not Registration.objects.exists()


def test_the_same_form_sent_twice_sends_one_email_another_form_another(client):
    event = EventFactory(capacity=5)
    _form(client, event)
    _form(client, event)  # a double click
    assert _requests().count() == 1
    _form(client, event, name="Gert Gast-Typo Fixed")
    assert _requests().count() == 2
    client.post(guest_confirm_path("gert@example.test"))
    assert Registration.objects.get().name == "Gert Gast-Typo Fixed"


def test_a_refused_form_sends_no_email(client):
    event = EventFactory(registration_opens_at=timezone.now() + timedelta(days=1))
    response = _form(client, event)
    assert response.status_code == 400
    assert "Registration opens on" in response.content.decode()
    assert not _requests().exists()


def test_the_email_and_the_link_s_page_speak_the_form_s_language(client):
    event = EventFactory(title="Betacooks", capacity=5)
    client.post(
        reverse("events:register", kwargs={"slug": event.slug}),
        {"name": "Zoé Martin", "email": "zoe@example.test"},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    row = _requests().get()
    assert row.language == "fr"
    assert row.subject.startswith("Confirmez votre inscription")
    other = type(client)()  # the mailbox's browser: no cookie, another language
    page = other.get(guest_confirm_path("zoe@example.test"), HTTP_ACCEPT_LANGUAGE="nl")
    assert "Confirmer ma place" in page.content.decode()
    other.post(guest_confirm_path("zoe@example.test"))
    assert Registration.objects.get().language == "fr"


def test_the_page_after_the_link_s_button_speaks_the_language_of_its_messages(client):
    # The form sent in Dutch, the link opened in a French browser: the link's page is Dutch,
    # and so is the event page its button leads to — it was French around Dutch messages.
    event = EventFactory(title="Betacooks", capacity=5)
    client.post(
        reverse("events:register", kwargs={"slug": event.slug}),
        {"name": "Gert Gast", "email": "gert@example.test"},
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    french = type(client)(HTTP_ACCEPT_LANGUAGE="fr")
    response = french.post(guest_confirm_path("gert@example.test"), follow=True)
    html = response.content.decode()
    assert '<html lang="nl">' in html
    assert "Je bent ingeschreven: tot dan!" in html
    assert "Vous êtes inscrit" not in html
    # As the language switcher would: the browser keeps the language the guest used.
    assert french.cookies[settings.LANGUAGE_COOKIE_NAME].value == "nl"
    assert '<html lang="nl">' in french.get(event.get_absolute_url()).content.decode()


def test_a_browser_that_picked_its_language_keeps_it_after_the_link_s_button(client):
    event = EventFactory(title="Betacooks", capacity=5)
    client.post(
        reverse("events:register", kwargs={"slug": event.slug}),
        {"name": "Gert Gast", "email": "gert@example.test"},
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    french = type(client)()
    french.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"  # chosen with the switcher
    response = french.post(guest_confirm_path("gert@example.test"), follow=True)
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "Vous êtes inscrit" in html
    assert french.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"


def test_the_request_is_sent_for_real(client):
    """Through the outbox and the sender, as every message is."""
    event = EventFactory(title="Open talk", capacity=5)
    _form(client, event)
    outbox_send_due()
    assert [m.to for m in mail.outbox] == [["gert@example.test"]]
    assert "/events/guest-confirm/" in mail.outbox[0].body


# --- The review's cases ---------------------------------------------------------------------


def test_a_link_used_again_from_the_waitlist_gives_the_place(client):
    event = EventFactory(capacity=1)
    event_register(event=event, user=UserFactory())
    guest_register(client, event)
    again = client.post(guest_confirm_path("guest@example.org"), follow=True).content.decode()
    assert "This address is already on the waitlist: number 1." in again
    assert Registration.objects.filter(email="guest@example.org").count() == 1


def test_a_link_does_not_book_again_once_its_seat_was_given_back(client):
    """A forwarded email, or staff removing a guest, is not undone by the link."""
    event = EventFactory(capacity=5)
    guest_register(client, event)
    registration = Registration.objects.get()
    registration_cancel(registration=registration)

    again = client.post(guest_confirm_path("guest@example.org"), follow=True).content.decode()
    assert "This link has been used already" in again
    assert not Registration.objects.active().exists()
    # A new form, a new link: that one books.
    guest_register(client, event, name="Guest Again")
    assert Registration.objects.active().get().name == "Guest Again"


def test_a_member_following_a_guest_link_to_a_members_only_event_is_told_what_to_do(client):
    event = EventFactory(capacity=5)
    _form(client, event)
    Event.objects.filter(pk=event.pk).update(visibility=Event.Visibility.MEMBERS)
    client.force_login(UserFactory())
    path = guest_confirm_path("gert@example.test")
    page = client.get(path).content.decode()
    assert "A guest&#x27;s link cannot book a members-only event" in page
    assert "please log in" not in page
    response = client.post(path)
    assert response.status_code == 400
    assert response.content.decode().count("cannot book a members-only event") == 1


def test_a_double_click_across_the_ten_minute_edge_sends_one_email(client, monkeypatch):
    event = EventFactory(capacity=5)
    edge = (int(timezone.now().timestamp()) // 600 + 1) * 600
    monkeypatch.setattr(
        "events.services.guests.timezone.now",
        lambda: datetime.fromtimestamp(edge - 1, tz=UTC),
    )
    _form(client, event)
    monkeypatch.setattr(
        "events.services.guests.timezone.now",
        lambda: datetime.fromtimestamp(edge + 1, tz=UTC),
    )
    _form(client, event)
    assert _requests().count() == 1


def test_the_form_reads_the_event_once_and_not_its_speakers(client, django_assert_max_num_queries):
    """The guest form's answer needs the event's row and counts, once: it read it lean, then
    whole with its speakers (which only the page shown again after an error uses)."""
    from .factories import SpeakerFactory

    event = EventFactory(capacity=5)
    SpeakerFactory(event=event)
    with django_assert_max_num_queries(10) as captured:
        response = _form(client, event)
    assert response.status_code == 302
    event_reads = [q for q in captured.captured_queries if 'FROM "events_event"' in q["sql"]]
    assert len(event_reads) == 1
    assert not [q for q in captured.captured_queries if 'FROM "events_speaker"' in q["sql"]]
    assert _requests().count() == 1
