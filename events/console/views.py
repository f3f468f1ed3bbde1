"""The organiser console (/organise/): chapter organisers and staff run their events here.

Access is declared on each view: `members.use_organiser_console` for the list and the
create forms, and the event's own permission (`events.change_event`,
`events.view_registrations`, `events.message_registrants`) through `EventPermissionMixin`,
which answers 403 — or 404 for an event the user may not even see — for another chapter's
event. The services in `console/services.py` check the same rules again.
"""

from __future__ import annotations

import copy
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import TemplateView

from betacowork.csv_cells import csv_lines
from betacowork.submissions.services import nonce_clean, nonce_new

from .. import selectors as event_selectors
from .. import services as event_services
from ..forms import add_service_errors
from ..models import Event, EventSeries
from ..recurrence import rrule_describe
from ..views import EventPermissionMixin
from ..views.common import series_followed_messages
from . import selectors, services
from .forms import EventForm, MessageForm, SeriesForm


class ConsoleAccessMixin(PermissionRequiredMixin):
    """Anonymous → the login page; a member who organises no chapter → 403."""

    permission_required = "members.use_organiser_console"
    permission_denied_message = _lazy("The organiser console is for chapter organisers and staff.")


class ConsoleIndexView(ConsoleAccessMixin, TemplateView):
    """My chapters' events, upcoming first, with their seats, waitlist and check-ins."""

    template_name = "console/index.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        upcoming, past = selectors.console_events(user=self.request.user)
        for event in (*upcoming, *past):
            # Each "Duplicate" button makes one copy, however often it is sent.
            event.duplicate_nonce = nonce_new()
        series = list(selectors.console_series(user=self.request.user))
        for one in series:
            one.repeats = rrule_describe(one.rrule)
        ctx.update(upcoming=upcoming, past=past, series=series)
        return ctx


def _made_then_deleted(request):
    """A form sent again whose first sending's event (or series) was deleted since."""
    messages.info(
        request,
        _(
            "This form was already sent, and what it created has been deleted since: "
            "nothing is created again. Open a new form to start over."
        ),
    )
    return redirect("organise:index")


class _EventFormView(View):
    template_name = "console/event_form.html"

    def render_form(self, form, *, status: int = 200, **extra):
        return render(self.request, self.template_name, {"form": form, **extra}, status=status)


