"""Planning the rounds: from the members checked in now, the played rounds kept as they are."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ...models import Event, NetworkingSession
from ...models.speed_networking import MAX_ROUNDS
from .. import selectors
from ..planner import Plan, plan_rounds
from .common import (
    MAX_MINUTES,
    MAX_TABLE,
    MIN_TABLE,
    check_may_run,
    notes_kept,
    plan_warnings,
    planner_call,
    refuse_if_finished,
    rounds_write,
    session_locked,
)


@dataclass
class PlanOutcome:
    session: NetworkingSession
    plan: Plan
    people: int  # members seated in the rounds planned now
    guests_left_out: int


def _validate_numbers(*, rounds: int, table_size: int, round_minutes: int) -> None:
    errors = {}
    if not 1 <= rounds <= MAX_ROUNDS:
        errors["rounds"] = _("Plan between 1 and %(max)s rounds.") % {"max": MAX_ROUNDS}
    if not MIN_TABLE <= table_size <= MAX_TABLE:
        errors["table_size"] = _("A table seats 2 to 6 people.")
    if not 1 <= round_minutes <= MAX_MINUTES:
        errors["round_minutes"] = _("A round lasts 1 to 60 minutes.")
    if errors:
        raise ValidationError(errors)


def _played_count(session: NetworkingSession, rounds: int) -> int:
    """Rounds already played; refused when `rounds` keeps no new one. Once every round is
    played, planning more adds rounds after them (an evening that goes well goes on)."""
    played = session.rounds.filter(started_at__isnull=False).count()
    if rounds <= played:
        raise ValidationError(
            {
                "rounds": ngettext(
                    "%(n)s round was already played: plan more than %(n)s.",
                    "%(n)s rounds were already played: plan more than %(n)s.",
                    played,
                )
                % {"n": played}
            }
        )
    return played


def _people_to_seat(present, session: NetworkingSession, table_size: int) -> list[int]:
    """The members checked in and not gone; refused when too few for a pair or a table."""
    departed = selectors.departed_user_ids(session)
    people = [p for p in present.people if p not in departed]
    if len(people) < 2:
        raise ValidationError(
            ngettext(
                "Only %(n)s member is checked in: at least 2 are needed to plan rounds.",
                "Only %(n)s members are checked in: at least 2 are needed to plan rounds.",
                len(people),
            )
            % {"n": len(people)},
            code="too_few",
        )
    if table_size > len(people):
        raise ValidationError(
            {
                "table_size": _(
                    "Tables of %(k)s are larger than the room: only %(n)s members are checked in."
                )
                % {"k": table_size, "n": len(people)}
            }
        )
    return people


@transaction.atomic
def networking_plan(
    *, event: Event, actor, rounds: int, table_size: int = 2, round_minutes: int = 6
) -> PlanOutcome:
    """Plan (or re-plan) the evening's unplayed rounds from the members checked in now.

    `rounds` counts every round of the evening, played ones included. Played rounds are
    passed to the planner as they are and never rewritten. Guests (no account) cannot be
    seated: the outcome says how many were left out.
    """
    check_may_run(event, actor)
    _validate_numbers(rounds=rounds, table_size=table_size, round_minutes=round_minutes)
    # The event first, then the session: the order of every writer of a registration (a
    # check-in undone, a cancellation — which unseat the person from the evening). Without
    # it, the first plan's session is not yet committed when such a writer looks for it: it
    # finds none, unseats nobody, and the plan seats someone who is no longer in the room.
    list(Event.objects.select_for_update(of=("self",)).filter(pk=event.pk).values_list("pk"))
    session = session_locked(event, create=True)
    refuse_if_finished(session)
    played = _played_count(session, rounds)
    present = selectors.attendance(event)
    people = _people_to_seat(present, session, table_size)
    request = selectors.plan_request(
        event=event,
        people=people,
        rounds=rounds,
        table_size=table_size,
        played=selectors.played_rounds(session),
    )
    plan = planner_call(plan_rounds, request)
    rounds_write(session, plan, played=played)
    notes = notes_kept(session, "left")
    if present.guests:
        notes.append({"code": "guests_left_out", "params": {"count": present.guests}})
    session.table_size = table_size
    session.round_minutes = round_minutes
    session.warnings = plan_warnings(plan) + notes
    session.generated_at = timezone.now()
    session.save(update_fields=["table_size", "round_minutes", "warnings", "generated_at"])
    return PlanOutcome(session, plan, len(people), present.guests)
