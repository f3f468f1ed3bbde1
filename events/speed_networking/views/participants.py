"""Speed-networking pages for the people registered: "my round" on their phone, "I'd like to
meet" and "who I met" (private: theirs only)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from betacowork.numbers import parse_ids
from members.models import User

from ...models import Event
from ...models.speed_networking import MAX_REQUESTS
from .. import display, selectors, services
from ..forms import RequestsForm
from ..requests import meeting_requests_closed
from .organisers import REFRESH_SECONDS, _errors


class RegistrantMixin(LoginRequiredMixin):
    """A logged-in member registered for the (visible, Speed Networking) event."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.event = get_object_or_404(
            Event.objects.visible_to(request.user).select_related("kind"), slug=kwargs["slug"]
        )
        if not selectors.is_speed_networking(self.event):
            raise Http404(_("This is not a Speed Networking event."))
        if not selectors.is_registrant(self.event, request.user):
            raise PermissionDenied(_("This page is for the people registered for the evening."))
        return super().dispatch(request, *args, **kwargs)


class MyRoundView(RegistrantMixin, TemplateView):
    template_name = "speed_networking/me.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            event=self.event,
            state=display.my_round_state(self.event, self.request.user),
            refresh=REFRESH_SECONDS,
            wishes_open=meeting_requests_closed(event=self.event) is None,
            **kwargs,
        )


class MyRoundStateView(RegistrantMixin, View):
    def get(self, request, *args, **kwargs):
        return JsonResponse(display.my_round_state(self.event, request.user))


class RequestsView(RegistrantMixin, TemplateView):
    """Who is coming (visible profiles, with offers and seeks) and up to 5 "I'd like to meet"."""

    template_name = "speed_networking/requests.html"

    def render_page(self, *, form=None, errors=(), status=200):
        profiles = list(selectors.coming_profiles(event=self.event, viewer=self.request.user))
        chosen = selectors.my_request_targets(event=self.event, user=self.request.user)
        choices = [(p.user_id, p.display_name) for p in profiles]
        if form is None:
            form = RequestsForm(choices=choices, initial={"targets": sorted(chosen)})
        selected = set(form["targets"].value() or []) if form.is_bound else chosen
        selected = set(parse_ids(str(v) for v in selected))
        # Cancelled or over: say so rather than offer a form that can only be refused.
        closed = meeting_requests_closed(event=self.event)
        ctx = self.get_context_data(
            event=self.event,
            closed=closed.messages[0] if closed is not None else None,
            profiles=profiles,
            selected=selected,
            form=form,
            errors=list(errors),
            max_requests=MAX_REQUESTS,
        )
        return self.render_to_response(ctx, status=status)

    def get(self, request, *args, **kwargs):
        return self.render_page()

    def post(self, request, *args, **kwargs):
        profiles = selectors.coming_profiles(event=self.event, viewer=request.user)
        choices = [(p.user_id, p.display_name) for p in profiles]
        form = RequestsForm(request.POST, choices=choices)
        if not form.is_valid():
            return self.render_page(form=form, status=400)
        targets = list(User.objects.filter(pk__in=form.cleaned_data["targets"]))
        try:
            made = services.meeting_request_set(
                event=self.event, requester=request.user, targets=targets
            )
        except ValidationError as exc:
            return self.render_page(form=form, errors=_errors(exc), status=400)
        if made:
            messages.success(
                request,
                _("Saved: the organisers try to seat you with them early in the evening."),
            )
        else:
            messages.info(request, _("Saved: no requests."))
        return redirect("events:networking:requests", slug=self.event.slug)


class WhoIMetView(LoginRequiredMixin, TemplateView):
    """The people I met at speed-networking evenings (private: mine only)."""

    template_name = "speed_networking/met.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            groups=selectors.who_i_met(user=self.request.user), **kwargs
        )
