"""Tester round 3, members and accounts: secrets in "my data", names in account emails, names
made of invisible characters, allauth's refused forms, the member import's reports."""

import json
import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

import betacowork.settings as production
from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_render
from events import services as event_services
from members.csv_io import members_import_check
from members.models import User
from tests.events.factories import EventFactory
from tests.factories import PASSWORD, SpaceFactory, TermFactory, UserFactory, make_member
from tests.members.test_profile_edit import _form_data

pytestmark = pytest.mark.django_db

CONFIRM_LINK = re.compile(r"/accounts/confirm-email/([^/\s\"]+)/")
RESET_LINK = re.compile(r"/accounts/password/reset/key/([^/\s\"]+)/")


def my_data(client) -> tuple[str, dict]:
    response = client.get(reverse("members:my_data_download"))
    assert response.status_code == 200
    text = response.content.decode()
    return text, json.loads(text)["sections"]


# --- 1. No secret link leaves its mailbox through "my data" --------------------------------


@pytest.fixture
def vera_registered(db):
    event = EventFactory(title="Betacooks lunch")
    return event_services.event_register(
        event=event, name="Vera Guest", email="vera@example.org", note="Allergic to nuts"
    )


def test_an_address_added_by_someone_else_cannot_be_confirmed_through_my_data(
    client, vera_registered, recently_authenticated
):
    katia = UserFactory(name="Katia Xenophontos")
    client.force_login(katia)
    recently_authenticated(client)  # adding an address asks for the password
    added = client.post(reverse("account_email"), {"email": "vera@example.org", "action_add": ""})
    assert added.status_code == 302
    # The confirmation goes to Vera's mailbox, with a live link (staff's delivery log has it).
    sent = Outbox.objects.get(kind="account.email_confirmation")
    assert (sent.to_email, sent.recipient) == ("vera@example.org", katia)
    assert CONFIRM_LINK.search(sent.body_text)

    text, sections = my_data(client)
    # Katia's export lists the message, without its body and its key.
    listed = [m for m in sections["messages"] if m["kind"] == "account.email_confirmation"]
    assert len(listed) == 1
    assert listed[0]["to"] == "vera@example.org"
    assert listed[0]["subject"] == sent.subject
    assert listed[0]["created_at"]
    assert listed[0]["body"] is None
    assert "one-time link or code" in listed[0]["body_withheld"]
    assert sent.body_text not in text
    assert not CONFIRM_LINK.search(text)

    # The link was live (the email Vera got holds it): following it is what the export let
    # Katia do — it confirms the address on Katia's account and moves Vera's seat to her.
    key = CONFIRM_LINK.search(sent.body_text).group(1)
    client.post(reverse("account_confirm_email", kwargs={"key": key}))
    assert EmailAddress.objects.get(email="vera@example.org").verified
    vera_registered.refresh_from_db()
    assert vera_registered.user == katia


def test_a_password_reset_link_is_not_in_my_data(client):
    katia = UserFactory(name="Katia Xenophontos")
    assert client.post(reverse("account_reset_password"), {"email": katia.email}).status_code == 302
    sent = Outbox.objects.get(kind="account.password_reset_key", recipient=katia)
    assert RESET_LINK.search(sent.body_text)
    client.force_login(katia)
    text, sections = my_data(client)
    (listed,) = [m for m in sections["messages"] if m["kind"] == "account.password_reset_key"]
    assert (listed["to"], listed["subject"], listed["body"]) == (katia.email, sent.subject, None)
    assert not RESET_LINK.search(text)


def test_my_data_keeps_the_text_of_messages_without_a_secret(client):
    event = EventFactory(title="Betacooks lunch")
    katia = UserFactory(name="Katia Xenophontos")
    event_services.event_register(event=event, user=katia)
    event_services.event_cancel(event=event, actor=None)
    outbox_render(list(Outbox.objects.all()))  # written as data: rendered when sent
    client.force_login(katia)
    _text, sections = my_data(client)
    (cancelled,) = [m for m in sections["messages"] if m["kind"] == "events.event_cancelled"]
    assert "Betacooks lunch" in cancelled["body"]
    assert "body_withheld" not in cancelled


# --- 2. Account emails to an unproved address quote no one's text --------------------------

SPAM_NAME = "<b>Bold</b> http://spam.example/win"


