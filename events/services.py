"""Every state change of events and registrations, each in one transaction.

Registration correctness: `event_register` and `registration_cancel` lock the event row
(`select_for_update`) before counting confirmed seats, so concurrent requests queue on that
row and exactly `capacity` people end up confirmed. On SQLite `select_for_update` is a no-op,
but the settings open IMMEDIATE transactions, which take the database write lock at BEGIN and
so serialise writers just the same.

Emails caused by a change are outbox rows written in the same transaction (members.outbox),
so a rolled-back change never sends anything and a committed one is never forgotten.
Every message about an event uses the topic ``event:<pk>``.
"""

from __future__ import annotations

import logging
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule as du_rrule
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Value
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from members.models import Outbox
from members.outbox import (
    OutboxMessage,
    message_render,
    outbox_send_on_commit,
    outbox_write_many,
)

from .models import CalendarToken, Event, EventSeries, Registration

logger = logging.getLogger(__name__)

TZ = ZoneInfo(settings.TIME_ZONE)

# Test-only switches for the negative control of the concurrency test: with the lock off and
# a pause between counting seats and inserting, concurrent registrations oversell. Never set
# these outside tests.
REGISTRATION_LOCK_ENABLED = True
REGISTRATION_RACE_PAUSE_SECONDS = 0.0

GUEST_CANCEL_SALT = "events.guest-cancel"
# Fields whose change moves the event in a calendar: they bump `version` (the SEQUENCE).
SCHEDULE_FIELDS = ("start", "end", "space_id", "room")
LANGUAGES = {code for code, _name in settings.LANGUAGES}


# Helpers -----------------------------------------------------------------------------------


def event_topic(event: Event) -> str:
    return f"event:{event.pk}"


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def guest_cancel_token(registration: Registration) -> str:
    """A signed token naming the registration and its email: the guest's cancel link."""
    return signing.dumps(
        {"r": registration.pk, "e": registration.email.lower()}, salt=GUEST_CANCEL_SALT
    )


def guest_cancel_url(registration: Registration) -> str:
    return absolute_url(
        reverse("events:guest_cancel", kwargs={"token": guest_cancel_token(registration)})
    )


