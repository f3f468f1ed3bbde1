"""Who may do what with events: seeing them, running them, checking people in.

The predicates build on `members/rules.py` (read its docstring first). One rule answers
every question about running an event — editing, publishing, cancelling, checking people
in, exporting the list, writing to registrants, planning speed-networking rounds: staff,
or an organiser of the event's chapter (`may_run_event`). Lists use its `Q` form,
`EventQuerySet.run_by(user)`; an event without a chapter is run by staff alone. "Staff" is
`members.rules.is_staff` (named `acts_as_staff` here): an active superuser, or an active
account with the staff box and the permission `members.act_as_staff` — Django's `has_perm`
lets superusers do everything, so the lists show staff everything too.
"""

from __future__ import annotations

import rules
from django.db.models import Q

from members.rules import (
    about_an_object,
    chapter_organiser_q,
    is_member,
    is_staff,
    organised_chapter_ids,
)

from .models import Event, EventVisibility

# A chapter event is small ("50 people at most"): above this only staff may set capacity.
CHAPTER_CAPACITY_LIMIT = 50


# "Staff" is members' one rule (`members.rules.is_staff`): an active superuser, or an active
# account with the staff box and `members.act_as_staff`.
acts_as_staff = is_staff


def event_visibility_q(user) -> Q | None:
    """The events `user` may see; None means every one (staff, drafts included)."""
    if acts_as_staff(user):
        return None
    published = Q(status__in=[Event.Status.PUBLISHED, Event.Status.CANCELLED])
    if user is None or not user.is_authenticated:
        return published & Q(visibility=EventVisibility.PUBLIC)
    # Organisers also see (to preview) their chapters' drafts.
    return published | chapter_organiser_q(user, field="chapter_id")


def run_by_q(user) -> Q | None:
    """The events `user` may run (the list form of `may_run_event`); None: all (staff)."""
    if acts_as_staff(user):
        return None
    return chapter_organiser_q(user, field="chapter_id")


@rules.predicate
def event_visible(user, event) -> bool:
    if event is None:
        return False
    # The event's own fields first (no query): a published or cancelled event the reader
    # may see by its visibility; only the rest asks who the reader is.
    if event.status in (Event.Status.PUBLISHED, Event.Status.CANCELLED) and (
        user.is_authenticated or event.visibility == EventVisibility.PUBLIC
    ):
        return True
    return acts_as_staff(user) or is_event_organiser(user, event)


@rules.predicate
def is_event_organiser(user, event) -> bool:
    """An organiser of the event's chapter (of the series' chapter for a series)."""
    if event is None or event.chapter_id is None:
        return False
    return event.chapter_id in organised_chapter_ids(user)  # the id: no read of the chapter


may_run_event = about_an_object & (acts_as_staff | is_event_organiser)

rules.add_perm("events.view_event", event_visible)
rules.add_perm("events.register_as_member", is_member)
# Running an event: one rule, named after what people do with it.
rules.add_perm("events.change_event", may_run_event)
rules.add_perm("events.check_in", may_run_event)
rules.add_perm("events.view_registrations", may_run_event)
rules.add_perm("events.message_registrants", may_run_event)
rules.add_perm("events.run_speed_networking", may_run_event)
rules.add_perm("events.change_eventseries", may_run_event)
# At the door only staff see email addresses and hidden profiles' names.
rules.add_perm("events.see_all_registrants", acts_as_staff)
# A chapter event above CHAPTER_CAPACITY_LIMIT seats, or an event outside any chapter.
rules.add_perm("events.exceed_chapter_capacity", acts_as_staff)
rules.add_perm("events.add_event_without_chapter", acts_as_staff)
