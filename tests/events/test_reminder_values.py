"""The reminder sweep reads its registrations as plain values (events/services/reminders.py):
each outbox row it writes is the one the per-reminder path writes from the models — address,
language, recipient, subject, bodies, links, headers — for members and guests of every kind,
over several chunks; and no `Registration` or `User` instance is built for a row."""

from __future__ import annotations

import re
from datetime import timedelta
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.db.models.signals import post_init
from django.utils import timezone

from betacowork.messaging.models import Outbox
from betacowork.messaging.preferences import unsubscribe_url
from events.messages import Reminder
from events.models import Registration
from events.services import reminders
from events.services.common import _ics_attachment, guest_cancel_url, registration_language
from events.services.reminder_render import reminder_message
from events.services.reminders import reminders_write_for_event
from members.models import User
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = 1_790_000_000.25  # the signers' clock, frozen: a cancel link carries the second
OFFSET = 1440
FIELDS = (
    "dedup_key", "kind", "topic", "to_email", "language", "recipient_id", "subject", "body_text",
    "body_html", "headers", "attachments", "status",
)  # fmt: skip


@pytest.fixture(autouse=True)
def frozen_signing_clock():
    with mock.patch("django.core.signing.time.time", return_value=NOW):
        yield


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(reminders, "FIRST_CHUNK", 2)
    monkeypatch.setattr(reminders, "WRITE_CHUNK", 3)


def _event():
    start = timezone.now() + timedelta(hours=20)
    return EventFactory(start=start, end=start + timedelta(minutes=90), title="Tom & Jerry's <b>")


def _member(event, *, registration: dict | None = None, **user):
    return RegistrationFactory(event=event, user=UserFactory(**user), **(registration or {}))


def _guest(event, **registration):
    return RegistrationFactory(event=event, user=None, **registration)


def _people(event) -> dict[str, Registration]:
    """Who gets a reminder (by a label) and who does not (labels starting with "no-")."""
    people = {
        "en": _member(event, name="Ann Marie  Lee", email="Ann.Lee@Example.test"),
        "fr": _member(event, name="Jean-Pierre Dupont", preferred_language="fr"),
        "nl-empty-name": _member(
            event, name="", email="nobody@example.test", preferred_language="nl"
        ),
        # get_short_name() is "" (the name starts with a space): the greeting falls back to
        # the name they registered with.
        "leading-space": _member(event, name=" Bob Smith", registration={"name": "Robert  Smith"}),
        # A language the site does not have: the registration's is used.
        "odd-language": _member(
            event, name="Olga Odd", preferred_language="xx", registration={"language": "fr"}
        ),
        # Registered with another address and name: the reminder goes to the account's
        # (verified) address and greets them by the account's name; the cancel link names
        # the registration's address.
        "moved": _member(
            event,
            name="Mo Ved",
            registration={"email": "Old.Address@Example.test", "name": "Momo Ved"},
        ),
        "other-opt-out": _member(event, name="Otto Pref", email_opt_outs=["chapter_announcement"]),
        "no-opted-out": _member(event, email_opt_outs=["reminder", "chapter_announcement"]),
        "no-inactive": _member(event, is_active=False),
        "no-unverified": _member(event, verified=False),
        "guest-nl": _guest(event, name="Zoé van der Berg", email="Zoe@Guest.test", language="nl"),
        "guest-no-name": _guest(event, name="", email="noname@guest.test", language="fr"),
        "guest-spaces": _guest(
            event, name="  Spaced   Out ", email="spaced@guest.test", language="xx"
        ),
        "guest-html": _guest(event, name="<i>Al</i> & Co", email="al@guest.test", language="en"),
        "no-waitlisted": _member(event, registration={"status": Registration.Status.WAITLISTED}),
        "no-cancelled": _guest(
            event, email="gone@guest.test", status=Registration.Status.CANCELLED
        ),
    }
    # Verified, but another address than the account's: no reminder.
    elsewhere = _member(event, verified=False)
    EmailAddress.objects.create(user=elsewhere.user, email="else@example.test", verified=True)
    people["no-verified-elsewhere"] = elsewhere
    # The account's address in another case than the verified one: verified all the same.
    mixed = _member(event, name="Max Case", email="Mixed.Case@Example.TEST", verified=False)
    EmailAddress.objects.create(user=mixed.user, email="mixed.case@example.test", verified=True)
    people["mixed-case"] = mixed
    return people


