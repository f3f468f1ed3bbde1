"""Running the evening: a round starts (its meetings are recorded), the evening finishes."""

from __future__ import annotations

from datetime import datetime
from itertools import combinations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ...models import Event, Meeting, NetworkingSession, Round
from .common import (
    check_may_run,
    notes_kept,
    refuse_if_finished,
    round_start_closed,
    session_locked,
)


def _meetings_record(event: Event, rnd: Round, *, day) -> int:
    """The round's tables as Meeting rows — among the people confirmed and checked in now: a
    seat whose registration was cancelled, or whose check-in was undone, after the rounds were
    planned meets nobody (they are not in the room)."""
    present = set(
        event.registrations.confirmed()
        .filter(user__isnull=False, checked_in_at__isnull=False)
        .values_list("user_id", flat=True)
    )
    tables: dict[int, list[int]] = {}
    for table, user_id in rnd.seats.values_list("table", "user_id"):
        if user_id in present:
            tables.setdefault(table, []).append(user_id)
    rows = [
        Meeting(event=event, person_a_id=a, person_b_id=b, round_number=rnd.number, met_on=day)
        for table in tables.values()
        for a, b in combinations(sorted(table), 2)
    ]
    # A pair seated together twice keeps the round of their first meeting.
    Meeting.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


@transaction.atomic
def networking_round_start(
    *, event: Event, actor, expected: int | None = None, now: datetime | None = None
) -> Round:
    """Start the next round: it is played from now on (never changes) and its tables become
    Meeting rows. `expected`: the round number the organiser saw as next — a second click
    (or a second phone) on the same button is refused instead of skipping a round. Refused
    outside the evening (`round_start_closed`)."""
    check_may_run(event, actor)
    session = session_locked(event)
    refuse_if_finished(session)
    now = now or timezone.now()
    closed = round_start_closed(event=event, now=now)
    if closed is not None:
        raise closed
    number = session.current_round + 1
    if expected is not None and expected != number:
        raise ValidationError(
            _("Round %(n)s has already started.") % {"n": expected}, code="already_started"
        )
    rnd = session.rounds.filter(number=number).first()
    if rnd is None and number == 1:
        # Planned once, then dropped (`networking_unseat`: one person was left).
        raise ValidationError(
            _(
                "No round is planned any more: too few people were left to meet. Plan the "
                "rounds again once more are checked in."
            ),
            code="unplanned",
        )
    if rnd is None:
        raise ValidationError(
            _("That was the last round: add more rounds, or finish the evening."),
            code="no_more_rounds",
        )
    if rnd.seats.count() < 2:
        raise ValidationError(
            _("Round %(n)s has nobody to meet: plan the rounds again, or finish the evening.")
            % {"n": number},
            code="alone",
        )
    rnd.started_at = now
    rnd.save(update_fields=["started_at"])
    session.current_round = number
    session.round_started_at = now
    session.save(update_fields=["current_round", "round_started_at"])
    _meetings_record(event, rnd, day=timezone.localdate(now))
    return rnd


@transaction.atomic
def networking_finish(*, event: Event, actor, now: datetime | None = None) -> NetworkingSession:
    """End the evening: rounds not played are dropped (they will never happen). Not before
    its rounds can start (`round_start_closed`): a click a week ahead would throw the plan
    away before anyone met."""
    check_may_run(event, actor)
    closed = round_start_closed(event=event, now=now)
    if closed is not None and closed.code == "too_early":
        raise ValidationError(
            _("The evening has not begun: there is nothing to finish yet. %(when)s")
            % {"when": closed.messages[0]},
            code="too_early",
        )
    session = session_locked(event)
    refuse_if_finished(session)
    Round.objects.filter(session=session, started_at__isnull=True).delete()
    session.finished_at = now or timezone.now()
    # The planner's warnings were about the rounds to come ("3 meetings repeat"): gone.
    session.warnings = notes_kept(session)
    session.save(update_fields=["finished_at", "warnings"])
    return session
