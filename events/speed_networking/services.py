"""Speed-networking writes: planning the rounds, running the evening, "I'd like to meet".

Every service takes keyword-only arguments, runs in one transaction with the session row
locked, checks everything before writing anything, and raises `ValidationError` with a
translated message (nothing is half-written: a refusal rolls the whole call back).

`actor` is the person asking; services check `events.run_speed_networking` on the event
themselves (the views check it too). `actor=None` is a trusted caller: the management
command and the demo seeder.

Rounds: `networking_plan` (re)writes only the rounds not yet played — a round is played once
it started and never changes. **Meetings are recorded when a round starts**
(`networking_round_start`): from then on the round is fixed, everyone at a table in it has met,
and a departure mid-round does not undo a meeting. A round starts only during the evening,
from 2 hours before the event's start until 6 hours after its end (`round_start_closed`);
planning and late changes, which rewrite only rounds not played, are allowed any time.

The session's `warnings` hold the planner's warnings and the evening's notes, as
`{"code": ..., "params": {...}}`: `guests_left_out` (guests have no account, so cannot be
seated) and `left` (someone who left: regenerating the rounds keeps them out). A cancelled
registration or an undone check-in only unseats the person (`networking_unseat`): no note,
since planning seats only people confirmed and checked in, and meetings are recorded only
among them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import combinations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import (
    Event,
    Meeting,
    NetworkingSession,
    Registration,
    Round,
    Seat,
)
from ..models.speed_networking import MAX_ROUNDS
from . import display, selectors
from .late_changes import add_person, remove_person
from .planner import Plan, PlanError, plan_rounds
from .requests import meeting_request_set  # noqa: F401 - “I'd like to meet”, re-exported

MIN_TABLE, MAX_TABLE = 2, 6
MAX_MINUTES = 60
NOTE_CODES = ("guests_left_out", "left")  # kept when the planner's warnings are replaced
# Rounds start during the evening: from 2 hours before its start until 6 hours after its end.
ROUNDS_OPEN_BEFORE_START = timedelta(hours=2)
ROUNDS_CLOSE_AFTER_END = timedelta(hours=6)


@dataclass
class PlanOutcome:
    session: NetworkingSession
    plan: Plan
    people: int  # members seated in the rounds planned now
    guests_left_out: int


def _check_may_run(event: Event, actor) -> None:
    if actor is not None and not actor.has_perm("events.run_speed_networking", event):
        raise ValidationError(
            _("Only staff and the chapter's organisers can run this evening."), code="forbidden"
        )
    if not selectors.is_speed_networking(event):
        raise ValidationError(_("This is not a Speed Networking event."), code="wrong_kind")
    if event.status == Event.Status.CANCELLED:
        raise ValidationError(_("This event is cancelled."), code="cancelled")


def round_start_closed(*, event: Event, now: datetime | None = None) -> ValidationError | None:
    """Why no round of `event` can start at `now`, or None: the one rule the run page and
    `networking_round_start` both ask. A round starts from 2 hours before the event's start
    until 6 hours after its end — its meetings are then those of the evening, never of a
    click a week before or a month after. Planning and late changes (rounds not played) are
    not concerned: organisers plan ahead."""
    now = now or timezone.now()
    opens = event.start - ROUNDS_OPEN_BEFORE_START
    if now < opens:
        # In the reader's date format (06/12/2026 17:00, 6-12-2026 17:00), Brussels time.
        when = date_format(timezone.localtime(opens), "SHORT_DATETIME_FORMAT")
        return ValidationError(
            _("Rounds can start from %(when)s.") % {"when": when}, code="too_early"
        )
    if now > event.end + ROUNDS_CLOSE_AFTER_END:
        day = date_format(timezone.localtime(event.end), "DATE_FORMAT")
        return ValidationError(
            _("This evening ended on %(date)s: its rounds can no longer start.") % {"date": day},
            code="over",
        )
    return None


def _session_locked(event: Event, *, create: bool = False) -> NetworkingSession:
    """The event's session, its row locked for the rest of the transaction."""
    if create:
        NetworkingSession.objects.get_or_create(event=event)
    session = NetworkingSession.objects.select_for_update().filter(event=event).first()
    if session is None or (session.generated_at is None and not create):
        raise ValidationError(_("Plan the rounds first."), code="unplanned")
    return session


def _refuse_if_finished(session: NetworkingSession) -> None:
    if session.finished_at is not None:
        raise ValidationError(
            _("The evening is finished: its rounds can no longer change."), code="finished"
        )