def test_the_signup_confirmation_does_not_carry_the_name_typed(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "target@example.org",
            "name": SPAM_NAME,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    sent = Outbox.objects.get(kind="account.email_confirmation_signup")
    assert sent.to_email == "target@example.org"
    assert CONFIRM_LINK.search(sent.body_text)  # still does its job
    assert "spam.example" not in sent.body_text + sent.body_html + sent.subject
    assert "Bold" not in sent.body_text
    assert f"given for an account on {urlsplit(settings.SITE_URL).netloc}" in sent.body_text


def test_adding_an_address_does_not_send_the_account_name_to_it(client, recently_authenticated):
    katia = UserFactory(name=SPAM_NAME)
    client.force_login(katia)
    recently_authenticated(client)
    client.post(reverse("account_email"), {"email": "other@example.org", "action_add": ""})
    sent = Outbox.objects.get(kind="account.email_confirmation", to_email="other@example.org")
    assert CONFIRM_LINK.search(sent.body_text)
    assert "spam.example" not in sent.body_text


# --- 3. Names made of nothing visible ------------------------------------------------------

LEGIT_NAMES = ["Inès Dubois-Lefèvre", "Seán O'Brien", "محمد علي", "王小明", "Zoë 👩‍👩‍👧"]


def sign_up(client, name, email="new@example.org"):
    return client.post(
        reverse("account_signup"),
        {"email": email, "name": name, "password1": PASSWORD, "password2": PASSWORD},
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("\u200b\u200b", "This field is required."),
        ("\u3164 \u200d", "This field is required."),
        ("A\nB\rC", "without line breaks, control characters"),
        ("\u202eKatia\u202c", "text-direction overrides"),
    ],
)
def test_signup_refuses_a_name_with_nothing_visible_or_with_controls(client, name, message):
    response = sign_up(client, name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.parametrize("name", LEGIT_NAMES)
def test_signup_keeps_real_names(client, name):
    assert sign_up(client, name).status_code == 302
    assert User.objects.get().name == name


def test_invisible_characters_are_dropped_from_a_name(client):
    assert sign_up(client, "\u200bKatia\u200b  X\u200benophontos").status_code == 302
    assert User.objects.get().name == "Katia Xenophontos"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("\u200b\u200b", "This field is required."),
        ("A\nB\rC", "without line breaks, control characters"),
        ("\u202eKatia\u202c", "text-direction overrides"),
    ],
)
def test_the_profile_editor_refuses_the_same_names(client, vocab, name, message):
    katia = make_member("Katia Xenophontos")
    client.force_login(katia.user)
    url = reverse("members:profile_edit", kwargs={"slug": katia.slug})
    response = client.post(url, _form_data(display_name=name))
    assert response.status_code == 400
    assert message in response.content.decode()
    katia.refresh_from_db()
    assert katia.display_name == "Katia Xenophontos"


@pytest.mark.parametrize("name", LEGIT_NAMES)
def test_the_profile_editor_keeps_real_names(client, vocab, name):
    katia = make_member("Katia Xenophontos")
    client.force_login(katia.user)
    url = reverse("members:profile_edit", kwargs={"slug": katia.slug})
    assert client.post(url, _form_data(display_name=name)).status_code == 302
    katia.refresh_from_db()
    assert katia.display_name == name


def test_the_member_import_refuses_the_same_names(db):
    report = members_import_check("email,name\na@x.test,\u200b\u200b\nb@x.test,Zoë\n".encode())
    bad = {r.line: " ".join(r.errors) for r in report.bad_rows}
    assert "name: This field is required." in bad[2]
    assert 3 not in bad


# --- 4. allauth's refused forms answer 400 (429 when rate-limited) -------------------------


def test_signup_refused_is_400_and_valid_redirects(client):
    UserFactory(email="taken@example.org")
    mismatch = client.post(
        reverse("account_signup"),
        {"email": "a@example.org", "name": "A", "password1": PASSWORD, "password2": "other-pw-1"},
    )
    assert mismatch.status_code == 400
    assert "form" in mismatch.context
    assert sign_up(client, "Bea", email="b@example.org").status_code == 302


def test_login_refused_is_400_and_valid_redirects(client, member):
    url = reverse("account_login")
    wrong = client.post(url, {"login": member.email, "password": "wrong-password"})
    assert wrong.status_code == 400
    assert "not correct" in wrong.content.decode()
    assert client.post(url, {"login": member.email, "password": PASSWORD}).status_code == 302


def test_too_many_failed_logins_is_429(client, member):
    url = reverse("account_login")
    with override_settings(ACCOUNT_RATE_LIMITS=production.ACCOUNT_RATE_LIMITS):
        statuses = [
            client.post(url, {"login": member.email, "password": "wrong"}).status_code
            for _ in range(6)
        ]
        locked = client.post(url, {"login": member.email, "password": PASSWORD})
    assert statuses[0] == 400
    assert locked.status_code == 429
    assert "Too many failed login attempts" in locked.content.decode()


