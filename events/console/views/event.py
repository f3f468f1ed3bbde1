"""One event's pages: create, edit, publish, cancel, duplicate."""

from __future__ import annotations

import copy
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import TemplateView

from betacowork.submissions.services import nonce_clean, nonce_new

from ... import services as event_services
from ...forms import add_service_errors
from ...models import Event
from ...views import EventPermissionMixin
from .. import selectors, services
from ..forms import EventForm
from .common import ConsoleAccessMixin, _made_then_deleted


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
        series = self.event.series  # one date of a series: the page says so
        extra = {
            "history": history,
            "series": series,
            "series_editable": series is not None
            and self.request.user.has_perm("events.change_eventseries", series),
            **extra,
        }
        if self.event.is_cancelled:
            # Cancelling is final: no form, the reason and a copy instead.
            extra.update(cancelled_is_final=services.cancelled_is_final(), nonce=nonce_new())
        return super().render_form(form, status=status, event=self.event, **extra)

    def get(self, request, slug):
        return self.render_form(self.form())

    def post(self, request, slug):
        if self.event.is_cancelled:
            return self.render_form(self.form(), status=400)
        form = self.form(request.POST)
        if not form.is_valid():
            return self.render_form(form, status=400)
        window = (self.event.registration_opens_at, self.event.registration_closes_at)
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
        saved = _("“%(title)s” is saved.") % {"title": event.title}
        if window != (event.registration_opens_at, event.registration_closes_at):
            # The form has no window fields: a new date took it along (`window_follow_start`).
            saved = " ".join(filter(None, [saved, event_services.window_moved_note(event)]))
        messages.success(request, saved)
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
        done = ngettext(
            "“%(title)s” is cancelled: %(n)s person will be emailed.",
            "“%(title)s” is cancelled: %(n)s people will be emailed.",
            told,
        )
        if not told:  # nobody was registered: no "0 people will be emailed"
            done = _("“%(title)s” is cancelled.")
        messages.success(request, done % {"title": self.event.title, "n": told})
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
