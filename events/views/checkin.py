"""Check-in at the door: the list and the toggle."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from .. import selectors, services
from ..models import Event
from ..services.checkin import check_in_closed
from .access import CheckInAccessMixin


class CheckInView(CheckInAccessMixin, TemplateView):
    """The door list: search by name, one tap to check in, undo. Before the event's day the
    list is there to read, with no check-in button: the page says when check-in opens."""

    template_name = "events/check_in.html"

    def query(self) -> str:
        # NUL bytes are refused by Postgres in a query (a 500): nobody types them.
        data = self.request.POST if self.request.method == "POST" else self.request.GET
        return data.get("q", "").replace("\x00", "")[:100].strip()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        closed = check_in_closed(event=self.event)
        if closed is not None and closed.code == "cancelled":
            # Nobody comes to a cancelled event: the page says so, with no buttons.
            ctx.update(event=self.event, cancelled=True)
            return ctx
        query = self.query()
        viewer = self.request.user
        registrations = list(selectors.check_in_list(event=self.event, viewer=viewer, query=query))
        counts = selectors.with_counts(Event.objects.filter(pk=self.event.pk)).get()
        ctx.update(
            event=self.event,
            # Before the door opens: "Check-in opens on …", and no check-in buttons.
            not_yet=closed.messages[0] if closed is not None else None,
            registrations=registrations,
            hidden_count=selectors.check_in_hidden_count(event=self.event, viewer=viewer),
            show_emails=viewer.has_perm("events.see_all_registrants"),
            query=query,
            confirmed_count=counts.confirmed_count,
            checked_in_count=counts.checked_in_count,
        )
        return ctx


class CheckInToggleView(CheckInView):
    """POST action=in|undo. JSON for the page's script, a redirect without JavaScript. A
    refusal (a cancelled event, before the event's day) is a 400 with its message: as JSON
    for the script, on the door list without JavaScript."""

    http_method_names = ["post"]

    def post(self, request, slug, pk):
        # Only registrations the viewer may see at the door: an organiser cannot act on (and
        # so learn the name of) a hidden profile's registration by guessing its id.
        registration = get_object_or_404(
            selectors.check_in_registrations(event=self.event, viewer=request.user), pk=pk
        )
        action = request.POST.get("action", "in")
        wants_json = request.headers.get("Accept", "").startswith("application/json")
        try:
            if action == "undo":
                registration = services.registration_check_in_undo(
                    registration=registration, actor=request.user
                )
            elif action == "in":
                registration = services.registration_check_in(
                    registration=registration, actor=request.user
                )
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as exc:
            if wants_json:
                return JsonResponse({"error": " ".join(exc.messages)}, status=400)
            if getattr(exc, "code", None) not in ("cancelled", "not_yet"):  # the page says those
                for message in exc.messages:
                    messages.error(request, message)
            return self.render_to_response(self.get_context_data(), status=400)
        counts = selectors.with_counts(Event.objects.filter(pk=self.event.pk)).get()
        if registration.checked_in_at:
            said = _("%(name)s is checked in.") % {"name": registration.display_name}
        else:
            said = _("Check-in undone for %(name)s.") % {"name": registration.display_name}
        if wants_json:
            return JsonResponse(
                {
                    "id": registration.pk,
                    "checked_in": registration.checked_in_at is not None,
                    # Before the event's day an undone check-in cannot be done again: the
                    # script then removes the row's button instead of offering "Check in".
                    "open": check_in_closed(event=self.event) is None,
                    "checked_in_count": counts.checked_in_count,
                    "confirmed_count": counts.confirmed_count,
                    # The page's live region says it to a screen reader.
                    "message": said,
                }
            )
        if registration.checked_in_at:
            messages.success(request, said)
        else:
            messages.info(request, said)
        url = reverse("events:check_in", kwargs={"slug": slug})
        query = self.query()  # as the list reads it: a hand-made 20,000-character one would
        if query:  # make the redirect refused (400) after the check-in was saved
            url = f"{url}?{urlencode({'q': query})}"
        return HttpResponseRedirect(url)
