"""Late changes to the rounds not yet played: someone arrives, leaves, or is no longer
expected (a cancelled registration, an undone check-in); a partner left alone is re-seated."""

from __future__ import annotations

from collections.abc import Collection

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ...models import Event, NetworkingSession, Registration, Round, Seat
from .. import selectors
from ..late_changes import add_person, remove_person
from ..planner import Plan, PlanRequest, plan_rounds
from .common import (
    check_may_run,
    notes_kept,
    plan_warnings,
    planner_call,
    refuse_if_finished,
    rounds_write,
    session_locked,
)


def _late_change_context(event: Event, actor) -> tuple[NetworkingSession, int, set[int]]:
    """(locked session, first unplayed round number, people seated in unplayed rounds)."""
    check_may_run(event, actor)
    session = session_locked(event)
    refuse_if_finished(session)
    first = session.current_round + 1
    if not session.rounds.filter(number=first).exists():
        raise ValidationError(_("No round is left to change."), code="no_more_rounds")
    return session, first, selectors.remaining_user_ids(session)


def _late_plan(session: NetworkingSession, event: Event, people: Collection[int]):
    total = session.rounds.count()
    current = Plan(selectors.planned_rounds(session), 0, 0, 0, 0, 0, [])
    request = selectors.plan_request(
        event=event,
        people=people,
        rounds=total,
        table_size=session.table_size,
        played=selectors.played_rounds(session),
    )
    return current, request


# The planner's warnings that count repeats (`params["repeats"]`).
REPEAT_CODES = (
    "repeats_unavoidable",
    "repeats_not_avoided",
    "repeats_not_found",
    "repeats_after_played",
)


def _replan_hint(plan: Plan, request: PlanRequest) -> Plan:
    """`plan` (a late change), whose repeats warning, if any, gains `replan`: how many
    meetings would repeat if the rounds not played were planned again for the same people
    (the run page's "Plan again") — only when that is fewer, which is then worth moving
    everyone for. The planner runs a second time only when the late change repeats someone."""
    for code, params in plan.warnings:
        if code in REPEAT_CODES:
            other = planner_call(plan_rounds, request)
            fewer = next((p["repeats"] for c, p in other.warnings if c in REPEAT_CODES), 0)
            if fewer < params["repeats"]:
                params["replan"] = fewer
                params["fewest"] = False
    return plan


def _save_late_plan(
    session: NetworkingSession, plan: Plan, notes: list[dict], request: PlanRequest
) -> None:
    plan = _replan_hint(plan, request)
    rounds_write(session, plan, played=session.current_round)
    session.warnings = plan_warnings(plan) + notes
    session.save(update_fields=["warnings"])


@transaction.atomic
def networking_arrive(*, event: Event, actor, user) -> NetworkingSession:
    """A late arrival (checked in) joins every remaining round; one other person moves at
    most per round (`late_changes`)."""
    session, first, remaining = _late_change_context(event, actor)
    checked_in = event.registrations.filter(
        user=user, status=Registration.Status.CONFIRMED, checked_in_at__isnull=False
    ).exists()
    if not checked_in:
        raise ValidationError(
            _("%(name)s is not checked in: check them in at the door first.") % {"name": user.name},
            code="not_checked_in",
        )
    if user.pk in remaining:
        raise ValidationError(
            _("%(name)s is already seated in the next rounds.") % {"name": user.name},
            code="already_seated",
        )
    current, request = _late_plan(session, event, remaining | {user.pk})
    plan = planner_call(add_person, current, user.pk, from_round=first, request=request)
    notes = [n for n in notes_kept(session) if n["params"].get("user") != user.pk]
    _save_late_plan(session, plan, notes, request)
    return session


@transaction.atomic
def networking_arrive_unlisted(*, event: Event, actor) -> int:
    """Seat, in every remaining round, the checked-in members `actor` may not see at the
    door (private profiles, checked in by staff) who are not seated and have not left; nobody
    else moves. Returns how many; names nobody, in its refusals either."""
    session, first, remaining = _late_change_context(event, actor)
    waiting = selectors.unlisted_arrivals(event=event, session=session, viewer=actor)
    if not waiting:
        raise ValidationError(
            _("Nobody with a private profile is waiting to be seated."), code="nobody_waiting"
        )
    plan, request = _late_plan(session, event, remaining | set(waiting))
    for user_id in waiting:
        plan = planner_call(add_person, plan, user_id, from_round=first, request=request)
    _save_late_plan(session, plan, notes_kept(session), request)
    return len(waiting)


def _unseat(event: Event, actor, user, *, record_left: bool) -> NetworkingSession:
    """Take `user` out of the rounds not yet played; a partner left alone is re-seated.
    `record_left`: also write a `left` note, which keeps them out of later re-plans."""
    session, first, remaining = _late_change_context(event, actor)
    if user.pk not in remaining:
        raise ValidationError(
            _("%(name)s is not seated in the next rounds.") % {"name": user.name},
            code="not_seated",
        )
    if len(remaining) <= 2:
        raise ValidationError(
            _("Only two people are left: finish the evening instead."), code="too_few"
        )
    current, request = _late_plan(session, event, remaining - {user.pk})
    plan = planner_call(remove_person, current, user.pk, from_round=first, request=request)
    notes = notes_kept(session)
    if record_left:
        notes.append({"code": "left", "params": {"user": user.pk, "after_round": first - 1}})
    _save_late_plan(session, plan, notes, request)
    return session


@transaction.atomic
def networking_leave(*, event: Event, actor, user) -> NetworkingSession:
    """Someone leaves: they vanish from the remaining rounds, and a partner left alone is
    re-seated. Re-planning later keeps them out (a `left` note) until they arrive again."""
    return _unseat(event, actor, user, record_left=True)


def networking_unseat(*, event: Event, user) -> None:
    """Someone is no longer expected in the room — their registration was cancelled
    (`registration_cancel`) or their check-in undone (`registration_check_in_undo`), in the
    caller's transaction, which holds the event's lock (then the registration's): they leave
    the rounds not yet played and a partner left alone is re-seated, as when someone leaves.

    No `left` note: they did not leave the evening, and re-planning already keeps them out
    while they are not confirmed and checked in; once checked in again, a re-plan or the
    late-arrival button seats them. With only two people left (nothing to re-seat) their seats
    go; with no session, no round left, or the evening finished, nothing changes."""
    session = NetworkingSession.objects.select_for_update().filter(event=event).first()
    if session is None or session.finished_at is not None:
        return
    if user.pk not in selectors.remaining_user_ids(session):
        return
    try:
        _unseat(event, None, user, record_left=False)
    except ValidationError as exc:
        if exc.code == "too_few":  # only two were left: nobody to re-seat the other with
            # One person cannot meet anyone: the rounds to come go, and their warnings with
            # them (the run page then offers to plan rounds again, or to finish the evening).
            Round.objects.filter(session=session, started_at__isnull=True).delete()
            session.warnings = notes_kept(session)
            session.save(update_fields=["warnings"])
        else:  # the planner could not re-seat around them: they leave their seats alone
            Seat.objects.filter(
                round__session=session, round__started_at__isnull=True, user=user
            ).delete()
