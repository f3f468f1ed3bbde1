"""The scenario of tests/messaging/test_qa_round6_emails.py: every kind of email the product
sends, caused through its own services for three people (English, French, Dutch), delivered by
the sender through the mail backend, and read back from the bytes sent."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from email import message_from_bytes, policy
from html import unescape
from zoneinfo import ZoneInfo

from django.utils import timezone

from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_send_due
from collaborations.services import collaboration_update, participant_confirm
from collaborations.services.followups import event_followups_write
from events.chapters.services import chapter_diaspora_invite
from events.console.services import organiser_note_send
from events.services.announcements import chapter_announcement_write
from events.services.guests import guest_request_send
from events.services.lifecycle import event_cancel, event_update
from events.services.registration import event_register
from events.services.reminders import reminder_sweep_run
from members.models import User
from tests.collaborations.conftest import attend, log, make_past_event
from tests.events.factories import EventFactory
from tests.events.test_chapter_pages import build_world
from tests.factories import PASSWORD, ChapterFactory, UserFactory

from .backends import ScriptedBackend

BRUSSELS = ZoneInfo("Europe/Brussels")
SITE = "https://community.betacowork.test"
LANGUAGES = ("en", "fr", "nl")
HELLO = {"en": "Hello", "fr": "Bonjour", "nl": "Hallo"}
# The members, one per language: first names with an apostrophe or an accent, which neither
# part may mangle (`&#x27;` in the text, a raw quote in the HTML is fine).
MEMBERS = {"en": "D'Arcy O'Brien", "fr": "Zoë L'Hôte", "nl": "Jürgen De Smet"}
GUESTS = {"en": "Ann O'Neill", "fr": "Gaëlle D'Hondt", "nl": "Pieter-Jan Peeters"}
# What the organiser types, the event's and the collaboration's titles: the same in every
# language (the organiser's words are theirs), so left out of the "no English left" check.
NOTE_SUBJECT, NOTE_BODY = "Parking tonight", "Use the back door & park on the left."
TITLE, OTHER_TITLE, COLLAB_TITLE = "Switch IT day & Beers", "Betacooks lunch", "Website redesign"
# Names written independently of Django's formats: "Thursday 17 December 2026, 18:30".
WEEKDAYS = {
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
    "nl": ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"],
}
_MONTH_NAMES = {
    "en": "January February March April May June July August September October November December",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
}
MONTHS = {lang: names.split() for lang, names in _MONTH_NAMES.items()}
WHEN = {"en": "When:", "fr": "Quand :", "nl": "Wanneer:"}
# Kinds that carry the event's calendar file.
WITH_ICS = {
    "events.registration_confirmed",
    "events.registration_promoted",
    "events.reminder",
    "events.event_changed",
    "events.event_cancelled",
}
# allauth's emails this configuration sends (its change notifications are off).
ACCOUNT_SENT = {
    "account.email_confirmation",
    "account.email_confirmation_signup",
    "account.password_reset_key",
    "account.unknown_account",
    "account.account_already_exists",
}
URL = re.compile(r"https?://[^\s<>\"']+")


@dataclass
class Mail:
    kind: str
    language: str
    to: str
    subject: str
    text: str
    html: str
    headers: dict
    attachments: list = field(default_factory=list)  # (filename, content type, text)

    def sentences(self, part: str) -> list[str]:
        """The lines of the text part, or of the HTML part as a reader sees it."""
        body = self.text if part == "text" else visible(self.html)
        return [line.strip() for line in body.splitlines() if line.strip()]


def visible(html: str) -> str:
    html = re.sub(r"(?s)<(head|style)\b.*?</\1>", "", html)
    html = re.sub(r"<br\s*/?>|</(p|h1|h2|div|tr|blockquote)>", "\n", html)
    return unescape(re.sub(r"<[^>]+>", "", html))


def parse(email) -> Mail:
    message = message_from_bytes(email.message().as_bytes(), policy=policy.default)
    text = html = ""
    attachments = []
    for part in message.walk():
        if part.get_content_maintype() == "multipart":
            continue
        if part.get_filename():
            attachments.append((part.get_filename(), part.get_content_type(), part.get_content()))
        elif part.get_content_type() == "text/plain":
            text = part.get_content()
        elif part.get_content_type() == "text/html":
            html = part.get_content()
    key = str(message["X-Betacowork-Message"])
    return Mail(
        kind="",
        language=str(message["Content-Language"]),
        to=str(message["To"]),
        subject=str(message["Subject"]).strip(),
        text=text,
        html=html,
        headers={k: str(v).strip() for k, v in message.items()} | {"_key": key.strip()},
        attachments=attachments,
    )


def _event(*, hour: int = 18, **fields):
    day = timezone.localdate() + timedelta(days=10)
    start = datetime(day.year, day.month, day.day, hour, 30, tzinfo=BRUSSELS)
    return EventFactory(start=start, end=start + timedelta(hours=2), **fields)


def send_due() -> None:
    outbox_send_due()


@dataclass
class World:
    """What the scenario sent, as data: the database it ran in is rolled back."""

    mails: list[Mail]
    first_names: dict[str, str]  # address → first name of the person it belongs to
    members: set[str]  # the addresses of accounts
    people: dict[str, str]  # language → first name of its member
    names: list[str]  # every name an email of the scenario may quote
    opened: dict[str, int]  # link → the status the recipient's click gets
    start: datetime  # the event's first time, Brussels
    moved: datetime  # its time after the move
    invited: datetime  # the time of the chapter's event its region is invited to

    def of(self, kind: str, language: str) -> list[Mail]:
        return [m for m in self.mails if m.kind == kind and m.language == language]


def _account_mails(client, people) -> None:
    """allauth's emails, each caused in the person's language (the page they are on)."""
    for lang, person in people.items():
        # Signed in: their preferred language, whatever the browser says. (First: signing in
        # ends the validity of a password-reset link mailed before.)
        client.force_login(person)
        # Adding an address asks for the password first (allauth's reauthentication).
        client.post("/accounts/reauthenticate/", {"password": PASSWORD})
        client.post(
            "/accounts/email/",
            {"email": f"second-{lang}@example.test", "action_add": ""},
            HTTP_ACCEPT_LANGUAGE="en" if lang != "en" else "fr",
        )
        client.logout()
        accept = {"HTTP_ACCEPT_LANGUAGE": lang}
        client.post("/accounts/password/reset/", {"email": person.email}, **accept)
        client.post("/accounts/password/reset/", {"email": f"nobody-{lang}@example.test"}, **accept)
        signup = {"name": "Nina Nieuw", "password1": PASSWORD, "password2": PASSWORD}
        client.post("/accounts/signup/", {"email": f"new-{lang}@example.test", **signup}, **accept)
        client.post("/accounts/signup/", {"email": person.email, **signup}, **accept)
        client.logout()


def build(client) -> World:
    people = {
        lang: UserFactory(name=name, preferred_language=lang) for lang, name in MEMBERS.items()
    }
    holder = UserFactory(name="Stan Jagiello", preferred_language="en")
    staff = UserFactory(name="Sofie Peeters", is_staff=True, is_superuser=True)
    chapter = ChapterFactory(name="Namur", slug="namur")
    chapter.followers.add(*people.values())
    event = _event(capacity=1, chapter=chapter, title=TITLE)
    start = timezone.localtime(event.start, BRUSSELS)
    chapter_announcement_write(event=event)
    event_register(event=event, user=holder)
    for person in people.values():
        event_register(event=event, user=person)  # the waitlist
    send_due()
    event_update(event=event, data={"capacity": 4})  # the waitlist moves up
    send_due()
    for lang, name in GUESTS.items():  # guests, on the waitlist to the end
        event_register(event=event, name=name, email=f"guest-{lang}@example.test", language=lang)
    send_due()
    reminder_sweep_run(now=event.start - timedelta(hours=23))
    send_due()
    organiser_note_send(
        actor=staff,
        event=event,
        subject=NOTE_SUBJECT,
        body=NOTE_BODY,
        include_waitlist=True,
        nonce="ab12",
    )
    send_due()
    event.refresh_from_db()
    event_update(
        event=event,
        data={"start": event.start + timedelta(hours=1), "end": event.end + timedelta(hours=1)},
    )
    send_due()
    event_cancel(event=event)
    send_due()
    lunch = _event(capacity=20, title=OTHER_TITLE)
    for lang, person in people.items():
        event_register(event=lunch, user=person)
        event_register(
            event=lunch, name=GUESTS[lang], email=f"guest-{lang}@example.test", language=lang
        )
    for lang in LANGUAGES:  # a visitor's form: the link that confirms, to the address typed
        guest_request_send(
            event=lunch, name="Whoever", email=f"guest-{lang}@example.test", note="", language=lang
        )
    collab = log(holder, *people.values(), title=COLLAB_TITLE)
    send_due()
    # Its author corrects its value: everyone is asked again ("… changed the collaboration").
    collaboration_update(collaboration=collab, actor=holder, value_eur=Decimal("1500"))
    # Each of them logs one with Stan, who confirms it: its author hears of the answer.
    for person in people.values():
        theirs = log(person, holder, title=COLLAB_TITLE)
        participant_confirm(participant=theirs.participants.get(user=holder), user=holder)
    # Ended before today (Brussels) whatever the hour the suite runs at: followed up.
    past = make_past_event(title=OTHER_TITLE, days_ago=2)
    for person in people.values():
        attend(past, person)
    event_followups_write()
    world = build_world()
    for key, lang in (("ann", "fr"), ("pierre", "nl"), ("emile", "en")):
        world[key].user.preferred_language = lang
        world[key].user.save(update_fields=["preferred_language"])
    chapter_diaspora_invite(chapter=world["charleroi"], actor=world["norman"])
    send_due()
    _account_mails(client, people)
    send_due()
    kinds = dict(Outbox.objects.values_list("dedup_key", "kind"))
    mails = [parse(email) for email in ScriptedBackend.sent]
    for mail in mails:
        mail.kind = kinds[mail.headers["_key"]]
    users = {u.email.lower(): u for u in User.objects.all()}
    first_names = {f"guest-{lang}@example.test": n.split()[0] for lang, n in GUESTS.items()}
    first_names |= {email: u.get_short_name() for email, u in users.items()}
    return World(
        mails=mails,
        first_names=first_names,
        members=set(users),
        people={lang: p.get_short_name() for lang, p in people.items()},
        names=[u.name for u in users.values()] + list(first_names.values()),
        opened=_open_links(client, mails, users),
        start=start,
        moved=start + timedelta(hours=1),
        invited=world["event"].start,
    )


def links_of(mail: Mail) -> list[str]:
    links = URL.findall(mail.text)
    links += [unescape(h) for h in re.findall(r'href="([^"]+)"', mail.html)]
    links += re.findall(r"<(https?://[^>]+)>", mail.headers.get("List-Unsubscribe", ""))
    return links


def _open_links(client, mails: list[Mail], users: dict) -> dict[str, int]:
    """Each link of each message opened by its recipient (signed in, for a member's message
    other than an account email): {link: response status}. Account emails first: signing a
    member in ends the validity of the password-reset link mailed before, as it should."""
    opened = {}
    for mail in sorted(mails, key=lambda m: not m.kind.startswith("account.")):
        user = users.get(mail.to.lower())
        for link in links_of(mail):
            if link in opened or not link.startswith(f"{SITE}/"):
                continue
            if user is not None and not mail.kind.startswith("account."):
                client.force_login(user)
            opened[link] = client.get(link.removeprefix(SITE)).status_code
            client.logout()
    return opened
