"""What status an event may take: a draft nobody holds a place at is not cancelled
(`draft_never_held`), and an edit's status change obeys `event_status_check`."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Event


def draft_never_held(event: Event) -> bool:
    """A draft nobody holds a seat or a waitlist place at: it is deleted or left a draft, not
    cancelled (a cancelled event is listed for everyone, and nobody is there to be told). A
    draft unpublished with people registered may be cancelled: they are told."""
    return event.status == Event.Status.DRAFT and (
        event.pk is None or not event.registrations.active().exists()
    )


def _draft_not_cancelled() -> ValidationError:
    return ValidationError(
        _(
            "Nobody holds a place at this draft: delete it, or leave it a draft. Cancelling "
            "it would list it for everyone."
        ),
        code="draft",
    )


def event_status_check(
    *, event: Event, status: str, start: datetime | None = None, title: str | None = None
) -> None:
    """Raise ValidationError (on "status") when an edit may not move the stored `event` to
    `status` (with `start` and `title`, its new start and title, if the same edit sets them:
    a new event's form has not set them on the instance yet).

    Cancelling is final: registrants were told it will not happen (their seats stay as the
    history of who was coming), so a cancelled event goes back to no other status — a copy
    (`event_duplicate`) holds it again. A draft nobody registered for is not cancelled
    (`draft_never_held`), and an event that has started cannot be
    cancelled, as with `event_cancel`. The edit forms call it to show the error on the field;
    `event_update` calls it again under the lock.
    """
    if event.status == status:
        return
    if event.status == Event.Status.CANCELLED:
        message = _(
            "This event is cancelled and its registrants were told: cancelling is final. "
            "Duplicate the event to hold it again."
        )
        raise ValidationError({"status": ValidationError(message, code="cancelled_is_final")})
    now = timezone.now()
    # A new event (the admin's add form) has no stored start yet.
    started = (event.start is not None and event.has_started(now)) or (
        start is not None and start <= now
    )
    if status == Event.Status.CANCELLED and started:
        message = _("“%(title)s” has already started: it can no longer be cancelled.") % {
            "title": title or event.title
        }
        raise ValidationError({"status": ValidationError(message, code="started")})
    if status == Event.Status.CANCELLED and event.pk is None:
        message = _("A new event is not created cancelled: save it as a draft, or not at all.")
        raise ValidationError({"status": ValidationError(message, code="new")})
    if status == Event.Status.CANCELLED and draft_never_held(event):
        raise ValidationError({"status": _draft_not_cancelled()})
