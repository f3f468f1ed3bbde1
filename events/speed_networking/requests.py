"""“I'd like to meet”: a participant's requests for a Speed Networking evening, which the
planner honours (requests > offer/seek matches)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.rules import profile_visible_to

from ..models import Event, MeetingRequest, NetworkingSession
from ..models.speed_networking import MAX_REQUESTS
from . import selectors


def meeting_requests_closed(*, event: Event, now: datetime | None = None) -> ValidationError | None:
    """Why `event` takes no more requests (cancelled, ended or finished), or None: the one
    rule the form's page and `meeting_request_set` both ask."""
    if event.is_cancelled:
        return ValidationError(_("This event is cancelled."), code="cancelled")
    if (
        event.has_ended(now or timezone.now())
        or NetworkingSession.objects.filter(event=event, finished_at__isnull=False).exists()
    ):
        return ValidationError(_("This evening is over."), code="over")
    return None


@transaction.atomic
def meeting_request_set(
    *, event: Event, requester, targets: Collection, now: datetime | None = None
) -> list[MeetingRequest]:
    """`requester`'s requests for `event` become exactly `targets` (users, at most 5): people
    confirmed for the evening whose profile the requester may see."""
    if not selectors.is_speed_networking(event):
        raise ValidationError(_("This is not a Speed Networking event."), code="wrong_kind")
    closed = meeting_requests_closed(event=event, now=now)
    if closed is not None:
        raise closed
    # The event, then the requester's registration, locked — the order of every writer of a
    # registration (a cancellation locks the event, then updates the registration; the other
    # order deadlocked with it): the same form sent twice (a double click) or from two tabs
    # is written one after the other, the second replacing the first's requests instead of
    # adding to them (a duplicate row, or more than 5).
    list(Event.objects.select_for_update(of=("self",)).filter(pk=event.pk).values_list("pk"))
    mine = event.registrations.active().filter(user=requester).order_by("pk")
    if not list(mine.select_for_update(of=("self",))):
        raise ValidationError(
            _("Register for the evening first: requests are for the people coming."),
            code="not_registered",
        )
    wanted = {t.pk: t for t in targets}
    if requester.pk in wanted:
        raise ValidationError(_("You cannot ask to meet yourself."), code="self")
    if len(wanted) > MAX_REQUESTS:
        raise ValidationError(
            _("Choose at most %(max)s people (you chose %(n)s).")
            % {"max": MAX_REQUESTS, "n": len(wanted)},
            code="too_many",
        )
    coming = set(
        event.registrations.confirmed()
        .filter(user_id__in=list(wanted))
        .values_list("user_id", flat=True)
    )
    profiles = {p.user_id: p for p in selectors.profiles_of(wanted)}
    for user_id in wanted:
        profile = profiles.get(user_id)
        if profile is None or not profile_visible_to(profile, requester):
            # The same words whether a hidden person is coming or not: nothing leaks.
            raise ValidationError(
                _("You can only ask to meet people coming to this evening whose profile you see."),
                code="unknown",
            )
        if user_id not in coming:
            raise ValidationError(
                _("%(name)s is not coming to this evening.") % {"name": profile.display_name},
                code="not_coming",
            )
    MeetingRequest.objects.filter(event=event, requester=requester).exclude(
        target_id__in=list(wanted)
    ).delete()
    have = set(
        MeetingRequest.objects.filter(event=event, requester=requester).values_list(
            "target_id", flat=True
        )
    )
    MeetingRequest.objects.bulk_create(
        MeetingRequest(event=event, requester=requester, target_id=user_id)
        for user_id in sorted(set(wanted) - have)
    )
    return list(MeetingRequest.objects.filter(event=event, requester=requester))
