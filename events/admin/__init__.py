"""Staff run events here: filters, counts, registrations inline, actions, delivery log.

event.py holds the event admin (saving through events.services), event_actions.py its
actions and delivery log, others.py registrations, series, budgets and calendar tokens,
deletion.py what may not be deleted here (an event to come with registrants, a place at one:
cancel them instead)."""

from . import event, others  # noqa: F401 - registers the admins
