"""Taking and giving back a seat: register (members, and guests whose form emails a link:
views/guests.py), cancel."""

from __future__ import annotations

from allauth.core.internal import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View

from .. import selectors, services
from ..forms import GuestRegistrationForm, RegistrationForm, add_service_errors
from ..models import Event, Registration
from ..services.guests import (
    guest_request_send,
)
from .common import _validation_messages
from .pages import EventDetailView


def _guest_rate_limits() -> dict[str, str]:
    """Guest registrations one visitor may send (settings.GUEST_REGISTRATION_RATE), counted
    per address as the login limits count (allauth's, behind ALLAUTH_TRUSTED_PROXY_COUNT
    proxies). Each one emails an address the link that confirms a registration
    (`guest_request_send`): without a limit, anyone could make the site email address after
    address. The default, twenty an hour, leaves room for a group registering
    from one office or a coworking space's Wi-Fi."""
    return {"guest_register": settings.GUEST_REGISTRATION_RATE}


class EventRegisterView(EventDetailView):
    """POST: register the member, or a guest with name and email. GET (the login page sends a
    member whose session ended back to the address the form was sent to): the event's page,
    where the button is."""

    http_method_names = ["get", "post"]

    def get(self, request, *args, **kwargs):
        return redirect("events:detail", slug=self.kwargs["slug"])

    def post(self, request, *args, **kwargs):
        if not request.user.is_authenticated and not ({"name", "email"} & request.POST.keys()):
            # A member's button (no guest fields) from a page whose session has ended since:
            # sign in again, then back to the event's page. (Before the event is read: the
            # same answer for any address, a members-only event's included.)
            messages.info(request, _("Your session has ended: sign in again to register."))
            return redirect_to_login(reverse("events:detail", args=[self.kwargs["slug"]]))
        user = request.user if request.user.is_authenticated else None
        if user is None:
            # A guest's form books nothing (its emailed link does): one read of what its
            # answer needs; the page's speakers are read only when it is shown again.
            event = get_object_or_404(
                selectors.event_detail_queryset(user=request.user).prefetch_related(None),
                slug=self.kwargs["slug"],
            )
        else:
            # A lean read: the service re-reads the row under its lock anyway, and the
            # page's counts and speakers are only needed when it is shown again (an error).
            event = get_object_or_404(
                Event.objects.visible_to(request.user).only("pk", "slug"),
                slug=self.kwargs["slug"],
            )
        form = RegistrationForm(request.POST) if user else GuestRegistrationForm(request.POST)
        if not form.is_valid():
            ctx = self.build_context(self.get_event(), form=form)
            return self.render_to_response(ctx, status=400)
        if user is None and not _guest_registration_allowed(request):
            ctx = self.build_context(
                self.get_event(),
                form=form,
                errors=[
                    _(
                        "Too many registrations have been sent from your connection. Please "
                        "try again later; members can log in to register."
                    )
                ],
            )
            response = self.render_to_response(ctx, status=429)
            response["Retry-After"] = str(_guest_rate_period())
            return response
        if user is None:
            return self._guest_request(request, form, event)
        try:
            registration = services.event_register(
                event=event, user=user, note=form.cleaned_data.get("note", ""),
                language=get_language(),
            )  # fmt: skip
        except ValidationError as exc:
            if getattr(exc, "code", None) == "already_registered":
                # A double click, or a second try: nothing changed, and that is fine.
                registration = selectors.registration_for(event=event, user=user)
                _tell_already_registered(request, registration)
                return redirect(event)
            if hasattr(exc, "error_dict"):
                add_service_errors(form, exc)
                ctx = self.build_context(self.get_event(), form=form)
            else:
                ctx = self.build_context(
                    self.get_event(), form=form, errors=_validation_messages(exc)
                )
            return self.render_to_response(ctx, status=400)
        _tell_registered(request, registration.status, registration.position)
        return redirect(event)

    def _guest_request(self, request, form, event: Event):
        """A guest's form books nothing yet: the address gets the link that does
        (events/services/guests.py), and the page says so — the same for every address."""
        refusal = services.registration_refusal(event=event, user=None)
        if refusal:
            ctx = self.build_context(self.get_event(), form=form, errors=[refusal])
            return self.render_to_response(ctx, status=400)
        email = form.cleaned_data["email"].strip().lower()
        guest_request_send(
            event=event,
            name=form.cleaned_data["name"],
            email=email,
            note=form.cleaned_data.get("note", ""),
            language=get_language(),
        )
        messages.info(
            request,
            _(
                "Almost there: we sent a link to %(email)s. Open it to confirm your place — "
                "nothing is booked until then."
            )
            % {"email": email},
        )
        return redirect(event)


