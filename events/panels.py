"""What events add to pages `members` owns: home, profile, and the "my data" export."""

from __future__ import annotations

import inspect

from django.utils import timezone

from members import panels as registry

from .models import Event, EventChange, Registration, Speaker
from .selectors import attendance_by_kind, event_list

# The event page's own registry: higher apps (collaborations) add a panel to it, since
# `events` never imports them. `context(request, event=...)` returns a dict, or None to hide.
_event_panels: list[registry.Panel] = []


def register_event_panel(*, order: int, template: str, context) -> None:
    _event_panels.append(registry.Panel(order, template, context))
    _event_panels.sort(key=lambda p: p.order)


def event_panels(request, event) -> list[dict]:
    return registry.panels_render(_event_panels, request, event=event)


def _home_coming_up(request) -> dict:
    return {"events": list(event_list(user=request.user)[:6])}


def _profile_attendance(request, profile) -> dict | None:
    """ "Attended 12 Betacooks": only for a profile the viewer may already see."""
    attendance = attendance_by_kind(user=profile.user)
    upcoming = []
    if request.user.is_authenticated:
        upcoming = list(
            Event.objects.visible_to(request.user)
            .upcoming()
            .exclude(status=Event.Status.CANCELLED)  # nobody is coming to it any more
            .filter(
                registrations__user=profile.user,
                registrations__status=Registration.Status.CONFIRMED,
            )
            .order_by("start")[:5]
        )
    if not attendance and not upcoming:
        return None
    return {"attendance": attendance, "upcoming": upcoming}


def export_registrations(user) -> list[dict]:
    """The member's registrations (as member, or as a guest with the same email) as JSON."""
    rows = (
        Registration.objects.filter(user=user)
        .select_related("event", "event__kind")
        .order_by("created_at")
    )
    return [
        {
            "event": r.event.title,
            "event_kind": r.event.kind.slug,
            "event_start": timezone.localtime(r.event.start).isoformat(),
            "status": r.status,
            "name": r.name,
            "email": r.email,
            "note": r.note,
            "registered_at": r.created_at.isoformat(),
            "confirmed_at": r.confirmed_at.isoformat() if r.confirmed_at else None,
            "waitlisted_at": r.waitlisted_at.isoformat() if r.waitlisted_at else None,
            "cancelled_at": r.cancelled_at.isoformat() if r.cancelled_at else None,
            "checked_in_at": r.checked_in_at.isoformat() if r.checked_in_at else None,
        }
        for r in rows
    ]


def export_calendar_token(user) -> dict | None:
    token = getattr(user, "calendar_token", None)
    if token is None:
        return None
    return {"created_at": token.created_at.isoformat(), "note": "the secret itself is not exported"}


def export_organised(user) -> dict:
    """Events this member created, what they changed in events, and talks they gave."""
    created = Event.objects.filter(created_by=user).order_by("start")
    changes = EventChange.objects.filter(actor=user).select_related("event").order_by("at")
    talks = Speaker.objects.filter(member=user).select_related("event").order_by("event__start")
    return {
        "events_created": [
            {"title": e.title, "start": timezone.localtime(e.start).isoformat()} for e in created
        ],
        "event_changes": [
            {
                "event": c.event.title,
                "action": c.action,
                "fields": c.fields,
                "at": c.at.isoformat(),
            }
            for c in changes
        ],
        "talks": [
            {
                "event": t.event.title,
                "start": timezone.localtime(t.event.start).isoformat(),
                "name": t.name,
                "affiliation": t.affiliation,
                "bio": t.bio,
            }
            for t in talks
        ],
    }


registry.register_home_panel(
    order=5, template="events/_home_coming_up.html", context=_home_coming_up
)
registry.register_profile_panel(
    order=20, template="events/_profile_attendance.html", context=_profile_attendance
)


def _register_export(name, collect, models):
    # The members app may extend the contract so sections declare the models they cover.
    params = inspect.signature(registry.register_export_section).parameters
    if "models" in params:
        registry.register_export_section(name=name, collect=collect, models=models)
    else:
        registry.register_export_section(name=name, collect=collect)


_register_export("event_registrations", export_registrations, ["events.Registration"])
_register_export("event_calendar_feed", export_calendar_token, ["events.CalendarToken"])
_register_export(
    "events_organised",
    export_organised,
    ["events.Event", "events.EventChange", "events.Speaker"],
)
