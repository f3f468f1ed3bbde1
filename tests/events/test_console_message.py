"""An organiser writes to the registrants: through the outbox, each in their language, not
to members who turned these messages off, once per form however often it is submitted."""

from __future__ import annotations

import uuid

import pytest
from django.core import mail

from betacowork.messaging import optional_preferences
from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_render, outbox_send_due
from events.console.messages import OrganiserNote
from events.models import Registration
from tests.factories import ChapterFactory, SpaceFactory, UserFactory

from .factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

URL = "/organise/switch-it-day/message/"


@pytest.fixture
def event(organiser):
    chapter = ChapterFactory(
        name="Charleroi", space=SpaceFactory(name="Switch Coworking", city="Charleroi")
    )
    chapter.organisers.add(organiser)
    return EventFactory(
        title="Switch IT day", slug="switch-it-day", chapter=chapter, space=chapter.space
    )


@pytest.fixture
def people(event):
    """Who is registered, and how."""
    opted_out = UserFactory(name="Olga Optout", email_opt_outs=["organiser_messages"])
    return {
        "en": RegistrationFactory(event=event, user=UserFactory(name="Ann English")),
        "fr": RegistrationFactory(
            event=event, user=UserFactory(name="Fanny Française", preferred_language="fr")
        ),
        "opted_out": RegistrationFactory(event=event, user=opted_out),
        "guest": RegistrationFactory(
            event=event, user=None, name="Gert Gast", email="gert@example.test", language="nl"
        ),
        "waitlisted": RegistrationFactory(
            event=event,
            user=UserFactory(name="Wim Waiting"),
            status=Registration.Status.WAITLISTED,
        ),
        "cancelled": RegistrationFactory(
            event=event, user=UserFactory(name="Carl Cancelled"), status="cancelled"
        ),
    }


@pytest.fixture
def organiser_client(client, organiser):
    client.force_login(organiser)
    return client


def _post(client, **extra):
    data = {
        "subject": "Parking tonight",
        "body": "Park behind the station.\nThe door code is 1234.",
        "nonce": uuid.uuid4().hex,
        **extra,
    }
    return client.post(URL, data, follow=True)


def _recipients() -> dict[str, Outbox]:
    outbox_render(list(Outbox.objects.all()))  # written as data: rendered when sent
    return {row.to_email: row for row in Outbox.objects.filter(kind=OrganiserNote.key)}


def test_note_goes_to_confirmed_people_in_their_language_not_to_those_who_opted_out(
    organiser_client, event, people
):
    response = _post(organiser_client)

    assert "Sent to 3 people." in response.content.decode()
    rows = _recipients()
    reg = people
    assert set(rows) == {reg["en"].user.email, reg["fr"].user.email, "gert@example.test"}
    assert rows[reg["en"].user.email].language == "en"
    assert rows[reg["fr"].user.email].language == "fr"
    assert rows["gert@example.test"].language == "nl"  # the language the guest registered in
    member_row = rows[reg["en"].user.email]
    assert member_row.subject == "Switch IT day: Parking tonight"
    assert "The door code is 1234." in member_row.body_text
    assert "/notifications/" in member_row.body_text  # the unsubscribe link
    assert member_row.headers.get("List-Unsubscribe")
    assert member_row.topic == f"event:{event.pk}"
    guest_row = rows["gert@example.test"]
    assert "/events/guest-cancel/" in guest_row.body_text  # the guest's own cancel link
    assert guest_row.body_text.startswith("Hallo Gert,\n")  # first name, as every email


def test_waitlisted_people_get_it_only_when_asked(organiser_client, people):
    _post(organiser_client, include_waitlist="on")
    assert people["waitlisted"].user.email in _recipients()
    assert people["cancelled"].user.email not in _recipients()


def test_a_double_submit_sends_once(organiser_client, people):
    nonce = uuid.uuid4().hex
    first = _post(organiser_client, nonce=nonce)
    second = _post(organiser_client, nonce=nonce)
    assert "Sent to 3 people." in first.content.decode()
    assert "already sent" in second.content.decode()
    assert Outbox.objects.filter(kind=OrganiserNote.key).count() == 3
    # Another message (a new form, another text) goes out.
    _post(organiser_client, body="And bring your badge.")
    assert Outbox.objects.filter(kind=OrganiserNote.key).count() == 6