def _tell_already_registered(request, registration: Registration | None, *, guest=False):
    """A second try: a place on the waitlist is no seat, so it is said with its number."""
    waitlisted = registration is not None and registration.status == Registration.Status.WAITLISTED
    if waitlisted:
        position = {"position": services.waitlist_position(registration)}
        if guest:
            said = _("This address is already on the waitlist: number %(position)s.") % position
        else:
            said = _("You are already on the waitlist: number %(position)s.") % position
    elif guest:
        said = _("This address is already registered for this event.")
    else:
        said = _("You are already registered for this event.")
    messages.info(request, said)


def _guest_registration_allowed(request) -> bool:
    """Count one guest registration sent by this visitor; False once over the limit.

    Only forms that passed validation count: they are what writes or emails. Counted in the
    cache under allauth's `allauth:rl:` keys, which keep counting in the process's memory
    while Redis is down (betacowork/cache.py), as the login limits do."""
    usage = ratelimit.consume(
        request, app="events", action="guest_register", config=_guest_rate_limits()
    )
    return usage is not None


def _guest_rate_period() -> int:
    """Seconds until a refused visitor may certainly register again (the longest window)."""
    rates = ratelimit.parse_rates(settings.GUEST_REGISTRATION_RATE)
    return int(max(rate.duration for rate in rates))


def _tell_registered(request, status: str, position: int | None, *, guest_email=None) -> None:
    if status == Registration.Status.CONFIRMED:
        messages.success(request, _("You're registered: see you there!"))
    else:
        messages.info(
            request,
            _("The event is full: you are number %(position)s on the waitlist.")
            % {"position": position},
        )
    if guest_email is None:
        return
    if status == Registration.Status.CONFIRMED:
        messages.info(request, _("We sent a confirmation to %(email)s.") % {"email": guest_email})
    else:
        messages.info(
            request,
            _(
                "We sent your place on the waitlist to %(email)s: we will write again if a "
                "seat frees up."
            )
            % {"email": guest_email},
        )


class EventCancelRegistrationView(LoginRequiredMixin, View):
    """POST: a member cancels their seat or leaves the waitlist. GET (back from the login
    page, their session having ended): the event's page, where the button is."""

    http_method_names = ["get", "post"]

    def get(self, request, slug):
        return redirect("events:detail", slug=slug)

    def post(self, request, slug):
        event = get_object_or_404(Event.objects.visible_to(request.user), slug=slug)
        if event.is_cancelled:
            # A page opened before the event was cancelled: nothing to do, and nothing done
            # (the seats stay as the record of who was coming).
            messages.info(
                request,
                _(
                    "%(title)s will not take place: there is nothing to cancel, and nothing "
                    "more to do."
                )
                % {"title": event.title},
            )
            return redirect(event)
        registration = selectors.registration_for(event=event, user=request.user)
        if registration is None:
            # A second click on "Cancel" (or a second tab): the seat was given back already.
            if event.registrations.filter(user=request.user).exists():
                messages.info(request, _("Your registration was already cancelled."))
            else:
                messages.info(request, _("You were not registered for this event."))
            return redirect(event)
        was_waitlisted = registration.status == Registration.Status.WAITLISTED
        try:
            # "Leave the waitlist" from a page shown before a seat freed up for them: giving
            # up a place in a queue is not giving up the seat they got since (and the next
            # person would take it). The service checks it under the lock; they are told,
            # and may cancel the seat knowingly.
            services.registration_cancel(
                registration=registration,
                actor=request.user,
                leaving_waitlist=request.POST.get("expected") == Registration.Status.WAITLISTED,
            )
        except ValidationError as exc:
            say = messages.info if getattr(exc, "code", None) == "seat_obtained" else messages.error
            for message in _validation_messages(exc):
                say(request, message)
            return redirect(event)
        if was_waitlisted:
            messages.success(request, _("You left the waitlist."))
        else:
            messages.success(
                request, _("Your registration is cancelled. Thank you for telling us.")
            )
        return redirect(event)