def registration_from_token(token: str) -> Registration | None:
    """The registration a cancel link names, or None when the link is tampered or stale."""
    try:
        data = signing.loads(token, salt=GUEST_CANCEL_SALT)
        pk, email = int(data["r"]), str(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    return (
        Registration.objects.select_related("event", "event__kind", "event__space")
        .filter(pk=pk, email__iexact=email)
        .first()
    )


def registration_language(registration: Registration) -> str:
    if registration.user_id and registration.user.preferred_language in LANGUAGES:
        return registration.user.preferred_language
    return registration.language if registration.language in LANGUAGES else "en"


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first person on the waitlist; None when not waitlisted."""
    if registration.status != Registration.Status.WAITLISTED:
        return None
    ahead = (
        Registration.objects.waitlisted()
        .filter(event_id=registration.event_id)
        .filter(
            Q(waitlisted_at__lt=registration.waitlisted_at)
            | Q(waitlisted_at=registration.waitlisted_at, pk__lt=registration.pk)
        )
        .count()
    )
    return ahead + 1


def _ics_attachment(event: Event) -> dict:
    from .ics import event_ics

    return {
        "filename": f"{event.slug}.ics",
        "content": event_ics(event).decode("utf-8"),
        "mimetype": "text/calendar",
    }


def _notify(
    *,
    registration: Registration,
    kind: str,
    dedup_key: str,
    template: str,
    extra: dict | None = None,
    with_ics: bool = False,
) -> None:
    """Write one outbox row for a registrant, in their language, inside the caller's atomic."""
    event = registration.event
    language = registration_language(registration)
    context = {
        "event": event,
        "registration": registration,
        "event_url": absolute_url(event.get_absolute_url()),
        "ics_url": absolute_url(reverse("events:ics", kwargs={"slug": event.slug})),
        "cancel_url": guest_cancel_url(registration),
        "my_events_url": absolute_url(reverse("events:mine")),
        "site_url": settings.SITE_URL,
        **(extra or {}),
    }
    message = message_render(
        template_prefix=f"events/email/{template}", context=context, language=language
    )
    # outbox_write_many, even for one message: one INSERT … ON CONFLICT DO NOTHING instead
    # of get_or_create's SELECT + savepoint + INSERT. The key is new for a new registration,
    # so the SELECT was wasted, and when registering it runs under the event lock.
    outbox_write_many(
        [
            OutboxMessage(
                dedup_key=dedup_key,
                kind=kind,
                to_email=registration.email,
                language=language,
                message=message,
                recipient=registration.user,
                topic=event_topic(event),
                attachments=[_ics_attachment(event)] if with_ics else [],
            )
        ]
    )


def _registration_message(*, registration: Registration, kind: str, dedup_key: str, **extra):
    """Write a registration message as data (events/messages.py renders it when sending):
    one INSERT, nothing rendered — this runs under the event lock. The key names a new
    registration (or a new promotion), so it cannot exist yet: no ON CONFLICT re-read."""
    row = Outbox.objects.create(
        dedup_key=dedup_key,
        kind=kind,
        topic=event_topic(registration.event),
        recipient_id=registration.user_id,
        to_email=registration.email,
        language=registration_language(registration),
        from_email=settings.DEFAULT_FROM_EMAIL,
        payload={"registration": registration.pk, **extra},
    )
    outbox_send_on_commit([row.pk])
    return row


# What the registration queue reads of the event under its lock: no joins, no text.
LOCKED_FIELDS = (
    "pk",
    "status",
    "start",
    "capacity",
    "visibility",
    "registration_opens_at",
    "registration_closes_at",
)


def _lock_event(event: Event) -> Event:
    """Re-read the event row, locked until the transaction ends (the registration queue)."""
    qs = Event.objects.select_related("kind", "space", "chapter")
    if REGISTRATION_LOCK_ENABLED:
        # `of=("self",)`: lock only the event row, not the joined kind/space/chapter rows.
        qs = qs.select_for_update(of=("self",))
    return qs.get(pk=event.pk)


def _lock_event_lean(event: Event) -> Event:
    """The event row locked, with only what deciding a registration needs (LOCKED_FIELDS)."""
    qs = Event.objects.only(*LOCKED_FIELDS)
    if REGISTRATION_LOCK_ENABLED:
        qs = qs.select_for_update()
    return qs.get(pk=event.pk)


def registration_refusal(*, event: Event, user=None, now: datetime | None = None) -> str | None:
    """Why `user` (None: a guest) may not register now, or None. Used by pages and services."""
    now = now or timezone.now()
    if event.status == Event.Status.DRAFT:
        return _("This event is not published yet.")
    if event.status == Event.Status.CANCELLED:
        return _("This event has been cancelled.")
    if now >= event.start:
        return _("This event has already started: registration is closed.")
    if event.registration_opens_at and now < event.registration_opens_at:
        opens = timezone.localtime(event.registration_opens_at).strftime("%d/%m/%Y %H:%M")
        return _("Registration opens on %(when)s.") % {"when": opens}
    if event.registration_closes_at and now >= event.registration_closes_at:
        return _("Registration for this event is closed.")
    is_member = user is not None and getattr(user, "is_authenticated", False)
    if event.visibility == Event.Visibility.MEMBERS and not is_member:
        return _("This event is for members only: please log in to register.")
    return None


# Registration ------------------------------------------------------------------------------


def event_register(
    *,
    event: Event,
    user=None,
    name: str = "",
    email: str = "",
    note: str = "",
    language: str | None = None,
) -> Registration:
    """Confirm a seat, or a place on the waitlist when the event is full.

    Raises ValidationError (translated) when registration is refused: draft, cancelled,
    started, not yet open, closed, members-only for a guest, already registered. The
    registration returned carries `position`: its place on the waitlist, or None.
    """
    if user is not None and not user.is_authenticated:
        user = None
    note = (note or "").strip()[:500]
    if user is not None:
        name, email = user.get_full_name()[:150], user.email
    else:
        name, email = (name or "").strip()[:150], (email or "").strip().lower()
        errors = {}
        if not name:
            errors["name"] = _("Please give your name.")
        try:
            validate_email(email)
            if len(email) > Registration._meta.get_field("email").max_length:
                raise ValidationError("too long")
        except ValidationError:
            errors["email"] = _("Please give a valid email address.")
        if errors:
            raise ValidationError(errors)
    language = (language or get_language() or "en")[:2]
    if language not in LANGUAGES:
        language = "en"

    # Everything between taking the lock and committing is the queue every other request
    # for this event waits in, so it is kept to four statements before the outbox write:
    # the locked read, one aggregate (seats, waitlist, "already registered"), the INSERT.
    saving = False
    try:
        with transaction.atomic():
            event = _lock_event_lean(event)
            refusal = registration_refusal(event=event, user=user)
            if refusal:
                raise ValidationError(refusal, code="refused")
            # Lower(email) like the unique constraint, so its partial index can answer.
            same_person = Q(email_lower=Lower(Value(email)))
            if user is not None:
                same_person |= Q(user=user)
            counts = event.registrations.alias(email_lower=Lower("email")).aggregate(
                confirmed=Count("pk", filter=Q(status=Registration.Status.CONFIRMED)),
                waitlisted=Count("pk", filter=Q(status=Registration.Status.WAITLISTED)),
                mine=Count("pk", filter=~Q(status=Registration.Status.CANCELLED) & same_person),
            )
            if counts["mine"]:
                raise ValidationError(
                    _("You are already registered for this event."), code="already_registered"
                )
            confirmed = counts["confirmed"]
            if REGISTRATION_RACE_PAUSE_SECONDS:
                time.sleep(REGISTRATION_RACE_PAUSE_SECONDS)  # test-only: widen the race window
            now = timezone.now()
            full = event.capacity is not None and confirmed >= event.capacity
            registration = Registration(
                event=event,
                user=user,
                name=name,
                email=email,
                note=note,
                language=language,
                created_at=now,
                status=Registration.Status.WAITLISTED if full else Registration.Status.CONFIRMED,
                waitlisted_at=now if full else None,
                confirmed_at=None if full else now,
            )
            # No savepoint around the INSERT (two more statements under the lock): a unique
            # violation aborts this whole transaction, which is what we want anyway.
            saving = True
            registration.save()
            saving = False
            if full:
                # Last in the queue: waitlisted_at is "now", taken under the lock.
                registration.position = counts["waitlisted"] + 1
                _registration_message(
                    registration=registration,
                    kind="registration-waitlisted",
                    dedup_key=f"registration-waitlisted:{registration.pk}",
                    position=registration.position,
                )
            else:
                registration.position = None
                _registration_message(
                    registration=registration,
                    kind="registration-confirmed",
                    dedup_key=f"registration-confirmed:{registration.pk}",
                )
    except IntegrityError as exc:
        if not saving:
            raise
        # Only reachable when two requests for the same person slip past the check (lock
        # disabled, or an email differing only in a way lower() sees): the unique
        # constraints keep one active registration, and nothing of this one was written.
        raise ValidationError(
            _("You are already registered for this event."), code="already_registered"
        ) from exc
    return registration


def _promote_waitlisted(event: Event) -> list[Registration]:
    """Fill free seats from the head of the waitlist (caller holds the event lock)."""
    if event.status != Event.Status.PUBLISHED or event.has_started():
        return []
    promoted = []
    confirmed = event.registrations.confirmed().count()
    while event.capacity is None or confirmed < event.capacity:
        head = (
            event.registrations.waitlisted()
            .select_related("user")
            .order_by("waitlisted_at", "pk")
            .first()
        )
        if head is None:
            break
        head.status = Registration.Status.CONFIRMED
        head.confirmed_at = timezone.now()
        head.save(update_fields=["status", "confirmed_at"])
        head.event = event
        _registration_message(
            registration=head, kind="registration-promoted", dedup_key=f"promoted:{head.pk}"
        )
        promoted.append(head)
        confirmed += 1
    return promoted


def registration_cancel(*, registration: Registration, actor=None) -> Registration | None:
    """Cancel a seat or a waitlist place; return the registration promoted in its place.

    Cancelling twice is harmless (the second call changes nothing and returns None).
    """
    with transaction.atomic():
        event = _lock_event(registration.event)
        registration = Registration.objects.select_related("user").get(pk=registration.pk)
        if registration.status == Registration.Status.CANCELLED:
            return None
        if event.has_started() and event.status != Event.Status.CANCELLED:
            raise ValidationError(
                _("This event has already started: the registration can no longer be cancelled."),
                code="started",
            )
        was_confirmed = registration.status == Registration.Status.CONFIRMED
        registration.status = Registration.Status.CANCELLED
        registration.cancelled_at = timezone.now()
        registration.save(update_fields=["status", "cancelled_at"])
        if not was_confirmed:
            return None
        promoted = _promote_waitlisted(event)
    return promoted[0] if promoted else None


def registrations_claim_for_user(*, user, email: str) -> int:
    """Attach guest registrations made with `email` to `user` (after they verified it)."""
    claimed = 0
    with transaction.atomic():
        guest_regs = Registration.objects.filter(user__isnull=True, email__iexact=email)
        for registration in guest_regs.select_for_update():
            clash = (
                Registration.objects.active()
                .filter(event_id=registration.event_id, user=user)
                .exclude(pk=registration.pk)
                .exists()
            )
            if clash and registration.is_active:
                continue  # keep the member's own registration; the guest one stays as is
            registration.user = user
            registration.save(update_fields=["user"])
            claimed += 1
    return claimed


# Check-in ----------------------------------------------------------------------------------


def registration_check_in(*, registration: Registration, actor) -> Registration:
    """Mark a confirmed registrant as present (again: harmless)."""
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update().select_related("event").get(pk=registration.pk)
        )
        if registration.status != Registration.Status.CONFIRMED:
            raise ValidationError(
                _("Only confirmed registrations can be checked in."), code="not_confirmed"
            )
        if registration.checked_in_at is None:
            registration.checked_in_at = timezone.now()
            registration.checked_in_by = actor if getattr(actor, "pk", None) else None
            registration.save(update_fields=["checked_in_at", "checked_in_by"])
    return registration


