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

from ..requests import meeting_request_set
from .common import (
    MAX_MINUTES,
    MAX_TABLE,
    MIN_TABLE,
    NOTE_CODES,
    ROUNDS_CLOSE_AFTER_END,
    ROUNDS_OPEN_BEFORE_START,
    round_start_closed,
)
from .evening import networking_finish, networking_round_start
from .late import (
    networking_arrive,
    networking_arrive_unlisted,
    networking_leave,
    networking_unseat,
)
from .planning import PlanOutcome, networking_plan

__all__ = [
    "MAX_MINUTES",
    "MAX_TABLE",
    "MIN_TABLE",
    "NOTE_CODES",
    "ROUNDS_CLOSE_AFTER_END",
    "ROUNDS_OPEN_BEFORE_START",
    "PlanOutcome",
    "meeting_request_set",
    "networking_arrive",
    "networking_arrive_unlisted",
    "networking_finish",
    "networking_leave",
    "networking_plan",
    "networking_round_start",
    "networking_unseat",
    "round_start_closed",
]
