"""The events app's models, one module per concern.

- `core`: events, series, kinds; `dates`: the dates an event may have, its registration window;
- `speakers`: who speaks at an event; `calendar`: personal calendar feed tokens;
- `registrations`: seats, the waitlist, guests;
- `history`: what happened to an event, by whom;
- `budget`: what events cost (cost lines) and the yearly budgets they are held against;
- `speed_networking`: sessions, rounds, seats, "I'd like to meet" requests and meetings.

Import them from here (`from events.models import Event`): the split is for readers.
"""

from .budget import Budget, EventCost
from .calendar import CalendarToken, _new_token
from .core import (
    Event,
    EventKind,
    EventQuerySet,
    EventSeries,
    EventVisibility,
    default_reminder_offsets,
)
from .dates import EVENT_TIME_FIELDS, validate_event_time, validate_registration_window
from .history import EventChange
from .registrations import Registration, RegistrationQuerySet
from .speakers import Speaker
from .speed_networking import Meeting, MeetingRequest, NetworkingSession, Round, Seat

__all__ = [
    "EVENT_TIME_FIELDS",
    "Budget",
    "CalendarToken",
    "Event",
    "EventChange",
    "EventCost",
    "EventKind",
    "EventQuerySet",
    "EventSeries",
    "EventVisibility",
    "Meeting",
    "MeetingRequest",
    "NetworkingSession",
    "Registration",
    "RegistrationQuerySet",
    "Round",
    "Seat",
    "Speaker",
    "_new_token",
    "default_reminder_offsets",
    "validate_event_time",
    "validate_registration_window",
]