def registration_check_in_undo(*, registration: Registration, actor) -> Registration:
    with transaction.atomic():
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.checked_in_at is not None:
            registration.checked_in_at = None
            registration.checked_in_by = None
            registration.save(update_fields=["checked_in_at", "checked_in_by"])
    return registration


# Events ------------------------------------------------------------------------------------


def event_unique_slug(title: str, day: date | None = None, *, exclude_pk: int | None = None) -> str:
    base = slugify(title)[:180] or "event"
    if day is not None:
        base = f"{base}-{day.isoformat()}"
    slug, n = base, 2
    qs = Event.objects.all()
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    while qs.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


# What a form may set when creating an event or a series (HackSoft's `model_update`: a field
# whitelist). Status, slug, version and series links are the services' business.
EVENT_CREATE_FIELDS = (
    "title",
    "kind",
    "description",
    "start",
    "end",
    "space",
    "room",
    "chapter",
    "capacity",
    "visibility",
    "registration_opens_at",
    "registration_closes_at",
)
# What an edit may change (the console's form and the admin's change form): the fields an
# event is created with, plus its address, status, reminders and who created it.
EVENT_UPDATE_FIELDS = (
    *EVENT_CREATE_FIELDS,
    "slug",
    "status",
    "reminder_offsets_minutes",
    "created_by",
)
SERIES_FIELDS = (
    "title",
    "kind",
    "description",
    "start_time",
    "duration_minutes",
    "rrule",
    "starts_on",
    "ends_on",
    "space",
    "room",
    "chapter",
    "capacity",
    "visibility",
    "publish",
)


