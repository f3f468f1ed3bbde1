"""A guest's two links, from their emails: the one that confirms a registration (the form
books nothing: events/services/guests.py) and the one that cancels it."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from members.middleware import language_cookie_set

from .. import selectors, services
from ..models import Event, Registration
from ..rules import event_visible
from ..services.common import registration_language
from ..services.guests import (
    guest_booking_name,
    guest_link_used,
    guest_registration_found,
    guest_request_from_token,
)
from .common import _validation_messages
from .registration import _tell_already_registered, _tell_registered


class GuestCancelView(TemplateView):
    """The signed link from a confirmation email: GET asks, POST cancels."""

    template_name = "events/guest_cancel.html"

    def dispatch(self, request, *args, **kwargs):
        self.registration = services.registration_from_token(kwargs["token"])
        if self.registration is None:
            return self.render_to_response(self.get_context_data(invalid=True), status=400)
        # The page reads in the language the email came in, unless this browser picked
        # another with the language switcher or a member is signed in (theirs, then).
        if (
            settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and not request.user.is_authenticated
        ):
            language = registration_language(self.registration)
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        registration = getattr(self, "registration", None)
        if registration is not None:
            event = registration.event
            ctx.update(
                registration=registration,
                # A cancelled event: nothing to give back (the seats stay as the history of
                # who was coming), and no button that asks as if it will take place.
                event_cancelled=event.is_cancelled,
                # registration_cancel refuses once the event has started (unless cancelled):
                # say so rather than offer a button that can only fail.
                started=event.has_started() and not event.is_cancelled,
                # No link to a page this reader cannot open (back to draft, or members-only
                # since the guest registered): the list of events instead.
                event_url=(
                    event.get_absolute_url() if event_visible(self.request.user, event) else ""
                ),
            )
        return ctx

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data())

    def post(self, request, *args, **kwargs):
        registration = self.registration
        was_waitlisted = registration.status == Registration.Status.WAITLISTED
        if registration.event.is_cancelled:
            # A page opened before the event was cancelled: nothing to do, and nothing done.
            return self.render_to_response(self.get_context_data())
        try:
            services.registration_cancel(
                registration=registration,
                actor=None,
                leaving_waitlist=request.POST.get("expected") == Registration.Status.WAITLISTED,
            )
        except ValidationError as exc:
            if getattr(exc, "code", None) == "seat_obtained":
                # Asked to leave the waitlist from a page shown before a seat freed up for
                # them: that is not giving up the seat they got since. The page asks again.
                registration.refresh_from_db()
                ctx = self.get_context_data(notice=" ".join(exc.messages))
                return self.render_to_response(ctx, status=409)
            # E.g. the event started since the page was shown: the page now says so, without
            # the button (read again: it may have started since this request began).
            registration.event.refresh_from_db()
            ctx = self.get_context_data(errors=exc.messages)
            return self.render_to_response(ctx, status=400)
        registration.refresh_from_db()
        return self.render_to_response(
            self.get_context_data(done=True, left_waitlist=was_waitlisted)
        )


class GuestConfirmView(TemplateView):
    """The link from a guest's email (events/services/guests.py): GET shows what it books —
    a mail scanner opening links books nothing —, POST books it (`event_register`: a seat,
    else a place on the waitlist; an address that belongs to a member books for them)."""

    template_name = "events/guest_confirm.html"

    def dispatch(self, request, *args, **kwargs):
        self.guest = guest_request_from_token(kwargs["token"])
        self.event = None
        if self.guest is not None:
            # A lean read, as the event page's form does: in a rush the POST's work is the
            # service's (which reads the row again under its lock); the page reads the rest.
            self.event = (
                Event.objects.visible_to(request.user)
                .only("pk", "slug")
                .filter(pk=self.guest.event_id)
                .first()
            )
        if self.event is None:  # tampered, expired, or the event gone or hidden since
            return self.render_to_response(self.get_context_data(invalid=True), status=400)
        # In the language the form was sent in, unless this browser picked another with the
        # language switcher or a member is signed in (theirs, then) — as a cancel link.
        self.language = None
        if (
            settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and not request.user.is_authenticated
            and self.guest.language in {code for code, _name in settings.LANGUAGES}
        ):
            self.language = self.guest.language
            translation.activate(self.language)
            request.LANGUAGE_CODE = self.language
        return super().dispatch(request, *args, **kwargs)

    def _to_event(self):
        """The event's page, where the messages just written are shown. They speak the
        link's language: when that came from the form (this browser had picked none), the
        browser keeps it as the language switcher would, so that page speaks it too."""
        response = redirect(self.event)
        if self.language is not None:
            language_cookie_set(response, self.language)
        return response

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        event = None
        if getattr(self, "event", None) is not None:
            event = (
                selectors.event_detail_queryset(user=self.request.user)
                .prefetch_related(None)  # the page shows no speakers
                .filter(pk=self.event.pk)
                .first()
            )
            ctx["invalid"] = ctx.get("invalid") or event is None  # deleted a moment ago
        if event is not None:
            full = event.capacity is not None and event.confirmed_count >= event.capacity
            refusal = services.registration_refusal(event=event, user=None)
            if (
                refusal
                and self.request.user.is_authenticated
                and event.visibility == Event.Visibility.MEMBERS
            ):
                # A member following a guest's link: the guest's "please log in" would not do.
                refusal = _(
                    "A guest's link cannot book a members-only event: as a member, register "
                    "with the button on the event's page."
                )
            ctx.update(
                guest=self.guest,
                name=guest_booking_name(self.guest),
                event=event,
                refusal=refusal,
                is_full=full,
            )
        ctx.setdefault("errors", [])
        return ctx

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data())

    def post(self, request, *args, **kwargs):
        event, guest = self.event, self.guest
        if guest_link_used(guest):
            messages.info(
                request,
                _(
                    "This link has been used already, and that registration was cancelled "
                    "since. To register again, use the form on the event's page."
                ),
            )
            return self._to_event()
        try:
            registration = services.event_register(
                event=event, user=None, name=guest.name, email=guest.email, note=guest.note,
                language=guest.language,
            )  # fmt: skip
        except Event.DoesNotExist:  # deleted since the page was read
            return self.render_to_response(self.get_context_data(invalid=True), status=400)
        except ValidationError as exc:
            if getattr(exc, "code", None) == "already_registered":
                # Registered another way meanwhile: the link's reader holds the address (the
                # link came to its mailbox), so they are told where they stand.
                found = guest_registration_found(guest)
                _tell_already_registered(request, found, guest=True)
                return self._to_event()
            ctx = self.get_context_data(errors=_validation_messages(exc))
            return self.render_to_response(ctx, status=400)
        _tell_registered(
            request, registration.status, registration.position, guest_email=registration.email
        )
        return self._to_event()
