"""What the organiser console changes, each call checking the actor's scope again.

The forms already limit choices to the user's chapters; these services ask the same
permissions (events/rules.py, members/rules.py) once more before calling the event services,
so a view that forgot a check still cannot touch another chapter's events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.headerregistry import Address

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from betacowork.db import serialise
from betacowork.messaging import notify_address_data, notify_data
from betacowork.messaging.models import Outbox
from betacowork.messaging.outbox import outbox_write_many
from betacowork.submissions.services import Submitted, submit_once
from members.rules import is_chapter_organiser

from .. import services
from ..models import Event, EventSeries, Registration
from ..rules import CHAPTER_CAPACITY_LIMIT
from .messages import OrganiserNote, organiser_note_key

# What the console's event form may change on an existing event (status has its own actions).
EVENT_EDIT_FIELDS = (
    "title",
    "kind",
    "chapter",
    "start",
    "end",
    "space",
    "room",
    "capacity",
    "visibility",
    "description",
)


def capacity_error(*, user, chapter, capacity: int | None, unchanged: bool = False) -> str | None:
    """Why `user` may not give a `chapter` event this capacity (None: they may).

    A chapter event has at most CHAPTER_CAPACITY_LIMIT seats (and so a limit) unless the user
    may exceed it (`events.exceed_chapter_capacity`: staff). A capacity staff set earlier may
    be kept (`unchanged`) by an organiser editing something else.
    """
    if chapter is None or unchanged or user.has_perm("events.exceed_chapter_capacity"):
        return None
    if capacity is None or capacity > CHAPTER_CAPACITY_LIMIT:
        return _(
            "A chapter event has at most %(limit)s seats: ask the staff for a bigger event."
        ) % {"limit": CHAPTER_CAPACITY_LIMIT}
    return None


def _check_scope(*, actor, chapter, capacity, unchanged_capacity: bool = False) -> None:
    """PermissionDenied unless `actor` may run events of `chapter` (None: outside any)."""
    if chapter is None:
        if not actor.has_perm("events.add_event_without_chapter"):
            raise PermissionDenied(_("Only staff can create events outside a chapter."))
    elif not actor.has_perm("members.organise_chapter", chapter):
        raise PermissionDenied(_("You can only run events of the chapters you organise."))
    error = capacity_error(
        user=actor, chapter=chapter, capacity=capacity, unchanged=unchanged_capacity
    )
    if error:
        raise ValidationError({"capacity": error})


# Double submits: a form that creates something (an event, a copy, a series) carries a token,
# and its service runs in `submit_once` (betacowork/submissions): sent twice, or twice at
# once, it creates one, and the second answers with it.


def console_event_create(*, actor, fields: dict, nonce: str = "") -> Submitted[Event]:
    """A draft event in one of the actor's chapters (`services.event_create`); the same form
    (`nonce`) sent again creates nothing and answers with the event it created."""
    if not actor.has_perm("members.use_organiser_console"):
        raise PermissionDenied
    _check_scope(actor=actor, chapter=fields.get("chapter"), capacity=fields.get("capacity"))
    return submit_once(
        user=actor,
        purpose="events.create",
        nonce=nonce,
        make=lambda: services.event_create(actor=actor, **fields),
        find=_event,
    )


def console_event_duplicate(*, actor, event: Event, nonce: str = "") -> Submitted[Event]:
    """A draft copy of an event the actor runs (`services.event_duplicate`), kept a chapter
    evening (at most CHAPTER_CAPACITY_LIMIT seats) unless the actor may open it wider. The
    same button (`nonce`) sent again copies nothing and answers with the copy it made."""
    if not actor.has_perm("events.change_event", event):
        raise PermissionDenied

    def make() -> Event:
        copy = services.event_duplicate(event=event, actor=actor)
        big = copy.capacity is None or copy.capacity > CHAPTER_CAPACITY_LIMIT
        if copy.chapter_id and big and not actor.has_perm("events.exceed_chapter_capacity"):
            # Staff may have opened the original wider; the organiser's copy is a chapter
            # evening again (they can ask staff for more).
            copy = services.event_update(event=copy, data={"capacity": CHAPTER_CAPACITY_LIMIT})
        return copy

    return submit_once(
        user=actor, purpose=f"events.duplicate:{event.pk}", nonce=nonce, make=make, find=_event
    )


def cancelled_is_final() -> str:
    """Why a cancelled event has no edit form (`console_event_update`)."""
    return _(
        "This event is cancelled and its registrants were told: it can no longer be changed. "
        "Duplicate the event to hold it again."
    )


def _event(pk: int) -> Event | None:
    return Event.objects.filter(pk=pk).first()


def console_event_update(*, actor, event: Event, fields: dict) -> Event:
    """Change an event the actor runs, through `services.event_update` (registrants are told
    of a new time or place there)."""
    if not actor.has_perm("events.change_event", event):
        raise PermissionDenied
    if event.is_cancelled:
        # Its registrants were told it will not happen: a new time or title would change the
        # public page and the calendars, and tell nobody. A copy holds it again.
        raise ValidationError(cancelled_is_final())
    data = {name: fields[name] for name in EVENT_EDIT_FIELDS if name in fields}
    capacity = data.get("capacity", event.capacity)
    _check_scope(
        actor=actor,
        chapter=data.get("chapter", event.chapter),
        capacity=capacity,
        unchanged_capacity=capacity == event.capacity,
    )
    return services.event_update(event=event, actor=actor, data=data)


@dataclass(frozen=True)
class SeriesSaved:
    series: EventSeries | None  # None: the form was sent before and its series is gone
    created: list[Event] = field(default_factory=list)  # the occurrences created now
    repeated: bool = False  # the same form was sent before: nothing new
    # What the change did to the upcoming occurrences (None: a new series, or repeated).
    followed: services.SeriesFollowed | None = None


def console_series_save(
    *, actor, fields: dict, series: EventSeries | None = None, nonce: str = ""
) -> SeriesSaved:
    """Create or change a series in the actor's chapters, then generate its next occurrences.

    Occurrences published at once are announced to the chapter's followers, once for the
    series (events/services/announcements.py). A new series' form (`nonce`) sent again
    creates nothing: its occurrences would all be doubled.
    """
    if series is None:
        if not actor.has_perm("members.use_organiser_console"):
            raise PermissionDenied
    elif not actor.has_perm("events.change_eventseries", series):
        raise PermissionDenied
    # A change names only the fields the organiser changed: the others are the series' own.
    chapter = fields.get("chapter", series.chapter if series is not None else None)
    capacity = fields.get("capacity", series.capacity if series is not None else None)
    _check_scope(
        actor=actor,
        chapter=chapter,
        capacity=capacity,
        unchanged_capacity=series is not None and capacity == series.capacity,
    )
    created: list[Event] = []
    followed: list[services.SeriesFollowed] = []

    def save() -> EventSeries:
        result = services.series_save(actor=actor, series=series, **fields)
        if result.followed is not None:
            followed.append(result.followed)
            created.extend(result.followed.created)
        # Published occurrences are announced as they are created: once for the series, to
        # the chapter's followers but the organiser saving it.
        created.extend(services.series_generate(series=result.series, actor=actor))
        return result.series

    if series is not None:
        with transaction.atomic():
            saved = save()
            return SeriesSaved(series=saved, created=created, followed=followed[0])
    done = submit_once(
        user=actor,
        purpose="events.series",
        nonce=nonce,
        make=save,
        find=lambda pk: EventSeries.objects.filter(pk=pk).first(),
    )
    return SeriesSaved(series=done.made, created=created, repeated=done.repeated)


@dataclass(frozen=True)
class NoteResult:
    sent: int  # messages written now
    already_sent: bool  # this form (nonce) was sent before: nothing written again
    # The same note (subject and text) went out from another form this recently: nothing was
    # written, the organiser is asked whether to send it again (`again=True`).
    same_sent_at: datetime | None = None


# A page sent, then the browser's Back (which renders a new form with the text restored) and
# Send: the same note went out twice. The same subject and text within this time is asked
# about first.
SAME_NOTE_WINDOW = timedelta(minutes=30)


def _same_note_sent_at(*, event: Event, subject: str, body: str, prefix: str):
    """When the same note was last written for `event` by another form, within the window:
    a row written as data says it in its payload; one written with its text (before notes
    were data) in its body."""
    shown = f"\n\n{subject}\n\n{body}\n\n"  # as console/email/organiser_note.txt writes it
    return (
        Outbox.objects.filter(
            Q(payload__subject=subject, payload__body=body) | Q(body_text__contains=shown),
            kind=OrganiserNote.key,
            topic=services.event_topic(event),
            created_at__gte=timezone.now() - SAME_NOTE_WINDOW,
        )
        .exclude(dedup_key__startswith=prefix)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )


def organiser_note_send(
    *,
    actor,
    event: Event,
    subject: str,
    body: str,
    include_waitlist: bool,
    nonce: str,
    again: bool = False,
) -> NoteResult:
    """Write the organiser's note to the event's confirmed registrants (and waitlisted ones
    when asked), each in their language, in one transaction.

    Members get it through `notify()` (their language; nothing to those who turned
    "organiser_messages" off); guests in the language they registered in, with their cancel
    link while there is something to cancel. One de-duplication key per (event, form nonce,
    registration): a double submit of the same form writes nothing the second time; the same
    subject and text sent from another form within SAME_NOTE_WINDOW are written only `again`
    (the page asks). The note
    names its writer and carries `Reply-To: <their address>`: a person who answers writes to
    the organiser.
    """
    if not actor.has_perm("events.message_registrants", event):
        raise PermissionDenied
    prefix = f"organiser-note:{event.pk}:{nonce}:"
    statuses = [Registration.Status.CONFIRMED]
    if include_waitlist:
        statuses.append(Registration.Status.WAITLISTED)
    registrations = event.registrations.filter(
        status__in=statuses, former_member=False
    ).select_related("user")
    sender_name = actor.get_full_name()
    # The note calls its writer an organiser of the chapter only when they are one (staff
    # writing to a chapter's event are "organiser of this event"). What the note says is
    # kept with each row (written as data, OrganiserNote renders it when sending).
    chapter = event.chapter if is_chapter_organiser(actor, event.chapter) else None
    note = {
        "subject": subject,
        "body": body,
        "sender_name": sender_name,
        "chapter_name": chapter.name if chapter is not None else "",
    }
    reply_to = str(Address(sender_name, addr_spec=actor.email)) if actor.email else ""
    topic = services.event_topic(event)
    with transaction.atomic():
        # Two sends of the event's notes at once (two organisers, two tabs) check what went
        # out one after the other: the second sees the first's messages.
        serialise("organiser-note", event.pk)
        if Outbox.objects.filter(dedup_key__startswith=prefix).exists():
            return NoteResult(sent=0, already_sent=True)
        if not again:
            when = _same_note_sent_at(event=event, subject=subject, body=body, prefix=prefix)
            if when is not None:
                return NoteResult(sent=0, already_sent=False, same_sent_at=when)
        messages = []
        for registration in registrations.order_by("pk"):
            key = organiser_note_key(
                event_id=event.pk, nonce=nonce, registration_id=registration.pk
            )
            payload = {"registration": registration.pk, **note}
            if registration.user_id:
                message = notify_data(
                    kind=OrganiserNote.key,
                    recipient=registration.user,
                    payload=payload,
                    dedup_key=key,
                    topic=topic,
                    reply_to=reply_to,
                )
            else:
                message = notify_address_data(
                    kind=OrganiserNote.key,
                    to_email=registration.email,
                    language=services.registration_language(registration),
                    payload=payload,
                    dedup_key=key,
                    topic=topic,
                    reply_to=reply_to,
                )
            if message is not None:
                messages.append(message)
        # One INSERT for every recipient; no key of this form exists (checked above, under
        # the lock): each message is a new row.
        outbox_write_many(messages)
    return NoteResult(sent=len(messages), already_sent=False)