def _planner(call, *args, **kwargs) -> Plan:
    try:
        return call(*args, **kwargs)
    except PlanError as exc:
        raise ValidationError(display.plan_error_text(exc), code=exc.code) from exc


def _notes(session: NetworkingSession, code: str | None = None) -> list[dict]:
    return [n for n in session.warnings if n.get("code") in ((code,) if code else NOTE_CODES)]


def _warnings(plan: Plan) -> list[dict]:
    return [{"code": code, "params": dict(params)} for code, params in plan.warnings]


def _rounds_write(session: NetworkingSession, plan: Plan, *, played: int) -> None:
    """Replace the unplayed rounds by the plan's rounds after the first `played`."""
    Round.objects.filter(session=session, started_at__isnull=True).delete()
    rounds = Round.objects.bulk_create(
        Round(session=session, number=n) for n in range(played + 1, len(plan.rounds) + 1)
    )
    Seat.objects.bulk_create(
        Seat(round=rnd, table=t, user_id=user_id)
        for rnd, tables in zip(rounds, plan.rounds[played:], strict=True)
        for t, table in enumerate(tables, start=1)
        for user_id in table
    )


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
    _check_may_run(event, actor)
    _validate_numbers(rounds=rounds, table_size=table_size, round_minutes=round_minutes)
    # The event first, then the session: the order of every writer of a registration (a
    # check-in undone, a cancellation — which unseat the person from the evening). Without
    # it, the first plan's session is not yet committed when such a writer looks for it: it
    # finds none, unseats nobody, and the plan seats someone who is no longer in the room.
    list(Event.objects.select_for_update(of=("self",)).filter(pk=event.pk).values_list("pk"))
    session = _session_locked(event, create=True)
    _refuse_if_finished(session)
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
    plan = _planner(plan_rounds, request)
    _rounds_write(session, plan, played=played)
    notes = _notes(session, "left")
    if present.guests:
        notes.append({"code": "guests_left_out", "params": {"count": present.guests}})
    session.table_size = table_size
    session.round_minutes = round_minutes
    session.warnings = _warnings(plan) + notes
    session.generated_at = timezone.now()
    session.save(update_fields=["table_size", "round_minutes", "warnings", "generated_at"])
    return PlanOutcome(session, plan, len(people), present.guests)


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
    _check_may_run(event, actor)
    session = _session_locked(event)
    _refuse_if_finished(session)
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
    _check_may_run(event, actor)
    closed = round_start_closed(event=event, now=now)
    if closed is not None and closed.code == "too_early":
        raise ValidationError(
            _("The evening has not begun: there is nothing to finish yet. %(when)s")
            % {"when": closed.messages[0]},
            code="too_early",
        )
    session = _session_locked(event)
    _refuse_if_finished(session)
    Round.objects.filter(session=session, started_at__isnull=True).delete()
    session.finished_at = now or timezone.now()
    # The planner's warnings were about the rounds to come ("3 meetings repeat"): gone.
    session.warnings = _notes(session)
    session.save(update_fields=["finished_at", "warnings"])
    return session


def _late_change_context(event: Event, actor) -> tuple[NetworkingSession, int, set[int]]:
    """(locked session, first unplayed round number, people seated in unplayed rounds)."""
    _check_may_run(event, actor)
    session = _session_locked(event)
    _refuse_if_finished(session)
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


def _save_late_plan(session: NetworkingSession, plan: Plan, notes: list[dict]) -> None:
    _rounds_write(session, plan, played=session.current_round)
    session.warnings = _warnings(plan) + notes
    session.save(update_fields=["warnings"])


@transaction.atomic
def networking_arrive(*, event: Event, actor, user) -> NetworkingSession:
    """A late arrival (checked in) joins every remaining round; nobody else moves."""
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
    plan = _planner(add_person, current, user.pk, from_round=first, request=request)
    notes = [n for n in _notes(session) if n["params"].get("user") != user.pk]
    _save_late_plan(session, plan, notes)
    return session


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
    plan = _planner(remove_person, current, user.pk, from_round=first, request=request)
    notes = _notes(session)
    if record_left:
        notes.append({"code": "left", "params": {"user": user.pk, "after_round": first - 1}})
    _save_late_plan(session, plan, notes)
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
    except ValidationError:  # "only two people are left": nobody to re-seat the other with
        # One person cannot meet anyone: the rounds to come go, and their warnings with them
        # (the run page then offers to plan rounds again, or to finish the evening).
        Round.objects.filter(session=session, started_at__isnull=True).delete()
        session.warnings = _notes(session)
        session.save(update_fields=["warnings"])
