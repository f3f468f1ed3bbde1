"""Event reminders and chapter announcements: the sweep service and its Celery tasks.

The reminder sweep (Celery beat, every `REMINDER_SWEEP_SECONDS`) finds confirmed registrations
of published, upcoming events whose reminder is due — for an offset `o` in
`event.effective_reminder_offsets`, due when `start - o <= now < start` — and writes one
outbox row each, keyed `reminder-<o>m:reg<pk>:v<event version>`. The key makes the sweep
idempotent (two sweeps at once write each reminder once) and gives a moved event (new
version) fresh reminders. When several offsets are due at once (a late registration, or the
sweep was down) only the nearest one is written: nobody gets the 24 h and the 2 h reminder
in the same minute. The rows' send tasks are fanned out on commit, in batches that each use
one SMTP connection; no task carries an ETA — the database decides what is due.

Who gets a reminder: a member, at their account address if it is verified (account emails
go to unverified addresses, reminders never do) and unless they opted out of reminders; a
guest, at the address they registered with, in the language they registered in.

Just before sending, `reminder_rows_check` (the `Reminder` kind's delivery check,
events/messages.py) cancels a reminder
whose registration was deleted or cancelled, whose event was cancelled, moved (new version)
or has started, or that a nearer reminder supersedes.

`chapter_announcement_write(event)` writes the "new event in a chapter you follow" messages;
call it in the transaction that publishes the event.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.html import escape

from members.models import Outbox, User
from members.notifications import (
    preferences_url,
    unsubscribe_headers,
    unsubscribe_url,
    wants_email,
)
from members.outbox import (
    OutboxMessage,
    RenderedMessage,
    message_render,
    outbox_existing_keys,
    outbox_write_many,
)

from .messages import ChapterAnnouncement, Reminder, upcoming_event_reasons
from .models import Event, Registration

logger = logging.getLogger(__name__)

REMINDER_KIND = Reminder.key
ANNOUNCEMENT_KIND = ChapterAnnouncement.key
LANGUAGES = {code for code, _name in settings.LANGUAGES}
WRITE_CHUNK = 500
_REMINDER_KEY = re.compile(r"^reminder-(?P<offset>\d+)m:reg(?P<reg>\d+):v(?P<version>\d+)$")
_ANNOUNCE_KEY = re.compile(r"^chapter-announce:(?P<event>\d+):(?P<user>\d+)$")


def reminder_key(*, offset: int, registration_id: int, version: int) -> str:
    return f"reminder-{offset}m:reg{registration_id}:v{version}"


def event_topic(event: Event) -> str:
    return f"event:{event.pk}"


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _cancel_url(registration: Registration, event: Event) -> str:
    """The registration's cancel link (the events app's signed link), else the event page."""
    try:
        from .services import guest_cancel_url

        return guest_cancel_url(registration)
    except (ImportError, NoReverseMatch):
        return _absolute(event.get_absolute_url())


def _language(registration: Registration) -> str:
    user = registration.user
    if user is not None and user.preferred_language in LANGUAGES:
        return user.preferred_language
    lang = getattr(registration, "language", "") or settings.LANGUAGE_CODE
    return lang if lang in LANGUAGES else settings.LANGUAGE_CODE


def _ics_attachment(event: Event) -> dict:
    from .ics import event_ics

    return {
        "filename": f"{event.slug or 'event'}.ics",
        "content": event_ics(event).decode("utf-8"),
        "mimetype": "text/calendar",
    }


def verified_addresses(user_ids: Iterable[int]) -> set[tuple[int, str]]:
    """(user id, lower-cased email) pairs that are verified."""
    user_ids = list(user_ids)
    pairs: set[tuple[int, str]] = set()
    for start in range(0, len(user_ids), 1000):
        pairs.update(
            (uid, email.lower())
            for uid, email in EmailAddress.objects.filter(
                user_id__in=user_ids[start : start + 1000], verified=True
            ).values_list("user_id", "email")
        )
    return pairs


def reminder_offset_due(event: Event, now: datetime) -> int | None:
    """The nearest due reminder offset (minutes) of `event` at `now`, or None."""
    if event.status != Event.Status.PUBLISHED or not (now < event.start):
        return None
    due = [o for o in event.effective_reminder_offsets if now >= event.start - timedelta(minutes=o)]
    return min(due) if due else None


def reminders_due(now: datetime | None = None) -> list[tuple[Event, int]]:
    """Published upcoming events with a reminder due now, with that reminder's offset."""
    now = now or timezone.now()
    events = Event.objects.filter(status=Event.Status.PUBLISHED, start__gt=now).select_related(
        "kind", "space"
    )
    due = []
    for event in events.iterator(chunk_size=500):
        offset = reminder_offset_due(event, now)
        if offset is not None:
            due.append((event, offset))
    return due