def test_the_organisers_text_is_escaped_in_the_html_email(organiser_client, people):
    _post(organiser_client, body='<script>alert("x")</script> & <b>bold</b>')
    outbox_render(list(Outbox.objects.all()))  # written as data: rendered when sent
    html = Outbox.objects.filter(kind=OrganiserNote.key).first().body_html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<b>bold</b>" not in html


def test_a_note_to_someone_who_cancelled_meanwhile_is_not_sent(organiser_client, people):
    _post(organiser_client)
    people["en"].status = Registration.Status.CANCELLED
    people["en"].save()

    outbox_send_due()

    sent_to = sorted(address for message in mail.outbox for address in message.to)
    assert sent_to == sorted([people["fr"].user.email, "gert@example.test"])
    row = Outbox.objects.get(kind=OrganiserNote.key, to_email=people["en"].user.email)
    assert row.status == Outbox.Status.CANCELLED
    assert "cancelled" in row.last_error


def test_a_member_who_opts_out_after_the_note_was_written_does_not_get_it(organiser_client, people):
    _post(organiser_client)
    user = people["en"].user
    user.email_opt_outs = ["organiser_messages"]
    user.save()
    outbox_send_due()
    assert user.email not in [a for m in mail.outbox for a in m.to]


def test_the_preference_is_offered_on_the_preferences_page(client, member):
    assert "organiser_messages" in optional_preferences()
    client.force_login(member)
    page = client.get("/notifications/").content.decode()
    assert "Messages from the organisers of events I registered for" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"subject": ""}, "This field is required."),
        ({"subject": "x" * 121}, "at most 120 characters"),
        ({"subject": "\u200b"}, "This field is required."),
        ({"subject": "Parking\u202e tonight"}, "control characters or text-direction overrides"),
        ({"body": "x" * 2001}, "at most 2000 characters"),
        ({"nonce": "not-a-nonce"}, "This form was out of date"),
    ],
)
def test_bad_message_input_is_refused_and_nothing_written(
    organiser_client, people, overrides, message
):
    data = {"subject": "Hi", "body": "Hello", "nonce": uuid.uuid4().hex, **overrides}
    response = organiser_client.post(URL, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Outbox.objects.filter(kind=OrganiserNote.key).exists()


def test_message_page_says_how_many_people_it_goes_to(organiser_client, people):
    page = organiser_client.get(URL).content.decode()
    # Confirmed: en, fr, the member who opted out (told below that they don't get it), guest.
    assert "Goes by email to 4 confirmed people" in page
    assert "1 more is on the waitlist." in page
    assert "Members who turned these messages off do not get it." in page


def test_the_note_names_its_writer_as_what_they_are(client, organiser, staff, event, people):
    """A chapter's organiser writes as its organiser; staff who do not organise the chapter
    are not presented as its organiser (the note says they organise this event)."""
    client.force_login(organiser)
    _post(client)
    note = _recipients()[people["en"].user.email].body_text
    assert "organiser of the Charleroi chapter, wrote" in note
    Outbox.objects.all().delete()

    client.force_login(staff)
    _post(client)
    note = _recipients()[people["en"].user.email].body_text
    assert "Charleroi chapter" not in note
    assert "Sofie Peeters, organiser of this event, wrote" in note


def test_the_same_note_from_a_new_form_is_asked_about_before_it_goes_again(
    organiser_client, people
):
    """QA: Send, the browser's Back (a new form, the text restored), Send: every registrant got
    the note twice. The same subject and text within 30 minutes waits for a yes."""
    note = {"subject": "Parking tonight", "body": "Use the back door."}
    first = organiser_client.post(URL, {**note, "nonce": uuid.uuid4().hex})
    assert first.status_code == 302
    written = Outbox.objects.filter(kind=OrganiserNote.key).count()
    assert written == 3  # Ann, Fanny and the guest

    again = {**note, "nonce": uuid.uuid4().hex}
    asked = organiser_client.post(URL, again)
    assert asked.status_code == 409
    page = asked.content.decode()
    assert "You sent this same message 1 minute ago. Send it again?" in page
    assert 'name="again"' in page
    assert Outbox.objects.filter(kind=OrganiserNote.key).count() == written

    # Another text goes at once; the same one goes again once the organiser says yes.
    other = {"subject": "Parking tonight", "body": "Use the FRONT door.", "nonce": uuid.uuid4().hex}
    assert organiser_client.post(URL, other).status_code == 302
    assert organiser_client.post(URL, {**again, "again": "on"}).status_code == 302
    assert Outbox.objects.filter(kind=OrganiserNote.key).count() == written * 3
    assert 'name="again"' not in organiser_client.get(URL).content.decode()
