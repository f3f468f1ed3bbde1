"""Reminders before an event: which are due, and writing them (the sweep).

The reminder sweep (Celery beat, every `REMINDER_SWEEP_SECONDS`: `events.tasks.reminder_sweep`)
finds confirmed registrations of published, upcoming events whose reminder is due — for an
offset `o` in `event.effective_reminder_offsets`, due when `start - o <= now < start` — or
becomes due within `REMINDER_WRITE_AHEAD_SECONDS`, and writes one outbox row each, keyed
`reminder-<o>m:reg<pk>:v<event version>`. The key makes the sweep idempotent (two sweeps at
once write each reminder once) and gives a moved event (new version) fresh reminders. When
several offsets are due at once or within the window (a late registration, or the sweep was
down) only the nearest one is written: nobody gets the 24 h reminder minutes before the 2 h
one.

Written ahead, sent on time. A reminder that becomes due before the next sweeps is written
now, its row's `next_attempt_at` set to the moment it is due: no sender claims it before, and
when it comes the outbox sweep (every `OUTBOX_SWEEP_SECONDS`) finds the rows due and sends them
— the writing (reading the registrations, signing the links, rendering, 3 KB a row) is done
beforehand, off the sending's path, and the reminders leave within a minute of their time
rather than within a reminder sweep's period. What changes in between is caught when they go:
the delivery checks (a seat cancelled, an event cancelled or moved — its new version's
reminders are written by the next sweep —, an account deactivated, the preference turned
off). A reminder due now (written late: a registration or an event published inside the
window, a sweep that was down) is written and sent at once: its send tasks are fanned out on
commit, in batches that each use one SMTP connection. No task carries an ETA — the database
decides what is due.

Nobody is reminded of what they were just told: a reminder falling due less than
`FRESH_CONFIRMATION` after the seat was confirmed (a registration at noon for the evening,
a promotion from the waitlist) is not written for that seat — the confirmation email said it,
with the calendar file; the reminder after it still goes. Likewise for everyone after the
event moved (`Event.rescheduled_at`): the "event changed" email said the new time or place,
with the calendar file; a reminder that was due before it, or falls due within
`FRESH_CONFIRMATION` after it, is not written for the new version (QA: moved an hour later
on the day, the 24 h reminder went out three hours before the start, after the change).

Who gets a reminder: a member, at their account address if it is verified (account emails go
to unverified addresses, reminders never do) and unless they turned the kind's preference off;
a guest, at the address they registered with, in the language they registered in.

The message is the `Reminder` kind of the registry (events/messages.py: its key, templates,
preference, and the delivery check that cancels a reminder whose seat, event or time changed
before it went). A sweep writes thousands at once, so it renders the kind's templates once
per language and kind of recipient and substitutes each person's values (reminder_render.py,
written with `outbox_write_many`), rather than rendering each message through `notify()`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone, translation

from betacowork.messaging.afterwards import NOT_SENT_SUBJECT, RECIPIENT_DELETED
from betacowork.messaging.models import Outbox
from betacowork.messaging.outbox import OutboxMessage, outbox_existing_keys, outbox_write_many
from betacowork.messaging.preferences import wants_email

from ..messages import Reminder, reminder_key
from ..models import Event, Registration
from .common import _ics_attachment, event_topic, registration_language, verified_addresses
from .reminder_render import ReminderLinks, ReminderRenderer, personal_values

logger = logging.getLogger(__name__)

WRITE_CHUNK = 500
FIRST_CHUNK = 50  # the first chunk's reminders leave while the rest is written
# A seat confirmed less than this before a reminder falls due gets no such reminder.
FRESH_CONFIRMATION = timedelta(hours=1)


def reminders_due(
    now: datetime | None = None, *, ahead: timedelta | None = None
) -> list[tuple[Event, int, datetime | None]]:
    """The reminders to write now: (event, offset, when it is due) for each published
    upcoming event, its nearest reminder among those due now (when: None) or within `ahead`
    (default `REMINDER_WRITE_AHEAD_SECONDS`) of `now` — leaving out those its registrants were
    told of by the event's move (`rescheduled_at`)."""
    now = now or timezone.now()
    if ahead is None:
        ahead = timedelta(seconds=settings.REMINDER_WRITE_AHEAD_SECONDS)
    events = Event.objects.filter(status=Event.Status.PUBLISHED, start__gt=now).select_related(
        "kind", "space"
    )
    due: list[tuple[Event, int, datetime | None]] = []
    for event in events.iterator(chunk_size=500):
        # Of the reminders due now or within the window only the nearest is written: the
        # 24 h reminder of someone who registers 2 h 5 min before the start is not sent five
        # minutes before the 2 h one.
        told = event.rescheduled_at  # everyone heard of its new time or place then
        coming = [
            o
            for o in event.effective_reminder_offsets
            if event.start - timedelta(minutes=o) <= now + ahead
            and not (told and event.start - timedelta(minutes=o) < told + FRESH_CONFIRMATION)
        ]
        if coming:
            offset = min(coming)
            at = event.start - timedelta(minutes=offset)
            due.append((event, offset, at if at > now else None))
    return due