def _recipient(registration: Registration, verified: set[tuple[int, str]]):
    """(user or None, address) for a reminder, or None when the person gets none."""
    user = registration.user
    if registration.user_id is None:
        return None, registration.email
    if not user.is_active or not wants_email(user, REMINDER_KIND):
        return None
    if (user.pk, user.email.lower()) not in verified:
        return None  # reminders go only to verified addresses
    return user, user.email


# The personal parts of a reminder. A sweep renders the templates once per language with
# these tokens in their place, then substitutes each person's values (HTML-escaped in the HTML
# part): rendering 7,000 reminders one by one would dominate the sweep.
_PERSONAL = ("name", "cancel_url", "unsubscribe_url")


def _token(field_name: str) -> str:
    return f"@@betacowork-{field_name}@@"


def reminder_context(
    *, event: Event, offset: int, personal: dict[str, str], with_preferences: bool
) -> dict:
    return {
        "event": event,
        "offset_hours": offset // 60,
        "offset_minutes": offset,
        "start": timezone.localtime(event.start),
        "end": timezone.localtime(event.end),
        "place": event.place,
        "event_url": _absolute(event.get_absolute_url()),
        "preferences_url": preferences_url() if with_preferences else "",
        "site_url": settings.SITE_URL,
        **personal,
    }


def _personal_values(
    registration: Registration, event: Event, user: User | None, unsubscribe: str
) -> dict[str, str]:
    return {
        "name": (user.get_short_name() if user else "") or registration.name,
        "cancel_url": _cancel_url(registration, event),
        "unsubscribe_url": unsubscribe,
    }


def reminder_message(
    *,
    event: Event,
    registration: Registration,
    offset: int,
    user: User | None,
    language: str,
    templates: tuple | None = None,
) -> RenderedMessage:
    """Render one reminder (subject, text, HTML) for `registration`."""
    unsubscribe = unsubscribe_url(user, REMINDER_KIND) if user else ""
    context = reminder_context(
        event=event,
        offset=offset,
        personal=_personal_values(registration, event, user, unsubscribe),
        with_preferences=user is not None,
    )
    return _render(templates or _templates("events/email/reminder"), context, language)


class _ReminderRenderer:
    """Renders the reminders of one (event, offset): templates once per language and kind of
    recipient, then each person's values substituted."""

    def __init__(self, event: Event, offset: int):
        self.event, self.offset = event, offset
        self.templates = _templates("events/email/reminder")
        self.cache: dict[tuple[str, bool], RenderedMessage] = {}

    def render(self, *, personal: dict[str, str], member: bool, language: str):
        key = (language, member)
        if key not in self.cache:
            context = reminder_context(
                event=self.event,
                offset=self.offset,
                personal={
                    f: _token(f) if (member or f != "unsubscribe_url") else "" for f in _PERSONAL
                },
                with_preferences=member,
            )
            self.cache[key] = _render(self.templates, context, language)
        shared = self.cache[key]
        text, html = shared.text, shared.html
        for field_name, value in personal.items():
            text = text.replace(_token(field_name), value)
            html = html.replace(_token(field_name), escape(value))
        return RenderedMessage(subject=shared.subject, text=text, html=html)


