"""Event pages, by concern: pages.py (list, month, an event, my events), registration.py
(take and give back a seat), calendars.py (.ics and feeds), access.py (who may run an event,
the mixin every organiser page uses), checkin.py (the door). Names are importable from here,
as urls.py does (`views.EventListView`)."""

from .access import CheckInAccessMixin, EventPermissionMixin
from .calendars import (
    CalendarTokenCreateView,
    CalendarTokenRegenerateView,
    EventIcsView,
    PersonalFeedView,
    PublicFeedView,
)
from .checkin import CheckInToggleView, CheckInView
from .guests import GuestCancelView, GuestConfirmView
from .pages import EventDetailView, EventListView, EventMonthView, MyEventsView
from .registration import EventCancelRegistrationView, EventRegisterView

__all__ = [
    "CalendarTokenCreateView",
    "CalendarTokenRegenerateView",
    "CheckInAccessMixin",
    "CheckInToggleView",
    "CheckInView",
    "EventCancelRegistrationView",
    "EventDetailView",
    "EventIcsView",
    "EventListView",
    "EventMonthView",
    "EventPermissionMixin",
    "EventRegisterView",
    "GuestCancelView",
    "GuestConfirmView",
    "MyEventsView",
    "PersonalFeedView",
    "PublicFeedView",
]