def _whitelisted(fields: dict, allowed: tuple[str, ...]) -> dict:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        # A caller passing another field is a programming error, not bad input.
        raise TypeError(f"Not settable here: {', '.join(unknown)}.")
    return fields


def event_create(*, actor, **fields) -> Event:
    """Create a draft event from `EVENT_CREATE_FIELDS` (any other name is a TypeError).

    Without an end, the event lasts its kind's default duration. The slug is made unique from
    the title and the local date. Raises ValidationError (translated) when the event is not
    valid (e.g. an end before the start); nothing is written then.
    """
    fields = _whitelisted(fields, EVENT_CREATE_FIELDS)
    event = Event(**fields, status=Event.Status.DRAFT)
    event.created_by = actor if getattr(actor, "pk", None) else None
    if event.start and event.end is None and event.kind_id:
        event.end = event.start + timedelta(minutes=event.kind.default_duration_minutes)
    if event.start and event.end and event.end <= event.start:
        raise ValidationError({"end": _("An event must end after it starts.")})
    with transaction.atomic():
        event.slug = event_unique_slug(event.title, timezone.localdate(event.start))
        event.full_clean()
        event.save()
    return event


def event_publish(*, event: Event, actor=None) -> bool:
    """Publish a draft and announce it to its chapter's followers; return whether it changed."""
    with transaction.atomic():
        updated = Event.objects.filter(pk=event.pk, status=Event.Status.DRAFT).update(
            status=Event.Status.PUBLISHED
        )
        if updated:
            event_announce(event=Event.objects.get(pk=event.pk))
    return bool(updated)


