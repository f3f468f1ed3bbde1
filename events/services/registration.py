"""Registration: the seat queue under the event lock, and the waitlist (cancelling, and the
waitlist moving up, are `cancellation.py`; check-in is `checkin.py`)."""

from __future__ import annotations

import functools
import time
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from betacowork.db import fetchall_prepared

from ..messages import RegistrationConfirmed, RegistrationWaitlisted
from ..models import Event, Registration
from . import seat_queue, send_batcher
from .common import (
    LANGUAGES,
    _registration_message,
)

# Test-only switches for the negative control of the concurrency test: with the lock off and
# a pause between counting seats and inserting, concurrent registrations oversell. Never set
# these outside tests.
REGISTRATION_LOCK_ENABLED = True
REGISTRATION_RACE_PAUSE_SECONDS = 0.0

LOCKED_FIELDS = (
    "pk",
    "status",
    "start",
    "end",  # "is over" (registration_refusal): read with the row, not by a second query
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
    if now >= event.end:
        return _("This event is over: registration is closed.")
    if now >= event.start:
        return _("This event has already started: registration is closed.")
    if event.registration_not_open_yet(now):
        # In the reader's date format (06/12/2026 18:00, 6-12-2026 18:00), Brussels time.
        opens = date_format(
            timezone.localtime(event.registration_opens_at), "SHORT_DATETIME_FORMAT"
        )
        return _("Registration opens on %(when)s.") % {"when": opens}
    if event.registration_closed(now):  # the window closed (the start is said above)
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
    # A guest giving a member's verified address books for that member: the seat is theirs
    # to see and cancel (else they would be "already registered" and unable to cancel). It
    # is still booked as a guest's: a members-only event still refuses it.
    owner = user or _address_owner(email)
    if owner is not user:
        name = owner.get_full_name()[:150] or name

    if seat_queue.available():
        return _register_in_one_statement(
            event=event, user=user, owner=owner, name=name, email=email, note=note,
            language=language,
        )  # fmt: skip
    return _register_from_python(
        event=event, user=user, owner=owner, name=name, email=email, note=note,
        language=language,
    )  # fmt: skip


def _address_owner(email: str):
    """The active member whose verified address `email` (lower-cased, as allauth stores
    addresses) is, or None: one prepared read through the unique index of verified
    addresses, before the registration's own statement (not under the event's lock). The
    ORM's query cost a guest's POST in a registration rush a fifth of its throughput."""
    rows = fetchall_prepared(_owner_sql(), {"email": email})
    if not rows:
        return None
    return get_user_model().objects.filter(pk=rows[0][0]).first()


@functools.cache
def _owner_sql() -> str:
    from allauth.account.models import EmailAddress

    return (
        f"SELECT e.user_id FROM {EmailAddress._meta.db_table} e "  # noqa: S608
        f"JOIN {get_user_model()._meta.db_table} u ON u.id = e.user_id "
        "WHERE e.email = %(email)s AND e.verified AND u.is_active LIMIT 1"
    )


def _register_in_one_statement(*, event: Event, user, owner, name, email, note, language):
    """PostgreSQL: the whole queue step is one function call (events/services/seat_queue.py),
    so nothing in Python runs while the event is locked. `user`: who registers (None: a
    guest); `owner`: whose registration it is (the user, or the member whose address a
    guest gave)."""
    mail_language = language
    if owner is not None and owner.preferred_language in LANGUAGES:
        mail_language = owner.preferred_language
    try:
        done = seat_queue.register(
            event_id=event.pk,
            user_id=owner.pk if owner is not None else None,
            name=name,
            email=email,
            note=note,
            language=language,
            mail_language=mail_language,
            member=user is not None,
            lock=REGISTRATION_LOCK_ENABLED,
            pause=REGISTRATION_RACE_PAUSE_SECONDS,
        )
    except IntegrityError as exc:
        # Two requests for the same person past the check (lock disabled, or an email that
        # differs in a way lower() sees): the unique constraints keep one active registration.
        raise _already_registered() from exc
    if done.outcome == "missing":
        raise Event.DoesNotExist("Event matching query does not exist.")
    if done.outcome == "refused":
        # The fields the statement read under the lock; the end (not among them) is the
        # event's own: only an event already over is told so ("is over").
        seen = Event(pk=event.pk, **{"end": event.end, **done.event_fields})
        refusal = registration_refusal(event=seen, user=user, now=done.registered_at)
        raise ValidationError(
            refusal or _("Registration for this event is closed."), code="refused"
        )
    if done.outcome == "duplicate":
        raise _already_registered()
    if done.outcome == "address_taken":
        raise _address_taken(event=event, user=owner)
    waitlisted = done.outcome == Registration.Status.WAITLISTED
    registration = Registration(
        pk=done.registration_id,
        event=event,
        user=owner,
        name=name,
        email=email,
        note=note,
        language=language,
        status=done.outcome,
        created_at=done.registered_at,
        waitlisted_at=done.registered_at if waitlisted else None,
        confirmed_at=None if waitlisted else done.registered_at,
    )
    registration._state.adding = False
    registration._state.db = connection.alias
    registration.position = done.position
    outbox_id = done.outbox_id
    transaction.on_commit(lambda: send_batcher.batcher.add([outbox_id]))
    return registration


def _already_registered() -> ValidationError:
    return ValidationError(
        _("You are already registered for this event."), code="already_registered"
    )


def _address_taken(*, event: Event, user) -> ValidationError:
    """A member registers, and an active registration that is not theirs has their address:
    a seat booked as a guest (one active registration per address). Asked only on this rare
    refusal, after the registration's statement, so a member's registration stays one
    statement.

    Their address is verified: the seat is theirs, as when a guest gives a member's verified
    address; it joins their account (as when they verified it), and they are registered.
    Not verified: it may be anyone's seat, so it stays as it is, and they are told why they
    cannot register and how the seat can become theirs."""
    if user is not None and user.email:
        owner = _address_owner(user.email.lower())
        if owner is not None and owner.pk == user.pk:
            registrations_claim_for_user(user=user, email=user.email)
            if event.registrations.active().filter(user=user).exists():
                return _already_registered()
    return ValidationError(
        _(
            "A seat at this event is already booked with your address, %(email)s, without an "
            "account. Verify your address: that seat then becomes yours, to see and cancel "
            "here."
        )
        % {"email": getattr(user, "email", "")},
        code="address_taken",
    )


def _seat_counts(event: Event, owner, email: str, *, member: bool) -> dict:
    """One aggregate: confirmed seats, waitlist length, whether this person already holds an
    active registration (`mine`), and whether one has this address (`address`, compared by
    lower() like the unique constraint). Mine: a member's own registrations only (by account;
    `member`: the owner is the person registering); for a guest, any with the address they
    gave, or of the member whose verified address it is (`owner`)."""
    same_address = Q(email_lower=Lower(Value(email)))
    if owner is None:
        same_person = same_address
    elif member:
        same_person = Q(user=owner)
    else:
        same_person = Q(user=owner) | same_address
    active = ~Q(status=Registration.Status.CANCELLED)
    return event.registrations.alias(email_lower=Lower("email")).aggregate(
        confirmed=Count("pk", filter=Q(status=Registration.Status.CONFIRMED)),
        waitlisted=Count("pk", filter=Q(status=Registration.Status.WAITLISTED)),
        mine=Count("pk", filter=active & same_person),
        address=Count("pk", filter=active & same_address),
    )


def _seat_or_waitlist(event: Event, counts: dict, **person) -> Registration:
    """The new registration: a seat while there is one, else last place on the waitlist."""
    now = timezone.now()
    full = event.capacity is not None and counts["confirmed"] >= event.capacity
    registration = Registration(
        event=event,
        created_at=now,
        status=Registration.Status.WAITLISTED if full else Registration.Status.CONFIRMED,
        waitlisted_at=now if full else None,
        confirmed_at=None if full else now,
        **person,
    )
    # Last in the queue: waitlisted_at is "now", taken under the lock.
    registration.position = counts["waitlisted"] + 1 if full else None
    return registration


class _AddressTaken(Exception):
    """Leaves the locked block of `_register_from_python` when the address is taken."""


def _register_from_python(*, event: Event, user, owner, name, email, note, language):
    """SQLite (and PostgreSQL without sessions): the same steps from Python (`user` and
    `owner` as in `_register_in_one_statement`)."""
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
            counts = _seat_counts(event, owner, email, member=user is not None)
            if counts["mine"]:
                raise _already_registered()
            if counts["address"]:
                raise _AddressTaken  # answered once the lock is released
            if REGISTRATION_RACE_PAUSE_SECONDS:
                time.sleep(REGISTRATION_RACE_PAUSE_SECONDS)  # test-only: widen the race window
            registration = _seat_or_waitlist(
                event, counts, user=owner, name=name, email=email, note=note, language=language
            )
            # No savepoint around the INSERT (two more statements under the lock): a unique
            # violation aborts this whole transaction, which is what we want anyway.
            saving = True
            registration.save()
            saving = False
            if registration.position:
                _registration_message(
                    registration=registration,
                    kind=RegistrationWaitlisted.key,
                    dedup_key=f"registration-waitlisted:{registration.pk}",
                    position=registration.position,
                )
            else:
                _registration_message(
                    registration=registration,
                    kind=RegistrationConfirmed.key,
                    dedup_key=f"registration-confirmed:{registration.pk}",
                )
    except _AddressTaken:
        raise _address_taken(event=event, user=owner) from None
    except IntegrityError as exc:
        if not saving:
            raise
        # Only reachable when two requests for the same person slip past the check (lock
        # disabled, or an email differing only in a way lower() sees): the unique
        # constraints keep one active registration, and nothing of this one was written.
        raise _already_registered() from exc
    return registration


def registrations_claim_for_user(*, user, email: str) -> int:
    """Attach the guest seats booked with `email` to `user` (after they verified it): the
    active registrations of events still to come, which the member can then manage.

    Not the past or cancelled ones: a registration without an account may also be what a
    DELETED account left (name and email kept for the attendance history), and the next
    person to verify that address must not inherit it."""
    claimed = 0
    with transaction.atomic():
        guest_regs = (
            Registration.objects.active()
            .filter(user__isnull=True, email__iexact=email, event__end__gt=timezone.now())
            .order_by("pk")
        )
        for registration in guest_regs.select_for_update(of=("self",)):
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