def _templates(prefix: str) -> tuple:
    """The subject, text and HTML templates of a message, loaded once per sweep."""
    return tuple(
        get_template(name) for name in (f"{prefix}_subject.txt", f"{prefix}.txt", f"{prefix}.html")
    )


def _render(templates: tuple, context: dict, language: str) -> RenderedMessage:
    """Like `members.outbox.message_render`, with templates compiled once for a whole sweep
    (with DEBUG on, Django re-reads and re-compiles a template at every render)."""
    subject, text, html = templates
    with translation.override(language):
        return RenderedMessage(
            subject=" ".join(subject.render(context).split()),
            text=text.render(context),
            html=html.render(context),
        )


def reminders_write_for_event(*, event: Event, offset: int) -> tuple[int, list[int]]:
    """Write the missing reminders of one (event, offset); return (written, pending ids)."""
    registrations = list(
        Registration.objects.filter(event=event, status=Registration.Status.CONFIRMED)
        .select_related("user")
        .order_by("pk")
    )
    keys = {
        reg.pk: reminder_key(offset=offset, registration_id=reg.pk, version=event.version)
        for reg in registrations
    }
    existing = outbox_existing_keys(keys.values())
    todo = [reg for reg in registrations if keys[reg.pk] not in existing]
    if not todo:
        return 0, []
    verified = verified_addresses({reg.user_id for reg in todo if reg.user_id})
    attachment = _ics_attachment(event)
    renderer = _ReminderRenderer(event, offset)
    written, ids = 0, []
    for start in range(0, len(todo), WRITE_CHUNK):
        messages = []
        for reg in todo[start : start + WRITE_CHUNK]:
            recipient = _recipient(reg, verified)
            if recipient is None:
                continue
            user, address = recipient
            language = _language(reg)
            unsubscribe = unsubscribe_url(user, REMINDER_KIND) if user else ""
            messages.append(
                OutboxMessage(
                    dedup_key=keys[reg.pk],
                    kind=REMINDER_KIND,
                    to_email=address,
                    language=language,
                    message=renderer.render(
                        personal=_personal_values(reg, event, user, unsubscribe),
                        member=user is not None,
                        language=language,
                    ),
                    recipient=user,
                    topic=event_topic(event),
                    headers=(
                        {
                            "List-Unsubscribe": f"<{unsubscribe}>",
                            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                        }
                        if user
                        else {}
                    ),
                    attachments=[attachment],
                )
            )
        # One transaction per chunk: its send tasks go out as soon as it commits.
        with transaction.atomic():
            ids.extend(outbox_write_many(messages))
        written += len(messages)
    return written, ids


def reminder_sweep_run(*, now: datetime | None = None) -> int:
    """Write every due reminder (idempotent); return how many rows this run wrote."""
    now = now or timezone.now()
    total = 0
    for event, offset in reminders_due(now):
        written, _ids = reminders_write_for_event(event=event, offset=offset)
        total += written
    if total:
        logger.info("Reminder sweep wrote %d reminders.", total)
    return total


def reminder_rows_check(rows: list[Outbox]) -> dict[int, str]:
    """Outbox delivery check: why each reminder row must not go out (if it must not)."""
    parsed = {}
    for row in rows:
        match = _REMINDER_KEY.match(row.dedup_key)
        if match:
            parsed[row.pk] = {k: int(v) for k, v in match.groupdict().items()}
    registrations = Registration.objects.select_related("event", "event__kind").in_bulk(
        [p["reg"] for p in parsed.values()]
    )
    now = timezone.now()
    reasons = {}
    for row in rows:
        p = parsed.get(row.pk)
        if p is None:
            continue
        reg = registrations.get(p["reg"])
        if reg is None:
            reasons[row.pk] = "Registration deleted."
            continue
        event = reg.event
        if reg.status != Registration.Status.CONFIRMED:
            reasons[row.pk] = f"Registration is {reg.status}."
        elif event.status != Event.Status.PUBLISHED:
            reasons[row.pk] = f"Event is {event.status}."
        elif event.version != p["version"]:
            reasons[row.pk] = (
                f"Event moved (version {p['version']} → {event.version}): "
                "the reminders of the new time replace this one."
            )
        elif now >= event.start:
            reasons[row.pk] = "Event has already started."
        else:
            nearest = reminder_offset_due(event, now)
            if nearest is not None and nearest < p["offset"]:
                reasons[row.pk] = f"Superseded by the {nearest}-minute reminder."
    return reasons