def event_announce(*, event: Event) -> int:
    """Write the "new event in a chapter you follow" emails for a published event.

    Idempotent (one de-duplication key per event and follower), so every path that makes an
    event published — the publish action, the edit form, a new event saved as published —
    calls it, in the transaction that publishes.
    """
    from .reminders import chapter_announcement_write

    return chapter_announcement_write(event=event)


def event_cancel(*, event: Event, actor=None) -> int:
    """Cancel the event and tell every active registrant; return how many were told.

    Registrations keep their status (the history shows who was coming); a cancelled event
    gets no reminders and accepts no registration. Cancelling twice is harmless.
    """
    with transaction.atomic():
        event = _lock_event(event)
        if event.status == Event.Status.CANCELLED:
            return 0
        event.status = Event.Status.CANCELLED
        event.cancelled_at = timezone.now()
        event.save(update_fields=["status", "cancelled_at", "updated_at"])
        return _notify_cancelled(event)


def _notify_cancelled(event: Event) -> int:
    """Tell every active registrant that the event is cancelled (caller holds the lock)."""
    told = 0
    for registration in event.registrations.active().select_related("user"):
        registration.event = event
        _notify(
            registration=registration,
            kind="event-cancelled",
            dedup_key=f"event-cancelled:{event.pk}:{registration.pk}",
            template="event_cancelled",
        )
        told += 1
    return told


