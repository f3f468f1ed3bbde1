"""QA round 6: every email the product sends, in English, French and Dutch, as its recipient
reads it.

One scenario drives the product's own services (registering, the waitlist moving up, the
reminder sweep, an organiser's note, moving and cancelling the event, a chapter's
announcement and invitation, a logged collaboration, the follow-up after an event, allauth's
sign-up, address and password-reset mails) for three people, one per language; the sender
delivers the outbox through the mail backend, and each test reads the bytes it sent: the
subject, both bodies, the links, the greeting, the times, the headers and the attachments.
"""

from __future__ import annotations

import re
from datetime import datetime
from html import unescape

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings
from django.utils import translation

from betacowork.messaging import kind_for, registered_kinds
from tests.factories import UserFactory

from .backends import ScriptedBackend
from .emails_world import (
    ACCOUNT_SENT,
    BRUSSELS,
    COLLAB_TITLE,
    HELLO,
    LANGUAGES,
    MONTHS,
    NOTE_BODY,
    NOTE_SUBJECT,
    OTHER_TITLE,
    SITE,
    TITLE,
    URL,
    WEEKDAYS,
    WHEN,
    WITH_ICS,
    World,
    build,
    links_of,
    parse,
    send_due,
    visible,
)

# Every test is marked (also those reading the module's scenario, which needs none of its
# own): pytest-django creates the test database only for a run that selects a marked test.
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site(settings):  # for the tests that run a scenario of their own
    settings.SITE_URL = SITE
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "community.betacowork.test"]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> World:
    """The scenario, once for the module's tests, in a transaction rolled back at its end."""
    from betacowork.messaging.records import recorder_connection_close

    with (
        django_db_blocker.unblock(),
        override_settings(
            SITE_URL=SITE,
            ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "community.betacowork.test"],
            EMAIL_BACKEND="tests.messaging.backends.ScriptedBackend",
        ),
        translation.override(settings.LANGUAGE_CODE),
    ):
        ScriptedBackend.reset()
        try:
            with transaction.atomic():
                built = build(Client())
                transaction.set_rollback(True)
        finally:
            ScriptedBackend.reset()
            recorder_connection_close()
    return built


# --- Every kind, in every language ----------------------------------------------------------


def test_every_registered_kind_is_sent_in_each_language(world):
    """A kind added to the registry fails here until this audit covers it."""
    expected = {k.key for k in registered_kinds() if not k.key.startswith("account.")}
    expected |= ACCOUNT_SENT
    sent = {(m.kind, m.language) for m in world.mails}
    missing = {(kind, lang) for kind in expected for lang in LANGUAGES} - sent
    assert not missing


@pytest.mark.parametrize("lang", ["fr", "nl"])
def test_no_english_sentence_is_left_in_french_or_dutch(world, lang):
    """Each line of the English rendering of a kind (its variable parts aside: titles, names,
    links, the organiser's words) is absent from its French and Dutch renderings."""
    variables = [TITLE, OTHER_TITLE, COLLAB_TITLE, NOTE_SUBJECT, NOTE_BODY, "Betacowork"]
    variables += world.names
    variables += [
        "community.betacowork.test",
        "Namur",
        "Charleroi",
        "Brussels",
        "Switch IT day",
        "Switch Coworking",
    ]

    def fixed(line: str) -> str:
        line = URL.sub("", line)
        for value in sorted(variables, key=len, reverse=True):
            line = line.replace(value, "")
        return line

    leftovers = set()
    for mail in [m for m in world.mails if m.language == lang]:
        english = world.of(mail.kind, "en")
        assert english, mail.kind
        for part in ("text", "html"):
            theirs = "\n".join(mail.sentences(part))
            for line in {line for m in english for line in m.sentences(part)}:
                if line.startswith("- Browser:"):  # the same word in Dutch, then its name
                    continue
                if re.search(r"[A-Za-z]{3,}", fixed(line)) and line in theirs:
                    leftovers.add((mail.kind, part, line))
        if re.search(r"[A-Za-z]{3,}", fixed(mail.subject)) and mail.subject in {
            m.subject for m in english
        }:
            leftovers.add((mail.kind, "subject", mail.subject))
    assert not leftovers


# --- Links ----------------------------------------------------------------------------------


