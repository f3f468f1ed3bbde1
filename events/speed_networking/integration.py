"""What speed networking adds to pages and registries other apps own: the event page's
panel, the "my data" export section, and the people "people you should meet" leaves out.
Registered once from EventsConfig.ready() (`register()`).
"""

from __future__ import annotations

from django.db.models import Count
from django.utils import timezone

from ..models import MeetingRequest, Seat
from . import selectors
from .requests import meeting_requests_closed
from .selectors import people, who_i_met


def export_collect(user) -> dict:
    """Everything speed networking holds about `user` ("my data"): seats, requests made (and
    how many received, not by whom), meetings; people named only when `user` may see them.
    Each row names its event by title and start (`event`, `event_start`, as the registrations
    section does): two evenings share a title."""
    seats = (
        Seat.objects.filter(user=user)
        .select_related("round__session__event")
        .order_by("round__session__event__start", "round__number")
    )
    made = MeetingRequest.objects.filter(requester=user).select_related("event").order_by("pk")
    received = (
        MeetingRequest.objects.filter(target=user)
        .values("event_id", "event__title", "event__start")
        .annotate(count=Count("pk"))
        .order_by("event__start", "event_id")
    )
    targets = people((r.target_id for r in made), viewer=user)
    return {
        "seats": [
            {
                **_event(s.round.session.event.title, s.round.session.event.start),
                "round": s.round.number,
                "table": s.table,
                "played": s.round.started_at is not None,
            }
            for s in seats
        ],
        "requests_made": [
            {**_event(r.event.title, r.event.start), "target": targets[r.target_id].name}
            for r in made
        ],
        "requests_received": [
            {**_event(r["event__title"], r["event__start"]), "count": r["count"]} for r in received
        ],
        "meetings": [
            {
                **_event(group.event.title, group.event.start),
                "round": number,
                "with": person.name,
            }
            for group in who_i_met(user=user)
            for number, person in group.people
        ],
    }


def _event(title: str, start) -> dict:
    return {"event": title, "event_start": timezone.localtime(start).isoformat()}


def event_panel_context(request, *, event) -> dict | None:
    """The event page's links: run the evening, my round, requests, whom I met here; None
    when there is none to show."""
    if not selectors.is_speed_networking(event):
        return None
    user = request.user
    if not user.is_authenticated:
        return None
    can_run = user.has_perm("events.run_speed_networking", event)
    registered = selectors.is_registrant(event, user)
    if not (can_run or registered):
        return None
    # A cancelled evening, like one that ended or was finished, has no round or wish left to
    # offer (the rule `meeting_request_set` refuses them by).
    ended = meeting_requests_closed(event=event) is not None
    met = len(selectors.met_at_event(event=event, user=user, viewer=user)) if registered else 0
    if not can_run and ended and not met:
        return None  # a registrant who met nobody there: the panel would have no link
    return {
        "event": event,
        "can_run": can_run,
        "registered": registered,
        "ended": ended,
        "met": met,
    }


def register() -> None:
    """Called from EventsConfig.ready(): the event page's panel, the "my data" section and
    the people "people you should meet" leaves out."""
    from members import panels as members_panels

    from ..models import Meeting, MeetingRequest, Seat
    from ..panels import register_event_panel

    register_event_panel(
        order=30, template="speed_networking/_event_panel.html", context=event_panel_context
    )
    members_panels.register_export_section(
        name="speed_networking",
        collect=export_collect,
        models=[Seat, MeetingRequest, Meeting],
    )
    members_panels.register_suggestion_exclusion(selectors.met_user_ids)
