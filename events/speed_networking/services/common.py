"""What every speed-networking service shares: who may run an evening, when its rounds may
start, the session row locked, the planner's refusals and warnings, writing planned rounds."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ...models import Event, NetworkingSession, Round, Seat
from .. import display, selectors
from ..planner import Plan, PlanError

MIN_TABLE, MAX_TABLE = 2, 6
MAX_MINUTES = 60
NOTE_CODES = ("guests_left_out", "left")  # kept when the planner's warnings are replaced
# Rounds start during the evening: from 2 hours before its start until 6 hours after its end.
ROUNDS_OPEN_BEFORE_START = timedelta(hours=2)
ROUNDS_CLOSE_AFTER_END = timedelta(hours=6)


def check_may_run(event: Event, actor) -> None:
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


def session_locked(event: Event, *, create: bool = False) -> NetworkingSession:
    """The event's session, its row locked for the rest of the transaction."""
    if create:
        NetworkingSession.objects.get_or_create(event=event)
    session = NetworkingSession.objects.select_for_update().filter(event=event).first()
    if session is None or (session.generated_at is None and not create):
        raise ValidationError(_("Plan the rounds first."), code="unplanned")
    return session


def refuse_if_finished(session: NetworkingSession) -> None:
    if session.finished_at is not None:
        raise ValidationError(
            _("The evening is finished: its rounds can no longer change."), code="finished"
        )


def planner_call(call, *args, **kwargs) -> Plan:
    try:
        return call(*args, **kwargs)
    except PlanError as exc:
        raise ValidationError(display.plan_error_text(exc), code=exc.code) from exc


def notes_kept(session: NetworkingSession, code: str | None = None) -> list[dict]:
    return [n for n in session.warnings if n.get("code") in ((code,) if code else NOTE_CODES)]


def plan_warnings(plan: Plan) -> list[dict]:
    return [{"code": code, "params": dict(params)} for code, params in plan.warnings]


def rounds_write(session: NetworkingSession, plan: Plan, *, played: int) -> None:
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