def event_update(*, event: Event, actor=None, data: dict) -> Event:
    """Apply changed fields to an event under its lock.

    When the time or place changes, `version` increases (the calendar SEQUENCE, and the
    reminders' de-duplication keys) and every active registrant gets an "event changed"
    email with the updated .ics. Lowering the capacity below the confirmed count is refused;
    raising it promotes people from the waitlist. An occurrence of a series that is edited
    is detached from it, so regenerating the series leaves it alone.
    """
    unknown = set(data) - set(EVENT_UPDATE_FIELDS)
    if unknown:
        # Like HackSoft's model_update: only the named, editable fields; a typo or a field
        # nobody may set (version, series, …) is a programming error, not input.
        raise TypeError(f"event_update cannot set {sorted(unknown)}")
    with transaction.atomic():
        locked = _lock_event(event)
        for field, value in data.items():
            setattr(locked, field, value)
        if locked.end <= locked.start:
            raise ValidationError({"end": _("An event must end after it starts.")})
        confirmed = locked.registrations.confirmed().count()
        if locked.capacity is not None and locked.capacity < confirmed:
            raise ValidationError(
                {
                    "capacity": _(
                        "%(confirmed)s people are already confirmed: the capacity cannot be "
                        "lower. Cancel registrations first, or keep at least %(confirmed)s seats."
                    )
                    % {"confirmed": confirmed}
                }
            )
        before = Event.objects.get(pk=locked.pk)
        schedule_changed = any(
            getattr(before, f) != getattr(locked, f) for f in SCHEDULE_FIELDS
        ) or (before.space_id != locked.space_id)
        if schedule_changed:
            locked.version = before.version + 1
        if locked.series_id and any(
            getattr(before, f) != getattr(locked, f)
            for f in ("title", "description", "capacity", "status", *SCHEDULE_FIELDS)
        ):
            locked.detached = True
        just_cancelled = (
            before.status != Event.Status.CANCELLED and locked.status == Event.Status.CANCELLED
        )
        if just_cancelled:
            locked.cancelled_at = timezone.now()
        locked.full_clean(exclude=["slug"] if not locked.slug else None)
        locked.save()
        if just_cancelled:
            # Cancelling through the edit form tells registrants, like the admin action.
            _notify_cancelled(locked)
            event.refresh_from_db()
            return event
        if schedule_changed and locked.status == Event.Status.PUBLISHED:
            for registration in locked.registrations.active().select_related("user"):
                registration.event = locked
                _notify(
                    registration=registration,
                    kind="event-changed",
                    dedup_key=f"event-changed:{locked.pk}:v{locked.version}:{registration.pk}",
                    template="event_changed",
                    with_ics=True,
                    extra={"previous_start": before.start, "previous_place": before.place},
                )
        if before.capacity is not None and (
            locked.capacity is None or locked.capacity > before.capacity
        ):
            _promote_waitlisted(locked)
        if before.status != Event.Status.PUBLISHED and locked.status == Event.Status.PUBLISHED:
            event_announce(event=locked)
    event.refresh_from_db()
    return event


def event_duplicate(*, event: Event, actor=None) -> Event:
    """A draft copy one week later, with the same speakers and no registrations."""
    with transaction.atomic():
        copy = Event.objects.get(pk=event.pk)
        speakers = list(event.speakers.all())
        copy.pk = None
        copy.id = None
        copy.start = event.start + timedelta(days=7)
        copy.end = event.end + timedelta(days=7)
        copy.status = Event.Status.DRAFT
        copy.series = None
        copy.series_date = None
        copy.detached = False
        copy.version = 1
        copy.cancelled_at = None
        copy.created_by = actor if getattr(actor, "pk", None) else None
        copy.slug = event_unique_slug(copy.title, timezone.localdate(copy.start))
        copy.save()
        for speaker in speakers:
            speaker.pk = None
            speaker.id = None
            speaker.event = copy
            speaker.save()
    return copy


# Series ------------------------------------------------------------------------------------


def series_rule(series: EventSeries):
    """The dateutil rule for a series, anchored at its first date in local wall-clock time.

    Raises ValidationError for a malformed rule or one that generates no date at all.
    """
    text = (series.rrule or "").strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    dtstart = datetime.combine(series.starts_on, series.start_time)  # naive local wall clock
    try:
        rule = du_rrule.rrulestr(f"RRULE:{text}", dtstart=dtstart, forceset=False)
    except (ValueError, TypeError) as exc:
        raise ValidationError(
            {"rrule": _("This recurrence rule is not valid: %(error)s") % {"error": exc}}
        ) from exc
    try:
        first = rule.after(dtstart - timedelta(seconds=1))
    except TypeError as exc:  # e.g. UNTIL given in UTC ("Z") against a local wall clock
        raise ValidationError(
            {"rrule": _("Give UNTIL as a local date, e.g. UNTIL=20271231.")}
        ) from exc
    if first is None or (series.ends_on and first.date() > series.ends_on):
        raise ValidationError(
            {"rrule": _("This recurrence rule generates no date: check the rule and the dates.")}
        )
    return rule


