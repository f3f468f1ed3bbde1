"""Reads for speed networking: what the planner is given, and the plan as each page shows it.

Privacy: a person is named only to a viewer who may see their profile (`members.view_profile`);
otherwise they are "a member" with no link. Pages shown to the whole room (the projector, the
printed plan) use the room's audience — any member — whoever is logged in at the laptop, so a
hidden profile is never put on a wall, even by staff; once a guest without an account is
checked in, the room's audience is anyone, and a profile shown to members only is not named
there either (`room_audience`).

The planner's inputs (`plan_request`) are read in a constant number of queries whatever the
number of people; so are the pages' data (`rounds_view`, `my_round`).

planning.py holds the planner's inputs, rounds.py the plan as pages show it, attendees.py one
person's evening; every name is importable from here.
"""

from .attendees import *  # noqa: F403
from .attendees import __all__ as _attendees
from .planning import *  # noqa: F403
from .planning import __all__ as _planning
from .rounds import *  # noqa: F403
from .rounds import __all__ as _rounds

__all__ = [*_planning, *_rounds, *_attendees]