class _Member:
    """A member as the sweep reads them (a row of values, not a `User`): the attributes
    `_recipient`, `wants_email`, `registration_language`, `ReminderLinks.unsubscribe` and the
    outbox row (`recipient`: its `pk`) read, and the model's own `get_short_name` — the
    same function, so the greeting cannot drift from `reminder_message()`'s
    (reminder_render.py). Slots: a helper that comes to read another attribute fails loudly
    (tests/events/test_reminder_values.py) instead of reading a wrong one."""

    __slots__ = ("email", "email_opt_outs", "is_active", "name", "pk", "preferred_language")
    get_short_name = get_user_model().get_short_name

    def __init__(self, pk, email, name, is_active, email_opt_outs, preferred_language):
        self.pk, self.email, self.name = pk, email, name
        self.is_active, self.email_opt_outs = is_active, email_opt_outs
        self.preferred_language = preferred_language


class _Seat:
    """A confirmed registration as the sweep reads it (a row of values, not a
    `Registration`): the attributes `_recipient`, `registration_language`,
    `personal_values` and `ReminderLinks.cancel` read, its member a `_Member` (None for a guest),
    and the model's own `greeting_name` property."""

    __slots__ = ("email", "language", "name", "pk", "user", "user_id")
    greeting_name = Registration.greeting_name

    def __init__(
        self, pk, email, name, language, user_id, user_email, user_name, is_active,
        email_opt_outs, preferred_language,
    ):  # fmt: skip
        self.pk, self.email, self.name, self.language = pk, email, name, language
        self.user_id = user_id
        self.user = (
            None
            if user_id is None
            else _Member(
                user_id, user_email, user_name, is_active, email_opt_outs, preferred_language
            )
        )


# A chunk's registrations and their members' columns, in the order of `_Seat.__init__`: one
# query of values, no model instances (a `Registration` and a `User` per row cost
# three times the CPU of these values and objects).
_SEAT_COLUMNS = (
    "pk", "email", "name", "language", "user_id",
    "user__email", "user__name", "user__is_active", "user__email_opt_outs",
    "user__preferred_language",
)  # fmt: skip


def _seats(registrations) -> list[_Seat]:
    """`registrations` as `_Seat`s, in order of id."""
    return [_Seat(*row) for row in registrations.order_by("pk").values_list(*_SEAT_COLUMNS)]


def _recipient(registration: Registration | _Seat, verified: set[tuple[int, str]]):
    """(user or None, address) for a reminder, or None when the person gets none."""
    user = registration.user
    if registration.user_id is None:  # a guest; a former member's row has no address
        return (None, registration.email) if registration.email else None
    if not user.is_active or not wants_email(user, Reminder.preference):
        return None
    if (user.pk, user.email.lower()) not in verified:
        return None  # reminders go only to verified addresses
    return user, user.email


class _Attachments:
    """The event's .ics for a sweep's reminders, built once per language: its category is
    said in the reader's words (QA: a Dutch member's file said "Talk / Conference")."""

    def __init__(self, event):
        self.event, self.built = event, {}

    def __call__(self, language: str) -> dict:
        if language not in self.built:
            with translation.override(language):
                self.built[language] = _ics_attachment(self.event)
        return self.built[language]


def _reminder_row(
    reg, key, recipient, renderer, attachment, links: ReminderLinks, due_at: datetime | None
) -> OutboxMessage:
    user, address = recipient
    language = registration_language(reg)
    unsubscribe = links.unsubscribe(user) if user else ""
    return OutboxMessage(
        dedup_key=key,
        kind=Reminder.key,
        to_email=address,
        language=language,
        message=renderer.render(
            personal=personal_values(reg, user, unsubscribe, links.cancel(reg)),
            member=user is not None,
            language=language,
        ),
        recipient=user,
        topic=event_topic(renderer.event),
        headers=(
            {
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            }
            if user
            else {}
        ),
        attachments=[attachment(language)],
        not_before=due_at,
    )