def series_save(*, actor, series: EventSeries | None = None, **fields) -> EventSeries:
    """Create a series (`series` None) or change one, from `SERIES_FIELDS` only.

    Refuses (ValidationError) a series that is not valid or whose rule generates no date.
    Occurrences already generated are left as they are (see `series_generate`).
    """
    fields = _whitelisted(fields, SERIES_FIELDS)
    with transaction.atomic():
        if series is None:
            series = EventSeries(**fields)
        else:
            series = EventSeries.objects.select_for_update().get(pk=series.pk)
            for name, value in fields.items():
                setattr(series, name, value)
        series.full_clean(exclude=["generated_until"])
        series_rule(series)
        series.save()
    return series


def series_occurrence_times(series: EventSeries, day: date) -> tuple[datetime, datetime]:
    """The aware start and end of the occurrence on a local date, right across DST."""
    start = datetime.combine(day, series.start_time).replace(tzinfo=TZ)
    # The duration is elapsed time: a lunch 12:30-14:00 stays 90 minutes on a DST day.
    end = (
        start.astimezone(ZoneInfo("UTC")) + timedelta(minutes=series.duration_minutes)
    ).astimezone(TZ)
    return start, end


def series_generate(*, series: EventSeries, until: date | None = None) -> list[Event]:
    """Create the occurrences of `series` up to `until` (default: its weeks ahead).

    Idempotent: an occurrence is keyed on its series date and is never recreated, nor
    touched once it exists (edited, cancelled or deleted ones stay as staff left them).
    """
    today = timezone.localdate()
    until = until or today + timedelta(weeks=series.weeks_ahead)
    if series.ends_on:
        until = min(until, series.ends_on)
    rule = series_rule(series)
    start_from = max(series.starts_on, today)
    if series.generated_until:
        start_from = max(start_from, series.generated_until + timedelta(days=1))
    if start_from > until:
        return []
    days = [
        d.date()
        for d in rule.between(
            datetime.combine(start_from, datetime.min.time()),
            datetime.combine(until, datetime.max.time()),
            inc=True,
        )
    ]
    created = []
    with transaction.atomic():
        series = EventSeries.objects.select_for_update().get(pk=series.pk)
        existing = set(
            Event.objects.filter(series=series, series_date__in=days).values_list(
                "series_date", flat=True
            )
        )
        for day in days:
            if day in existing:
                continue
            start, end = series_occurrence_times(series, day)
            event = Event(
                title=series.title,
                slug=event_unique_slug(series.title, day),
                kind=series.kind,
                description=series.description,
                start=start,
                end=end,
                space=series.space,
                room=series.room,
                chapter=series.chapter,
                capacity=series.capacity,
                visibility=series.visibility,
                status=Event.Status.PUBLISHED if series.publish else Event.Status.DRAFT,
                series=series,
                series_date=day,
            )
            event.save()
            if event.status == Event.Status.PUBLISHED:
                # A published occurrence is news for the chapter's followers, whichever path
                # generated it (the console, the admin, the periodic task); announced once.
                event_announce(event=event)
            created.append(event)
        if series.generated_until is None or until > series.generated_until:
            series.generated_until = until
            series.save(update_fields=["generated_until"])
    return created


def series_generate_all(*, until: date | None = None) -> int:
    """Generate every active series (the periodic task); a broken rule is logged, not fatal."""
    total = 0
    for series in EventSeries.objects.filter(active=True):
        try:
            total += len(series_generate(series=series, until=until))
        except ValidationError as exc:
            logger.warning("Series %s not generated: %s", series.pk, exc)
    return total


# Calendar feed -----------------------------------------------------------------------------


def calendar_token_get(*, user) -> CalendarToken:
    token, _created = CalendarToken.objects.get_or_create(user=user)
    return token


def calendar_token_regenerate(*, user) -> CalendarToken:
    token = calendar_token_get(user=user)
    token.regenerate()
    return token