def test_password_change_refused_is_400_and_valid_redirects(member_client):
    url = reverse("account_change_password")
    new = "a-new-long-passphrase-42"
    wrong = member_client.post(
        url, {"oldpassword": "not-my-password", "password1": new, "password2": new}
    )
    assert wrong.status_code == 400
    assert "Please type your current password." in wrong.content.decode()
    right = member_client.post(url, {"oldpassword": PASSWORD, "password1": new, "password2": new})
    assert right.status_code == 302


def test_a_dead_reset_link_is_400_and_a_live_one_works(client, member):
    dead = reverse("account_reset_password_from_key", kwargs={"uidb36": "3", "key": "x"})
    response = client.get(dead)
    assert response.status_code == 400
    assert "Link no longer valid" in response.content.decode()
    assert client.post(dead, {"password1": "x", "password2": "x"}).status_code == 400

    client.post(reverse("account_reset_password"), {"email": member.email})
    body = Outbox.objects.get(kind="account.password_reset_key").body_text
    link = RESET_LINK.search(body)[0]
    to_form = client.get(link)
    assert to_form.status_code == 302  # to the same page without the key
    new = "a-new-long-passphrase-42"
    mismatch = client.post(to_form["Location"], {"password1": new, "password2": new + "x"})
    assert mismatch.status_code == 400
    done = client.post(to_form["Location"], {"password1": new, "password2": new})
    assert done.status_code == 302
    # Used once, the link is dead.
    assert client.get(link).status_code == 400


def test_adding_a_bad_address_is_400_and_a_good_one_redirects(
    member_client, member, recently_authenticated
):
    recently_authenticated(member_client)  # else the good one is sent to the password page
    url = reverse("account_email")
    taken = member_client.post(url, {"email": member.email, "action_add": ""})
    assert taken.status_code == 400
    invalid = member_client.post(url, {"email": "not-an-address", "action_add": ""})
    assert invalid.status_code == 400
    good = member_client.post(url, {"email": "second@example.org", "action_add": ""})
    assert good.status_code == 302
    assert good["Location"] == url
    assert EmailAddress.objects.filter(user=member, email="second@example.org").exists()


def test_a_dead_confirmation_link_is_400_and_a_live_one_shows_the_page(client):
    dead = client.get(reverse("account_confirm_email", kwargs={"key": "not-a-key"}))
    assert dead.status_code == 400
    sign_up(client, "Bea", email="bea@example.org")
    key = CONFIRM_LINK.search(Outbox.objects.get().body_text)[1]
    assert client.get(reverse("account_confirm_email", kwargs={"key": key})).status_code == 200
    assert client.post(reverse("account_confirm_email", kwargs={"key": key})).status_code == 302


# --- 5. The member import reports every problem of a row at once --------------------------


def test_every_error_of_a_row_is_reported_at_once(db):
    SpaceFactory(name="Betacowork", slug="betacowork")
    TermFactory(slug="translation", name_en="translation")
    content = (
        "email,name,city,region,languages,skills,home_space,plan,member_since\n"
        "new3@x.test,C,,,xx,unknownterm,nowhere,gold,31/02/2020\n"
    )
    (row,) = members_import_check(content.encode()).rows
    errors = " ".join(row.errors)
    assert "member_since: Enter a valid date." in errors
    assert "unknown code(s) xx" in errors
    assert "unknown term(s) unknownterm" in errors
    assert "no space “nowhere”" in errors
    assert "unknown plan “gold”" in errors
    assert row.action == ""


def test_an_invalid_email_still_reports_the_other_cells(db):
    (row,) = members_import_check(b"email,name,languages\nnope,,xx\n").rows
    errors = " ".join(row.errors)
    assert "valid email" in errors
    assert "name: This field is required." in errors
    assert "unknown code(s) xx" in errors


# --- 6. The import preview counts in the right plural ---------------------------------------


def test_the_import_preview_says_person_for_one(client, staff):
    make_member("Existing Person", user_kwargs={"email": "existing@example.test"})
    content = b"email,name\nnew@example.test,New Person\nexisting@example.test,Existing\n"
    client.force_login(staff)
    upload = SimpleUploadedFile("members.csv", content, "text/csv")
    html = client.post(reverse("admin:members_profile_import"), {"file": upload}).content.decode()
    assert "1 person will be created (hidden until their first login)." in html
    assert "1 person will be updated." in html
    assert "1 people" not in html