def reminders_write_for_event(
    *, event: Event, offset: int, due_at: datetime | None = None
) -> tuple[int, list[int]]:
    """Write the missing reminders of one (event, offset); return (written, pending ids).
    Due now (`due_at` None), their send tasks go out as each chunk commits; written ahead,
    the rows wait for `due_at` (the outbox sweep sends them then).

    Chunk by chunk: each chunk's registrations are read (as values: `_seats`), checked,
    rendered and committed before the next is read, so its send tasks go out while the rest
    is written — the first chunk small (`FIRST_CHUNK`), so that a large event's first
    reminders leave at once rather than after every registration has been read. The ids
    come first, in one read by the event's index (a LIMIT in order of id could walk the
    primary key of every event's registrations instead)."""
    renderer = attachment = links = None  # made for the first reminder to write
    confirmed = Registration.objects.filter(
        event=event, status=Registration.Status.CONFIRMED
    ).exclude(  # told just now by their confirmation (rows from before the column: kept)
        confirmed_at__gt=event.start - timedelta(minutes=offset) - FRESH_CONFIRMATION
    )
    pks = sorted(confirmed.values_list("pk", flat=True))
    written, ids = 0, []
    for start, end in _chunks(len(pks)):
        chunk = _seats(confirmed.filter(pk__in=pks[start:end]))
        keys = {
            reg.pk: reminder_key(offset=offset, registration_id=reg.pk, version=event.version)
            for reg in chunk
        }
        existing = outbox_existing_keys(keys.values())
        todo = [reg for reg in chunk if keys[reg.pk] not in existing]
        if not todo:
            continue
        verified = verified_addresses({reg.user_id for reg in todo if reg.user_id})
        if renderer is None:
            renderer, attachment, links = (
                ReminderRenderer(event, offset),
                _Attachments(event),
                ReminderLinks(),
            )
        messages = []
        for reg in todo:
            recipient = _recipient(reg, verified)
            if recipient is not None:
                messages.append(
                    _reminder_row(reg, keys[reg.pk], recipient, renderer, attachment, links, due_at)
                )
        # One transaction per chunk: its send tasks go out as soon as it commits.
        with transaction.atomic():
            ids.extend(outbox_write_many(messages, send_now=due_at is None))
        written += len(messages)
    return written, ids


def _chunks(count: int):
    """(start, end) of the chunks of `count` registrations: FIRST_CHUNK, then WRITE_CHUNK."""
    start, size = 0, FIRST_CHUNK
    while start < count:
        yield start, min(start + size, count)
        start, size = start + size, WRITE_CHUNK


def reminder_sweep_run(*, now: datetime | None = None) -> int:
    """Write every due reminder (idempotent); return how many rows this run wrote."""
    now = now or timezone.now()
    total = 0
    for event, offset, due_at in reminders_due(now):
        written, _ids = reminders_write_for_event(event=event, offset=offset, due_at=due_at)
        total += written
    if total:
        logger.info("Reminder sweep wrote %d reminders.", total)
    return total


def reminders_stop_for_deleted_user(*, user) -> None:
    """A deleted account gets no more reminders (a step of `account_delete`).

    Its registrations survive (user SET_NULL, name and email kept) and would look like a
    guest's to the next sweep, so every reminder still to come is written now as a cancelled
    row: its de-duplication key is taken and the sweep writes nothing for it. (Pending rows of
    the account are cancelled by the outbox itself.)
    """
    now = timezone.now()
    rows = []
    registrations = Registration.objects.filter(
        user=user, status=Registration.Status.CONFIRMED, event__start__gt=now
    ).select_related("event", "event__kind", "user")
    for reg in registrations:
        for offset in reg.event.effective_reminder_offsets:
            rows.append(
                Outbox(
                    dedup_key=reminder_key(
                        offset=offset, registration_id=reg.pk, version=reg.event.version
                    ),
                    kind=Reminder.key,
                    topic=event_topic(reg.event),
                    to_email=reg.email,
                    language=registration_language(reg),
                    subject=NOT_SENT_SUBJECT,
                    body_text="",
                    status=Outbox.Status.CANCELLED,
                    last_error=RECIPIENT_DELETED,
                )
            )
    Outbox.objects.bulk_create(rows, ignore_conflicts=True)