def reminders_stop_for_deleted_user(*, user: User) -> None:
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
    ).select_related("event", "event__kind")
    for reg in registrations:
        for offset in reg.event.effective_reminder_offsets:
            rows.append(
                Outbox(
                    dedup_key=reminder_key(
                        offset=offset, registration_id=reg.pk, version=reg.event.version
                    ),
                    kind=REMINDER_KIND,
                    topic=event_topic(reg.event),
                    to_email=reg.email,
                    language=_language(reg),
                    subject="(not sent: account deleted)",
                    body_text="",
                    status=Outbox.Status.CANCELLED,
                    last_error="Recipient account deleted.",
                )
            )
    Outbox.objects.bulk_create(rows, ignore_conflicts=True)


# Chapter announcements ---------------------------------------------------------------------


def chapter_announcement_write(*, event: Event) -> int:
    """Tell the followers of the event's chapter about it; return how many rows were written.

    Call it inside the transaction that publishes the event. Idempotent (key
    `chapter-announce:<event>:<user>`): publishing twice announces once. Only published,
    upcoming events of a chapter are announced, to verified addresses of followers who did
    not opt out of chapter announcements.
    """
    if event.chapter_id is None or event.status != Event.Status.PUBLISHED:
        return 0
    if event.start <= timezone.now():
        return 0
    followers = list(event.chapter.followers.filter(is_active=True).order_by("pk"))
    keys = {user.pk: f"chapter-announce:{event.pk}:{user.pk}" for user in followers}
    existing = outbox_existing_keys(keys.values())
    followers = [
        u
        for u in followers
        if keys[u.pk] not in existing and wants_email(u, ANNOUNCEMENT_KIND) and u.email
    ]
    verified = verified_addresses(u.pk for u in followers)
    messages = []
    for user in followers:
        if (user.pk, user.email.lower()) not in verified:
            continue
        language = (
            user.preferred_language
            if user.preferred_language in LANGUAGES
            else settings.LANGUAGE_CODE
        )
        context = {
            "event": event,
            "chapter": event.chapter,
            "name": user.get_short_name(),
            "start": timezone.localtime(event.start),
            "place": event.place,
            "event_url": _absolute(event.get_absolute_url()),
            "unsubscribe_url": unsubscribe_url(user, ANNOUNCEMENT_KIND),
            "preferences_url": preferences_url(),
            "site_url": settings.SITE_URL,
        }
        messages.append(
            OutboxMessage(
                dedup_key=keys[user.pk],
                kind=ANNOUNCEMENT_KIND,
                to_email=user.email,
                language=language,
                message=message_render(
                    template_prefix="events/email/chapter_announcement",
                    context=context,
                    language=language,
                ),
                recipient=user,
                topic=event_topic(event),
                headers=unsubscribe_headers(user, ANNOUNCEMENT_KIND),
            )
        )
    with transaction.atomic():
        outbox_write_many(messages)
    return len(messages)


def chapter_announcement_rows_check(rows: list[Outbox]) -> dict[int, str]:
    """Outbox delivery check: an announcement for a cancelled or past event is not sent."""
    return upcoming_event_reasons(rows, _ANNOUNCE_KEY)


# Celery tasks ------------------------------------------------------------------------------


@shared_task(name="events.reminders.reminder_sweep", acks_late=True, ignore_result=True)
def reminder_sweep() -> int:
    """Periodic (beat): write the due reminders; their send tasks are enqueued on commit."""
    return reminder_sweep_run()


def event_delivery_log_url(event: Event) -> str:
    """The admin delivery log of an event (outbox rows with its topic)."""
    return f"{reverse('admin:members_outbox_changelist')}?topic={event_topic(event)}"