class EventCreateView(ConsoleAccessMixin, _EventFormView):
    def get(self, request):
        initial = {**selectors.new_event_defaults(user=request.user), "nonce": nonce_new()}
        return self.render_form(EventForm(user=request.user, initial=initial))

    def post(self, request):
        form = EventForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.render_form(form, status=400)
        try:
            result = services.console_event_create(
                actor=request.user,
                fields=form.service_fields(),
                nonce=form.cleaned_data["nonce"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.render_form(form, status=400)
        event = result.made
        if result.repeated and event is None:
            return _made_then_deleted(request)
        if result.repeated:
            messages.info(
                request,
                _("“%(title)s” was already saved from this form: it is not created twice.")
                % {"title": event.title},
            )
            return redirect("organise:index")
        messages.success(
            request,
            _(
                "“%(title)s” is saved as a draft. Publish it when it is ready: "
                "the chapter's followers are told then."
            )
            % {"title": event.title},
        )
        return redirect("organise:index")


class EventEditView(EventPermissionMixin, _EventFormView):
    permission_required = "events.change_event"

    def form(self, data=None) -> EventForm:
        # A copy: validating the form must not change the event the page shows.
        return EventForm(data, user=self.request.user, instance=copy.copy(self.event))

    def render_form(self, form, *, status: int = 200, **extra):
        history = selectors.event_history(event=self.event)
        return super().render_form(form, status=status, event=self.event, history=history)

    def get(self, request, slug):
        return self.render_form(self.form())

    def post(self, request, slug):
        form = self.form(request.POST)
        if not form.is_valid():
            return self.render_form(form, status=400)
        try:
            event = services.console_event_update(
                actor=request.user, event=self.event, fields=form.service_fields()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            elsewhere = form.changed_elsewhere()
            if elsewhere:
                # What they left alone was changed meanwhile, and what they sent does not fit
                # with it (e.g. a new end before the new start): say why.
                form.add_error(
                    None,
                    _(
                        "Someone changed this event since you opened this form (%(fields)s): "
                        "open it again to see it as it is now."
                    )
                    % {"fields": ", ".join(elsewhere)},
                )
            return self.render_form(form, status=400)
        messages.success(request, _("“%(title)s” is saved.") % {"title": event.title})
        return redirect("organise:index")


class EventPublishView(EventPermissionMixin, View):
    """POST: publish a draft; the chapter's followers get the announcement (once)."""

    permission_required = "events.change_event"
    http_method_names = ["post"]

    def post(self, request, slug):
        if event_services.event_publish(event=self.event, actor=request.user):
            if self.event.has_started():
                message = _(
                    "“%(title)s” is published, but its date is past: nobody is told. Correct "
                    "the date and the chapter's followers are told then."
                )
            elif self.event.chapter_id:
                message = _("“%(title)s” is published: the chapter's followers are told.")
            else:
                message = _("“%(title)s” is published.")
            messages.success(request, message % {"title": self.event.title})
        else:
            messages.info(request, _("Only a draft can be published: nothing changed."))
        return redirect("organise:index")


class EventCancelView(EventPermissionMixin, TemplateView):
    """GET: how many people will be emailed; POST: cancel and email them."""

    permission_required = "events.change_event"
    template_name = "console/cancel_confirm.html"

    def get(self, request, *args, **kwargs):
        if event_services.draft_never_held(self.event):
            return _draft_not_cancelled(request, self.event)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            event=self.event,
            started=self.event.has_started(),
            told=self.event.registrations.active().count(),
        )
        return ctx

    def post(self, request, slug):
        if self.event.is_cancelled:
            messages.info(request, _("This event was already cancelled."))
            return redirect("organise:index")
        if event_services.draft_never_held(self.event):
            return _draft_not_cancelled(request, self.event)
        try:
            told = event_services.event_cancel(event=self.event, actor=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("organise:index")
        messages.success(
            request,
            ngettext(
                "“%(title)s” is cancelled: %(n)s person will be emailed.",
                "“%(title)s” is cancelled: %(n)s people will be emailed.",
                told,
            )
            % {"title": self.event.title, "n": told},
        )
        return redirect("organise:index")


def _draft_not_cancelled(request, event: Event):
    """A draft nobody holds a place at is not cancelled (`draft_never_held`): a cancelled
    event is listed for everyone, and nobody is there to be told."""
    messages.info(
        request,
        _(
            "“%(title)s” is a draft and nobody holds a place at it: there is nothing to "
            "cancel. It stays a draft, seen only by its organisers and the staff."
        )
        % {"title": event.title},
    )
    return redirect("organise:index")


class EventDuplicateView(EventPermissionMixin, View):
    """POST: a draft copy, opened for editing: a week later, or for a past event on the
    first same weekday to come. The button's nonce makes a double click copy once."""

    permission_required = "events.change_event"
    http_method_names = ["post"]

    def post(self, request, slug):
        try:
            result = services.console_event_duplicate(
                actor=request.user, event=self.event, nonce=nonce_clean(request.POST.get("nonce"))
            )
        except ValidationError as exc:  # e.g. a copy a week later would be out of range
            messages.error(request, " ".join(exc.messages))
            return redirect("organise:index")
        copy_ = result.made
        if result.repeated and copy_ is None:
            return _made_then_deleted(request)
        if result.repeated:
            messages.info(request, _("This copy was already made: it is not made twice."))
        elif copy_.start - self.event.start < timedelta(days=8):
            messages.success(
                request, _("A draft copy is created, one week later: check the date and details.")
            )
        else:
            messages.success(
                request,
                _(
                    "“%(title)s” is past: its draft copy is on %(date)s, the first same "
                    "weekday to come. Check the date and details."
                )
                % {
                    "title": self.event.title,
                    "date": date_format(timezone.localtime(copy_.start), "l j F Y"),
                },
            )
        return redirect("organise:edit", slug=copy_.slug)


class RegistrationsView(EventPermissionMixin, TemplateView):
    """Confirmed, waitlist (in order), cancelled count, check-ins; links to the door list."""

    permission_required = "events.view_registrations"
    template_name = "console/registrations.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        viewer = self.request.user
        ctx.update(
            event=self.event,
            overview=selectors.registrations_overview(event=self.event, viewer=viewer),
            show_emails=viewer.has_perm("events.see_all_registrants"),
            can_message=viewer.has_perm("events.message_registrants", self.event),
        )
        return ctx


class RegistrationsCsvView(EventPermissionMixin, View):
    """The registrations as CSV: what the page shows (emails for staff only; people with a
    private profile counted in their row, not named). Cells are neutralised against
    spreadsheet formulas by `csv_lines`."""

    permission_required = "events.view_registrations"

    def get(self, request, slug):
        viewer = request.user
        show_emails = viewer.has_perm("events.see_all_registrants")
        overview = selectors.registrations_overview(event=self.event, viewer=viewer)
        header = ["name", *(["email"] if show_emails else []), "status", "waitlist_position"]
        header += ["member", "note", "registered_at", "checked_in_at"]
        rows = [header]
        private = _("Private profile")
        for registration in [*overview.confirmed, *overview.waitlist]:
            shown = registration.shown
            row = [registration.name if shown else private]
            if show_emails:
                row.append(registration.email)
            row += [
                registration.status,
                getattr(registration, "position", "") or "",
                "no" if registration.is_guest else "yes",
                registration.note if shown else "",
                _iso(registration.created_at),
                _iso(registration.checked_in_at),
            ]
            rows.append(row)
        response = HttpResponse("".join(csv_lines(rows)), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{self.event.slug}-registrations.csv"'
        )
        return response


def _iso(value) -> str:
    return timezone.localtime(value).isoformat(timespec="minutes") if value else ""


class MessageView(EventPermissionMixin, View):
    """A short message to the registrants, through the outbox, each in their language."""

    permission_required = "events.message_registrants"
    template_name = "console/message.html"

    def render_form(self, form, *, status: int = 200):
        counts = event_selectors.with_counts(Event.objects.filter(pk=self.event.pk)).get()
        ctx = {"form": form, "event": self.event, "counts": counts}
        return render(self.request, self.template_name, ctx, status=status)

    def get(self, request, slug):
        return self.render_form(
            MessageForm(initial={"nonce": nonce_new()}, reply_to=request.user.email)
        )

    def post(self, request, slug):
        form = MessageForm(request.POST, reply_to=request.user.email)
        if not form.is_valid():
            return self.render_form(form, status=400)
        data = form.cleaned_data
        result = services.organiser_note_send(
            actor=request.user,
            event=self.event,
            subject=data["subject"],
            body=data["body"],
            include_waitlist=data["include_waitlist"],
            nonce=data["nonce"],
        )
        if result.already_sent:
            messages.info(request, _("This message was already sent: it is not sent twice."))
        else:
            messages.success(
                request,
                ngettext("Sent to %(n)s person.", "Sent to %(n)s people.", result.sent)
                % {"n": result.sent},
            )
        return redirect("organise:registrations", slug=self.event.slug)


class SeriesPermissionMixin(AccessMixin):
    """Loads `self.series` by pk; `events.change_eventseries` (staff, or an organiser of the
    series' chapter). Anonymous → login; anyone else → 403."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.series = get_object_or_404(
            EventSeries.objects.select_related("chapter", "kind", "space"), pk=kwargs["pk"]
        )
        if not request.user.has_perm("events.change_eventseries", self.series):
            raise PermissionDenied(_("Only staff and the chapter's organisers can do this."))
        return super().dispatch(request, *args, **kwargs)


class _SeriesFormView(View):
    template_name = "console/series_form.html"
    series: EventSeries | None = None

    def form(self, data=None, **kwargs) -> SeriesForm:
        instance = copy.copy(self.series) if self.series else None
        return SeriesForm(data, user=self.request.user, instance=instance, **kwargs)

    def render_form(self, form, *, status: int = 200):
        ctx = {"form": form, "series": self.series}
        if self.series is not None:
            ctx["repeats"] = rrule_describe(self.series.rrule)
        return render(self.request, self.template_name, ctx, status=status)

    def post(self, request, **kwargs):
        form = self.form(request.POST)
        if not form.is_valid():
            return self.render_form(form, status=400)
        try:
            result = services.console_series_save(
                actor=request.user,
                series=self.series,
                fields=form.service_fields(),
                nonce=form.cleaned_data["nonce"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.render_form(form, status=400)
        series, created = result.series, result.created
        if result.repeated and series is None:
            return _made_then_deleted(request)
        if result.repeated:
            messages.info(
                request,
                _("“%(title)s” (%(repeats)s) is already saved: it is not created twice.")
                % {"title": series.title, "repeats": rrule_describe(series.rrule)},
            )
            return redirect("organise:index")
        messages.success(
            request,
            ngettext(
                "“%(title)s” (%(repeats)s) is saved: %(n)s occurrence created.",
                "“%(title)s” (%(repeats)s) is saved: %(n)s occurrences created.",
                len(created),
            )
            % {"title": series.title, "repeats": rrule_describe(series.rrule), "n": len(created)},
        )
        if result.followed is not None:
            series_followed_messages(request, result.followed)
        return redirect("organise:index")


class SeriesCreateView(ConsoleAccessMixin, _SeriesFormView):
    def get(self, request):
        initial = {**selectors.new_series_defaults(user=request.user), "nonce": nonce_new()}
        return self.render_form(self.form(initial=initial))


class SeriesEditView(SeriesPermissionMixin, _SeriesFormView):
    def get(self, request, pk):
        return self.render_form(self.form())