def test_every_link_is_absolute_and_opens_a_real_page(world):
    for mail in world.mails:
        links = links_of(mail)
        assert links, mail.kind
        for link in links:
            assert link.startswith(f"{SITE}/"), (mail.kind, link)
            assert world.opened[link] in (200, 302), (mail.kind, mail.language, link)


# --- The plain-text part --------------------------------------------------------------------


def test_the_plain_text_part_has_no_html(world):
    for mail in world.mails:
        for value in (mail.subject, mail.text):
            assert not re.search(r"</?[a-z][a-z0-9]*[\s>/]", value), (mail.kind, value)
            assert not re.search(r"&(amp|lt|gt|quot|apos|nbsp|#x?[0-9a-f]+);", value), (
                mail.kind,
                mail.language,
            )
        assert mail.text.strip(), mail.kind
        if mail.html:
            assert f'<html lang="{mail.language}"' in mail.html, mail.kind


# --- Greetings ------------------------------------------------------------------------------


def test_each_person_is_greeted_by_first_name_in_their_language(world):
    for mail in world.mails:
        if mail.kind.startswith("account."):
            continue  # allauth's greeting names the site (see the test below)
        if mail.kind == "events.guest_request":
            # To an address nobody has proved yet: no name typed by whoever sent the form.
            assert mail.text.startswith(f"{HELLO[mail.language]},\n"), mail.text[:40]
            assert "Whoever" not in mail.text
            continue
        first = world.first_names.get(mail.to.lower())
        assert first, (mail.kind, mail.to)
        hello = f"{HELLO[mail.language]} {first},"
        assert mail.text.startswith(f"{hello}\n"), (mail.kind, mail.language, mail.text[:60])
        if mail.html:
            assert hello in visible(mail.html), (mail.kind, mail.language)


def test_account_emails_greet_in_the_language_and_quote_no_name_of_anyone_s_choosing(world):
    """An account email may go to an address nobody proved yet: it names the site, not the
    name typed at sign-up (templates/account/email/email_confirmation_message.txt)."""
    greeting = {
        "en": "Hello from Betacowork!",
        "fr": "Bonjour, c'est Betacowork\xa0!",
        "nl": "Hallo van Betacowork!",
    }
    for mail in world.mails:
        if mail.kind.startswith("account.") and mail.kind not in TO_A_MEMBER:
            assert mail.text.startswith(greeting[mail.language]), (mail.kind, mail.language)
            assert "Nina" not in mail.text
            assert mail.subject.startswith("[Betacowork] ")


# The account emails to the verified address of a member.
TO_A_MEMBER = {
    "account.password_reset_key",
    "account.account_already_exists",
    "account.email_added",  # a notice to the account's own (primary) address
}


@pytest.mark.parametrize("kind", sorted(TO_A_MEMBER))
def test_an_account_email_greets_the_member_of_a_verified_address_by_first_name(world, kind):
    for lang in LANGUAGES:
        [mail] = world.of(kind, lang)
        first = world.people[lang]
        assert mail.text.startswith(f"{HELLO[lang]} {first},\n"), mail.text[:40]


def test_a_password_reset_to_an_unverified_address_quotes_no_name(client):
    """The name of an account nobody proved the address of is anyone's text: not quoted."""
    user = UserFactory(name="Win http://prize.example now", verified=False, preferred_language="nl")
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    client.post("/accounts/password/reset/", {"email": user.email}, HTTP_ACCEPT_LANGUAGE="nl")
    send_due()
    [mail] = [parse(email) for email in ScriptedBackend.sent]
    assert mail.text.startswith("Hallo van Betacowork!\n")
    assert "prize" not in mail.text


def test_a_signed_in_members_account_email_is_in_their_language(world):
    for lang in LANGUAGES:
        [mail] = world.of("account.email_confirmation", lang)
        assert mail.to == f"second-{lang}@example.test"


# --- Dates and times ------------------------------------------------------------------------


def _said(when: datetime, lang: str) -> str:
    local = when.astimezone(BRUSSELS)
    weekday, month = WEEKDAYS[lang][local.weekday()], MONTHS[lang][local.month - 1]
    return f"{weekday} {local.day} {month} {local.year}, {local:%H:%M}"


