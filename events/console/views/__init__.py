"""The organiser console (/organise/): chapter organisers and staff run their events here.

Access is declared on each view: `members.use_organiser_console` for the list and the
create forms, and the event's own permission (`events.change_event`,
`events.view_registrations`, `events.message_registrants`) through `EventPermissionMixin`,
which answers 403 — or 404 for an event the user may not even see — for another chapter's
event. The services in `console/services.py` check the same rules again.

The pages, by family: index.py (the list), event.py (create, edit, publish, cancel,
duplicate), registrations.py (the list, its CSV, a message to the registrants), series.py
(create, edit); common.py holds what they share. Names are importable from here, as urls.py
does (`views.ConsoleIndexView`).
"""

from .common import ConsoleAccessMixin
from .event import (
    EventCancelView,
    EventCreateView,
    EventDuplicateView,
    EventEditView,
    EventPublishView,
)
from .index import ConsoleIndexView
from .registrations import MessageView, RegistrationsCsvView, RegistrationsView
from .series import SeriesCreateView, SeriesEditView, SeriesPermissionMixin

__all__ = [
    "ConsoleAccessMixin",
    "ConsoleIndexView",
    "EventCancelView",
    "EventCreateView",
    "EventDuplicateView",
    "EventEditView",
    "EventPublishView",
    "MessageView",
    "RegistrationsCsvView",
    "RegistrationsView",
    "SeriesCreateView",
    "SeriesEditView",
    "SeriesPermissionMixin",
]