def _expected_row(event, registration: Registration) -> dict:
    """The row of the per-reminder path, from the models read afresh."""
    registration = Registration.objects.select_related("user").get(pk=registration.pk)
    user = registration.user
    language = registration_language(registration)
    one = reminder_message(
        event=event, registration=registration, offset=OFFSET, user=user, language=language
    )
    headers = (
        {
            "List-Unsubscribe": f"<{unsubscribe_url(user, 'reminder')}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        if user
        else {}
    )
    return {
        "dedup_key": f"reminder-{OFFSET}m:reg{registration.pk}:v{event.version}",
        "kind": Reminder.key,
        "topic": f"event:{event.pk}",
        "to_email": user.email if user else registration.email,
        "language": language,
        "recipient_id": user.pk if user else None,
        "subject": one.subject,
        "body_text": one.text,
        "body_html": one.html,
        "headers": headers,
        "attachments": _stampless([_ics_attachment(event)]),
        "status": Outbox.Status.PENDING,
    }


def _rows(event) -> dict[str, dict]:
    rows = Outbox.objects.filter(topic=f"event:{event.pk}").values(*FIELDS)
    return {
        row["dedup_key"]: {**row, "attachments": _stampless(row["attachments"])} for row in rows
    }


def _stampless(attachments: list[dict]) -> list[dict]:
    """The .ics attachments without their DTSTAMP (the clock when it was written)."""
    return [
        {**a, "content": re.sub(r"DTSTAMP:\S+", "DTSTAMP:-", a["content"])} for a in attachments
    ]


def test_each_row_is_the_per_reminder_one():
    event = _event()
    people = _people(event)
    getting = {label: reg for label, reg in people.items() if not label.startswith("no-")}
    written, ids = reminders_write_for_event(event=event, offset=OFFSET)
    assert (written, len(ids)) == (len(getting), len(getting))
    rows = _rows(event)
    expected = {}
    for registration in getting.values():
        row = _expected_row(event, registration)
        expected[row["dedup_key"]] = row
    assert rows.keys() == expected.keys()
    for key, row in rows.items():
        assert row == expected[key], key


def test_each_row_says_what_the_person_should_read():
    """The same rows checked against literal values, not only against the per-reminder
    path: who, where, in which language, greeted by which name, with which links."""
    event = _event()
    people = _people(event)
    reminders_write_for_event(event=event, offset=OFFSET)
    rows = {row["dedup_key"]: row for row in _rows(event).values()}

    def row(label):
        return rows[f"reminder-{OFFSET}m:reg{people[label].pk}:v{event.version}"]

    assert not [label for label in people if label.startswith("no-") and label in rows]
    assert len(rows) == len([label for label in people if not label.startswith("no-")])
    hello = {"en": "Hello {},", "fr": "Bonjour {},", "nl": "Hallo {},"}
    cases = {
        # label: (to_email, language, greeting name)
        "en": ("Ann.Lee@Example.test", "en", "Ann"),
        "fr": (people["fr"].user.email, "fr", "Jean-Pierre"),
        "nl-empty-name": ("nobody@example.test", "nl", "nobody@example.test"),
        "leading-space": (people["leading-space"].user.email, "en", "Robert"),
        "odd-language": (people["odd-language"].user.email, "fr", "Olga"),
        "moved": (people["moved"].user.email, "en", "Mo"),
        "other-opt-out": (people["other-opt-out"].user.email, "en", "Otto"),
        "mixed-case": ("Mixed.Case@Example.TEST", "en", "Max"),
        "guest-nl": ("Zoe@Guest.test", "nl", "Zoé"),
        "guest-no-name": ("noname@guest.test", "fr", "noname@guest.test"),
        "guest-spaces": ("spaced@guest.test", "en", "Spaced"),
        "guest-html": ("al@guest.test", "en", "<i>Al</i>"),
    }
    for label, (to_email, language, name) in cases.items():
        registration, got = people[label], row(label)
        user = registration.user
        assert (got["to_email"], got["language"]) == (to_email, language), label
        assert got["recipient_id"] == (user.pk if user else None), label
        assert got["body_text"].startswith(hello[language].format(name)), label
        cancel = guest_cancel_url(registration)
        assert cancel in got["body_text"], label
        if user:
            unsubscribe = unsubscribe_url(user, "reminder")
            assert unsubscribe in got["body_text"], label
            assert got["headers"] == {
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            }, label
        else:
            assert "/unsubscribe/" not in got["body_text"], label
            assert got["headers"] == {}, label
        assert "Tom & Jerry's <b>" in got["subject"], label
    # The cancel link (checked above) names the registration's address, not the account's.
    assert people["moved"].email != people["moved"].user.email
    assert people["moved"].name != people["moved"].user.name
    assert "&lt;i&gt;Al&lt;/i&gt; &amp; Co" not in row("guest-html")["body_html"]  # first word
    assert "&lt;i&gt;Al&lt;/i&gt;," in row("guest-html")["body_html"]


def test_the_sweep_builds_no_registration_or_user_per_row():
    event = _event()
    for i in range(8):
        if i % 3:
            _member(event, preferred_language=("en", "fr", "nl")[i % 3])
        else:
            _guest(event, email=f"g{i}@guest.test")
    built = []

    def count(sender, **kwargs):
        built.append(sender)

    post_init.connect(count, sender=Registration)
    post_init.connect(count, sender=User)
    try:
        written, _ids = reminders_write_for_event(event=event, offset=OFFSET)
    finally:
        post_init.disconnect(count, sender=Registration)
        post_init.disconnect(count, sender=User)
    assert written == 8
    assert built == []
