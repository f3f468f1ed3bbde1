"""Speed-networking pages: the organisers' (organisers.py: the run view, the projector, the
printed plan and its CSV/JSON) and the participants' (participants.py: "my round", "I'd like
to meet", "who I met").

Organiser pages ask `events.run_speed_networking` through `EventPermissionMixin` (anonymous →
login, a member → 403, 404 when the event is not even visible to them). Live pages poll a
small JSON endpoint from static/js/speed-networking.js and fall back, without JavaScript, to
a `<meta http-equiv="refresh">` inside `<noscript>`.
"""

from .organisers import (
    ArriveView,
    FinishView,
    LeaveView,
    PlanCsvView,
    PlanView,
    PrintView,
    ProjectorStateView,
    ProjectorView,
    RoundsJsonView,
    RoundStartView,
    RunView,
)
from .participants import MyRoundStateView, MyRoundView, RequestsView, WhoIMetView

__all__ = [
    "ArriveView",
    "FinishView",
    "LeaveView",
    "MyRoundStateView",
    "MyRoundView",
    "PlanCsvView",
    "PlanView",
    "PrintView",
    "ProjectorStateView",
    "ProjectorView",
    "RequestsView",
    "RoundStartView",
    "RoundsJsonView",
    "RunView",
    "WhoIMetView",
]
