"""What staff do to events from the admin list: publish, cancel (after confirming), duplicate,
export attendees, mark attended, and the per-event delivery log."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from betacowork.csv_cells import csv_lines
from betacowork.messaging.admin import error_shown, subject_shown
from betacowork.messaging.afterwards import outbox_resend
from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_render
from betacowork.numbers import parse_ids

from .. import services
from ..models import (
    Event,
    Registration,
)


def may_read_delivery_log(request) -> bool:
    """The delivery log lists outbox rows: Django's permission to view the outbox."""
    return request.user.has_perm("messaging.view_outbox")


class EventActionsMixin:
    def get_urls(self):
        return [
            path(
                "<int:pk>/delivery/",
                self.admin_site.admin_view(self.delivery_view),
                name="events_event_delivery",
            ),
            *super().get_urls(),
        ]

    def delivery_view(self, request, pk: int):
        """Every outbox row about this event (sent, failed, pending), with resend."""
        event = get_object_or_404(Event, pk=pk)
        # The rows are the outbox's (every recipient's address): its own permissions.
        if not (self.has_view_permission(request, event) and may_read_delivery_log(request)):
            raise PermissionDenied
        rows = Outbox.objects.filter(topic=f"event:{event.pk}").order_by("-created_at")
        can_resend = request.user.has_perm("messaging.change_outbox")
        if request.method == "POST":
            if not can_resend:
                raise PermissionDenied
            ids = parse_ids(request.POST.getlist("ids"))
            ids = list(rows.filter(pk__in=ids).values_list("pk", flat=True))
            if not ids:
                self.message_user(
                    request, _("Select the messages to send again."), messages.WARNING
                )
            else:
                count = outbox_resend(ids=ids)
                self.message_user(
                    request,
                    ngettext("%(n)s message queued again.", "%(n)s messages queued again.", count)
                    % {"n": count},
                )
            return HttpResponseRedirect(request.path)
        status = request.GET.get("status", "")
        if status in Outbox.Status.values:
            rows = rows.filter(status=status)
        counts = dict(
            Outbox.objects.filter(topic=f"event:{event.pk}")
            .values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
        rows = list(rows[:200])
        # Messages written as data get their text when sent: preview it, without fixing it.
        outbox_render(rows, save=False)
        for row in rows:
            # As the outbox's own log shows them: in the staff member's language.
            row.shown_subject, row.shown_error = subject_shown(row), error_shown(row)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Delivery log: %(event)s") % {"event": event},
            "event": event,
            "rows": rows,
            "counts": counts,
            "statuses": [(v, label, counts.get(v, 0)) for v, label in Outbox.Status.choices],
            "status": status,
            "can_resend": can_resend,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/events/event/delivery_log.html", context)

    @admin.action(permissions=["change"], description=_("Publish the selected events"))
    def action_publish(self, request, queryset):
        done, cancelled, published = 0, [], []
        for event in queryset.order_by("start", "pk"):
            if services.event_publish(event=event, actor=request.user):
                done += 1
                continue
            # Only a draft is published: say what the others are now (deleted meanwhile: gone).
            now = Event.objects.filter(pk=event.pk).values_list("status", flat=True).first()
            if now == Event.Status.CANCELLED:
                cancelled.append(event)
            elif now == Event.Status.PUBLISHED:
                published.append(event)
        self.message_user(
            request,
            ngettext("%(n)s event published.", "%(n)s events published.", done) % {"n": done},
        )
        if cancelled:
            self.message_user(
                request,
                ngettext(
                    "Not published, cancelled (cancelling is final: duplicate it to hold it "
                    "again): %(events)s.",
                    "Not published, cancelled (cancelling is final: duplicate them to hold "
                    "them again): %(events)s.",
                    len(cancelled),
                )
                % {"events": _titles(cancelled)},
                messages.WARNING,
            )
        if published:
            self.message_user(
                request,
                # One English form; French and Dutch agree "published" with the number.
                ngettext(
                    "Already published: %(events)s.",
                    "Already published: %(events)s.",
                    len(published),
                )
                % {"events": _titles(published)},
            )

    @admin.action(
        permissions=["change"], description=_("Cancel the selected events (registrants are told)")
    )
    def action_cancel(self, request, queryset):
        if request.POST.get("post") != "yes":
            # Confirm first, saying how many people will be emailed (like delete_selected).
            events = [
                e
                for e in queryset.exclude(status=Event.Status.CANCELLED)
                if not services.draft_never_held(e)
            ]
            context = {
                **self.admin_site.each_context(request),
                "title": _("Cancel these events?"),
                "opts": self.model._meta,
                "events": events,
                "selected": list(queryset.values_list("pk", flat=True)),
                "told": Registration.objects.active().filter(event__in=events).count(),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(
                request, "admin/events/event/cancel_selected_confirmation.html", context
            )
        told = 0
        events = []
        # A draft nobody registered for is not cancelled (`draft_never_held`): a cancelled
        # event is listed for everyone, and nobody is there to be told. Delete it, or leave it.
        selected = list(queryset.order_by("start", "pk"))
        drafts = [e for e in selected if services.draft_never_held(e)]
        if drafts:
            self.message_user(
                request,
                ngettext(
                    "Not cancelled, a draft nobody holds a place at (cancelling would list it "
                    "for everyone): %(events)s.",
                    "Not cancelled, drafts nobody holds a place at (cancelling would list them "
                    "for everyone): %(events)s.",
                    len(drafts),
                )
                % {"events": _titles(drafts)},
                messages.WARNING,
            )
        for event in selected:
            if event in drafts:
                continue
            try:
                told += services.event_cancel(event=event, actor=request.user)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.WARNING)
                continue
            events.append(event)
        self.message_user(
            request,
            " ".join(
                (
                    ngettext("%(n)s event cancelled.", "%(n)s events cancelled.", len(events))
                    % {"n": len(events)},
                    ngettext(
                        "%(n)s registrant will be told by email.",
                        "%(n)s registrants will be told by email.",
                        told,
                    )
                    % {"n": told},
                )
            ),
        )
        return None

    @admin.action(
        permissions=["add"],
        description=_("Duplicate the selected events (as drafts, one week later)"),
    )
    def action_duplicate(self, request, queryset):
        copies = []
        for event in queryset:
            try:
                copies.append(services.event_duplicate(event=event, actor=request.user))
            except ValidationError as exc:
                self.message_user(
                    request, f"{event.title}: {' '.join(exc.messages)}", messages.WARNING
                )
        self.message_user(
            request,
            ngettext("%(n)s draft copy created.", "%(n)s draft copies created.", len(copies))
            % {"n": len(copies)},
        )

    @admin.action(description=_("Export attendees as CSV"))
    def action_export_csv(self, request, queryset):
        """Every active registration of the selected events; every cell is neutralised
        against spreadsheet formulas by `csv_lines` (the directory's and console's writer)."""
        header = ["event", "start", "name", "email", "member", "status", "note"]
        rows = [[*header, "registered_at", "checked_in_at"]]
        regs = (
            Registration.objects.filter(event__in=queryset)
            .active()
            .select_related("event")
            .order_by("event__start", "status", "created_at")
        )
        for r in regs:
            rows.append(
                [
                    r.event.title,
                    timezone.localtime(r.event.start).isoformat(),
                    r.display_name,
                    r.email,
                    "yes" if r.user_id else "no",
                    r.status,
                    r.note,
                    timezone.localtime(r.created_at).isoformat(),
                    timezone.localtime(r.checked_in_at).isoformat() if r.checked_in_at else "",
                ]
            )
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="attendees.csv"'
        response.write("".join(csv_lines(rows)))  # starts with the BOM spreadsheets need
        return response

    @admin.action(
        permissions=["change"], description=_("Mark every confirmed registrant as attended")
    )
    def action_mark_attended(self, request, queryset):
        """Check in every confirmed registrant of each selected event that has started and
        is not cancelled (`registration_check_in`), all or nothing per event; the other
        events are left alone and named."""
        count, cancelled, not_started = 0, [], []
        now = timezone.now()
        for event in queryset.order_by("start", "pk"):
            if event.status == Event.Status.CANCELLED:
                cancelled.append(event)
                continue
            if not event.has_started(now):
                not_started.append(event)  # nobody can have attended it yet
                continue
            try:
                count += self._check_in_all(request, event)
            except ValidationError:
                # Cancelled since the list was shown: none of its check-ins is kept.
                cancelled.append(event)
        self.message_user(
            request,
            ngettext("%(n)s person marked as attended.", "%(n)s people marked as attended.", count)
            % {"n": count},
        )
        if cancelled:
            self.message_user(
                request,
                ngettext(
                    "Nobody checked in at this cancelled event: %(events)s.",
                    "Nobody checked in at these cancelled events: %(events)s.",
                    len(cancelled),
                )
                % {"events": _titles(cancelled)},
                messages.WARNING,
            )
        if not_started:
            self.message_user(
                request,
                ngettext(
                    "Nobody checked in at this event, which has not started yet: %(events)s.",
                    "Nobody checked in at these events, which have not started yet: %(events)s.",
                    len(not_started),
                )
                % {"events": _titles(not_started)},
                messages.WARNING,
            )

    @staticmethod
    @transaction.atomic
    def _check_in_all(request, event: Event) -> int:
        """Check in the event's confirmed registrants not checked in yet; return how many.
        All or nothing: raises ValidationError (and keeps none) if the event is cancelled
        meanwhile; a registration cancelled meanwhile is just not counted."""
        checked = 0
        for registration in event.registrations.confirmed().filter(checked_in_at__isnull=True):
            try:
                services.registration_check_in(registration=registration, actor=request.user)
            except ValidationError as exc:
                if exc.code == "not_confirmed":
                    continue
                raise
            checked += 1
        return checked


def _titles(events) -> str:
    return ", ".join(f"“{event.title}”" for event in events)
