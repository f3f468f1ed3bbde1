"""An event's registrations: the list, its CSV, a message to the registrants."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import TemplateView

from betacowork.csv_cells import csv_lines
from betacowork.submissions.services import nonce_new

from ... import selectors as event_selectors
from ...models import Event
from ...services.common import registration_address
from ...views import EventPermissionMixin
from .. import selectors, services
from ..forms import MessageForm


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
        # In the reader's language, as the page (and the speed-networking plan's CSV).
        header = [_("name"), *([_("email")] if show_emails else []), _("status")]
        header += [_("waitlist position"), _("member"), _("note")]
        header += [_("registered at"), _("checked in at")]
        rows = [header]
        private = _("Private profile")
        yes, no = _("yes"), _("no")
        for registration in [*overview.confirmed, *overview.waitlist]:
            shown = registration.shown
            row = [registration.display_name if shown else private]
            if show_emails:
                # Where the site writes to them: a member's account address as it is now.
                row.append(registration_address(registration))
            row += [
                registration.get_status_display(),
                getattr(registration, "position", "") or "",
                yes if registration.user_id else no,  # a guest, or a former member
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

    def counts(self) -> Event:
        # Whom the note reaches: not a former member's seat (nothing is sent to it).
        reachable = Q(registrations__former_member=False)
        counts = (
            Event.objects.filter(pk=self.event.pk)
            .annotate(
                confirmed_count=Count(
                    "registrations", filter=event_selectors.CONFIRMED & reachable
                ),
                waitlisted_count=Count(
                    "registrations", filter=event_selectors.WAITLISTED & reachable
                ),
            )
            .get()
        )
        # Nobody registered (or waiting): no form, which could only answer "Sent to 0 people".
        counts.nobody = not (counts.confirmed_count or counts.waitlisted_count)
        return counts

    def render_form(self, form, *, status: int = 200, counts: Event | None = None):
        counts = counts or self.counts()
        ctx = {"form": form, "event": self.event, "counts": counts, "nobody": counts.nobody}
        return render(self.request, self.template_name, ctx, status=status)

    def get(self, request, slug):
        return self.render_form(
            MessageForm(
                initial={"nonce": nonce_new()},
                reply_to=request.user.email,
                cancelled=self.event.is_cancelled,
            )
        )

    def post(self, request, slug):
        form = MessageForm(
            request.POST, reply_to=request.user.email, cancelled=self.event.is_cancelled
        )
        counts = self.counts()
        if counts.nobody:
            return self.render_form(form, status=400, counts=counts)
        if not form.is_valid():
            return self.render_form(form, status=400, counts=counts)
        data = form.cleaned_data
        result = services.organiser_note_send(
            actor=request.user,
            event=self.event,
            subject=data["subject"],
            body=data["body"],
            include_waitlist=data["include_waitlist"],
            nonce=data["nonce"],
            again=data["again"],
        )
        if result.same_sent_at is not None:
            minutes = max(1, round((timezone.now() - result.same_sent_at).total_seconds() / 60))
            form.add_error(
                None,
                ngettext(
                    "You sent this same message %(n)s minute ago. Send it again?",
                    "You sent this same message %(n)s minutes ago. Send it again?",
                    minutes,
                )
                % {"n": minutes},
            )
            form.ask_again = True
            return self.render_form(form, status=409, counts=counts)
        if result.already_sent:
            messages.info(request, _("This message was already sent: it is not sent twice."))
        else:
            messages.success(
                request,
                ngettext("Sent to %(n)s person.", "Sent to %(n)s people.", result.sent)
                % {"n": result.sent},
            )
        return redirect("organise:registrations", slug=self.event.slug)