def test_times_are_brussels_time_in_the_language_s_words(world):
    for mail in world.mails:
        if mail.kind.startswith(("account.", "collaborations.")):
            continue
        if mail.kind == "events.chapter_invitation":
            start = world.invited
        elif mail.kind in {"events.event_changed", "events.event_cancelled"}:
            start = world.moved
        else:
            start = world.start
        expected = _said(start, mail.language)
        text = mail.text.replace("\xa0", " ")  # French puts a no-break space before ":"
        when = [line for line in text.splitlines() if line.startswith(WHEN[mail.language])]
        assert when, (mail.kind, mail.language)
        assert when[0].startswith(f"{WHEN[mail.language]} {expected}\u2013"), (mail.kind, when[0])
        assert expected in visible(mail.html).replace("\xa0", " "), (mail.kind, mail.language)


def test_a_moved_event_s_email_says_the_old_time_too(world):
    before = {"en": "Before:", "fr": "Avant :", "nl": "Voorheen:"}
    for lang in LANGUAGES:
        for mail in world.of("events.event_changed", lang):
            text = mail.text.replace("\xa0", " ")
            assert f"{before[lang]} {_said(world.start, lang)}" in text


def test_a_reminder_s_subject_gives_the_day_and_time_in_the_language(world):
    days = {
        "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
        "fr": ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."],
        "nl": ["ma", "di", "wo", "do", "vr", "za", "zo"],
    }
    for lang in LANGUAGES:
        local = world.start.astimezone(BRUSSELS)
        for mail in world.of("events.reminder", lang):
            assert f"{days[lang][local.weekday()]} {local.day} " in mail.subject, mail.subject
            assert mail.subject.endswith(f", {local:%H:%M}"), mail.subject


def test_french_subjects_keep_their_non_breaking_spaces(world):
    """French puts a non-breaking space before ":" "?" "!" ";" and inside « »: the subject's
    line is made single without turning them into spaces a mail client may break at."""
    subjects = [mail.subject for mail in world.mails if mail.language == "fr"]
    assert sum("\xa0:" in subject for subject in subjects) >= 5, subjects
    for subject in subjects:
        assert not re.search(r" [:;?!»]|« ", subject), subject


# --- Headers and attachments ----------------------------------------------------------------


def test_unsubscribe_headers_only_on_the_kinds_one_may_turn_off(world):
    """A guest (no account) has no preferences: their messages carry their registration's
    cancel link instead (betacowork/messaging/preferences.py)."""
    for mail in world.mails:
        kind = kind_for(mail.kind)
        if kind.optional and mail.to.lower() in world.members:
            assert mail.headers.get("List-Unsubscribe", "").startswith(f"<{SITE}/"), mail.kind
            assert mail.headers.get("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
        else:
            assert "List-Unsubscribe" not in mail.headers, mail.kind
            assert "List-Unsubscribe-Post" not in mail.headers, mail.kind


def test_the_calendar_file_comes_with_the_kinds_that_need_it(world):
    for mail in world.mails:
        calendars = [a for a in mail.attachments if a[1] == "text/calendar"]
        if mail.kind == "events.event_cancelled" and not calendars:
            # The guests, on the waitlist to the end, had no calendar entry to mark cancelled.
            assert mail.to.startswith("guest-"), mail.to
            continue
        if mail.kind in WITH_ICS:
            [(filename, _type, content)] = calendars
            assert filename.endswith(".ics")
            assert "BEGIN:VEVENT" in content
            assert "DTSTART;TZID=Europe/Brussels:" in content
            if mail.kind == "events.event_cancelled":
                assert "STATUS:CANCELLED" in content
        else:
            assert not calendars, mail.kind


# --- An organiser's note ---------------------------------------------------------------------


def test_an_organisers_note_to_a_waitlisted_guest_offers_to_leave_the_waitlist(world):
    """They have no seat to cancel: the link's words say what it does, as the waitlist's
    other emails do."""
    leave = {
        "en": "Leave the waitlist",
        "fr": "Quitter la liste d'attente",
        "nl": "Wachtlijst verlaten",
    }
    cancel = {"en": "Cancel", "fr": "Annul", "nl": "Annule"}
    for lang in LANGUAGES:
        [mail] = [m for m in world.of("events.organiser_note", lang) if m.to.startswith("guest-")]
        link = URL.search(mail.text.split("\n-- \n", 1)[1]).group(0)
        assert f"{leave[lang]}: {link}" in mail.text.replace("\xa0:", ":").replace(" :", ":")
        assert f">{leave[lang]}</a>" in unescape(mail.html)
        assert cancel[lang] not in mail.text.split("\n-- \n", 1)[1]
        assert cancel[lang] not in visible(mail.html)
