"""Event pages: list, month, detail, registration, my events, check-in, calendar feeds."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin, LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import View
from django.views.generic import TemplateView

from members.models import Profile

from . import selectors, services
from .forms import EventFilterForm, GuestRegistrationForm, RegistrationForm, add_service_errors
from .ics import event_ics, events_ics
from .models import CalendarToken, Event, Registration
from .panels import event_panels

TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _ics_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _validation_messages(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


class EventListView(TemplateView):
    """Upcoming events, filterable by kind, chapter and space."""

    template_name = "events/event_list.html"
    paginate_by = 30

    def get(self, request, *args, **kwargs):
        form = EventFilterForm(request.GET or None)
        status = 200
        if request.GET and not form.is_valid():
            status = 400
        events = selectors.event_list(user=request.user, **form.filters())
        page_number = request.GET.get("page") or 1
        paginator = Paginator(events, self.paginate_by)
        try:
            page = paginator.page(page_number)
        except (InvalidPage, ValueError):
            page = paginator.page(1)
        today = timezone.localdate()
        ctx = self.get_context_data(
            form=form,
            page=page,
            events=page.object_list,
            month_url=reverse("events:month", kwargs={"year": today.year, "month": today.month}),
            query=_query_without_page(request),
        )
        return self.render_to_response(ctx, status=status)


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


class EventMonthView(TemplateView):
    """A month grid (Monday first) of the events visible to the viewer."""

    template_name = "events/event_month.html"

    def get(self, request, *args, year: int | None = None, month: int | None = None, **kwargs):
        today = timezone.localdate()
        year, month = year or today.year, month or today.month
        if not (1 <= month <= 12 and 2000 <= year <= 2100):
            raise Http404(_("There is no such month."))
        first = date(year, month, 1)
        form = EventFilterForm(request.GET or None)
        status = 400 if request.GET and not form.is_valid() else 200
        events = selectors.event_month(user=request.user, first_day=first, **form.filters())
        by_day: dict[date, list[Event]] = {}
        for event in events:
            by_day.setdefault(timezone.localdate(event.start), []).append(event)
        weeks = [
            [{"date": d, "in_month": d.month == month, "events": by_day.get(d, [])} for d in week]
            for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
        ]
        prev_month = (first.replace(day=1) - timedelta(days=1)).replace(day=1)
        next_month = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        query = request.GET.urlencode()
        ctx = self.get_context_data(
            form=form,
            first=first,
            weeks=weeks,
            events=events,
            today=today,
            query=query,
            prev_url=reverse(
                "events:month", kwargs={"year": prev_month.year, "month": prev_month.month}
            ),
            next_url=reverse(
                "events:month", kwargs={"year": next_month.year, "month": next_month.month}
            ),
            weekdays=[WEEKDAYS_ABBR[i] for i in range(7)],
        )
        return self.render_to_response(ctx, status=status)


class EventDetailView(TemplateView):
    template_name = "events/event_detail.html"

    def get_event(self) -> Event:
        return get_object_or_404(
            selectors.event_detail_queryset(user=self.request.user), slug=self.kwargs["slug"]
        )

    def build_context(self, event: Event, *, form=None, errors=None) -> dict:
        user = self.request.user
        registration = selectors.registration_for(event=event, user=user)
        is_member = user.is_authenticated
        if form is None:
            form = RegistrationForm() if is_member else GuestRegistrationForm()
        attendees, others = selectors.event_attendees(event=event, viewer=user)
        seats_left = None
        if event.capacity is not None:
            seats_left = max(event.capacity - event.confirmed_count, 0)
        return self.get_context_data(
            event=event,
            registration=registration,
            position=services.waitlist_position(registration) if registration else None,
            refusal=services.registration_refusal(event=event, user=user),
            form=form,
            errors=errors or [],
            attendees=attendees,
            others_count=others,
            seats_left=seats_left,
            is_full=seats_left == 0,
            can_check_in=user.has_perm("events.check_in", event),
            speakers=_speakers_with_links(event, viewer=user),
            panels=event_panels(self.request, event),
        )

    def get(self, request, *args, **kwargs):
        event = self.get_event()
        return self.render_to_response(self.build_context(event))


def _speakers_with_links(event: Event, *, viewer) -> list:
    """The speakers, each with `profile_url` only when `viewer` may see that profile."""
    speakers = list(event.speakers.all())
    member_ids = {s.member_id for s in speakers if s.member_id}
    visible = set()
    if member_ids:
        visible = set(
            Profile.objects.visible_to(viewer)
            .filter(user_id__in=member_ids)
            .values_list("user_id", flat=True)
        )
    for speaker in speakers:
        profile = speaker.member.profile if speaker.member_id in visible else None
        speaker.profile_url = profile.get_absolute_url() if profile else ""
    return speakers


class EventRegisterView(EventDetailView):
    """POST only: register the member, or a guest with name and email."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        # A lean read: the service re-reads the row under its lock anyway, and the page's
        # counts and speakers are only needed when we show the page again (an error).
        event = get_object_or_404(
            Event.objects.visible_to(request.user).only("pk", "slug"), slug=self.kwargs["slug"]
        )
        user = request.user if request.user.is_authenticated else None
        form = RegistrationForm(request.POST) if user else GuestRegistrationForm(request.POST)
        if not form.is_valid():
            ctx = self.build_context(self.get_event(), form=form)
            return self.render_to_response(ctx, status=400)
        try:
            registration = services.event_register(
                event=event,
                user=user,
                name=form.cleaned_data.get("name", ""),
                email=form.cleaned_data.get("email", ""),
                note=form.cleaned_data.get("note", ""),
                language=get_language(),
            )
        except ValidationError as exc:
            if getattr(exc, "code", None) == "already_registered":
                # A double click, or a second try: nothing changed, and that is fine.
                messages.info(request, _("You are already registered for this event."))
                return redirect(event)
            if hasattr(exc, "error_dict"):
                add_service_errors(form, exc)
                ctx = self.build_context(self.get_event(), form=form)
            else:
                ctx = self.build_context(
                    self.get_event(), form=form, errors=_validation_messages(exc)
                )
            return self.render_to_response(ctx, status=400)
        if registration.status == Registration.Status.CONFIRMED:
            messages.success(request, _("You're registered: see you there!"))
        else:
            messages.info(
                request,
                _("The event is full: you are number %(position)s on the waitlist.")
                % {"position": registration.position},
            )
        if user is None:
            messages.info(
                request, _("We sent a confirmation to %(email)s.") % {"email": registration.email}
            )
        return redirect(event)


class EventCancelRegistrationView(LoginRequiredMixin, View):
    """POST only: a member cancels their seat or leaves the waitlist."""

    http_method_names = ["post"]

    def post(self, request, slug):
        event = get_object_or_404(Event.objects.visible_to(request.user), slug=slug)
        registration = selectors.registration_for(event=event, user=request.user)
        if registration is None:
            messages.info(request, _("You were not registered for this event."))
            return redirect(event)
        was_waitlisted = registration.status == Registration.Status.WAITLISTED
        try:
            services.registration_cancel(registration=registration, actor=request.user)
        except ValidationError as exc:
            for message in _validation_messages(exc):
                messages.error(request, message)
            return redirect(event)
        if was_waitlisted:
            messages.success(request, _("You left the waitlist."))
        else:
            messages.success(
                request, _("Your registration is cancelled. Thank you for telling us.")
            )
        return redirect(event)


class GuestCancelView(TemplateView):
    """The signed link from a confirmation email: GET asks, POST cancels."""

    template_name = "events/guest_cancel.html"

    def dispatch(self, request, *args, **kwargs):
        self.registration = services.registration_from_token(kwargs["token"])
        if self.registration is None:
            return self.render_to_response(self.get_context_data(invalid=True), status=400)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(registration=self.registration))

    def post(self, request, *args, **kwargs):
        registration = self.registration
        try:
            services.registration_cancel(registration=registration, actor=None)
        except ValidationError as exc:
            ctx = self.get_context_data(registration=registration, errors=exc.messages)
            return self.render_to_response(ctx, status=400)
        registration.refresh_from_db()
        return self.render_to_response(self.get_context_data(registration=registration, done=True))


class EventIcsView(View):
    def get(self, request, slug):
        event = get_object_or_404(
            Event.objects.visible_to(request.user).select_related("kind", "space"), slug=slug
        )
        return _ics_response(event_ics(event), f"{event.slug}.ics")


class PublicFeedView(View):
    """The public iCal feed, filterable by ?chapter=<slug>&kind=<slug>."""

    def get(self, request):
        form = EventFilterForm(request.GET or None)
        if request.GET and not form.is_valid():
            return HttpResponse(
                _("Unknown chapter or kind in the feed address."),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        filters = form.filters()
        events = selectors.feed_events(chapter=filters.get("chapter"), kind=filters.get("kind"))
        return _ics_response(events_ics(events, name="Betacowork"), "betacowork.ics")


class PersonalFeedView(View):
    """My registrations as a feed, behind a secret URL (no login: calendar apps fetch it)."""

    def get(self, request, token):
        # Tokens are URL-safe base64 (secrets.token_urlsafe): anything else, such as a NUL
        # byte that Postgres would refuse in a query, names no calendar.
        if not TOKEN_RE.fullmatch(token):
            raise Http404(_("This calendar address is not valid (any more)."))
        owner = CalendarToken.objects.select_related("user").filter(token=token).first()
        if owner is None or not owner.user.is_active:
            raise Http404(_("This calendar address is not valid (any more)."))
        events = selectors.personal_feed_events(user=owner.user)
        return _ics_response(
            events_ics(events, name=_("My Betacowork events")), "my-betacowork-events.ics"
        )


class CalendarTokenRegenerateView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        services.calendar_token_regenerate(user=request.user)
        messages.success(request, _("Your calendar address changed: the old one no longer works."))
        return redirect("events:mine")


class MyEventsView(LoginRequiredMixin, TemplateView):
    template_name = "events/my_events.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        upcoming, past = selectors.my_registrations(user=self.request.user)
        token = services.calendar_token_get(user=self.request.user)
        ctx.update(
            upcoming=upcoming,
            past=past,
            attended=sum(1 for r in past if r.checked_in_at),
            attendance=selectors.attendance_by_kind(user=self.request.user),
            feed_url=self.request.build_absolute_uri(
                reverse("events:personal_feed", kwargs={"token": token.token})
            ),
        )
        return ctx


class EventPermissionMixin(AccessMixin):
    """Loads `self.event` by slug and asks `permission_required` of it (events/rules.py).

    Anonymous → the login page; a member without the right → 403, or 404 when they may not
    even see the event (a 403 would confirm that an unpublished event exists there).
    """

    permission_required = "events.change_event"
    permission_denied_message = _lazy("Only staff and the chapter's organisers can do this.")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.event = get_object_or_404(
            Event.objects.select_related("kind", "space", "chapter"), slug=kwargs["slug"]
        )
        if not request.user.has_perm(self.permission_required, self.event):
            if not request.user.has_perm("events.view_event", self.event):
                raise Http404(_("No event found at this address."))
            raise PermissionDenied(self.get_permission_denied_message())
        return super().dispatch(request, *args, **kwargs)


class CheckInAccessMixin(EventPermissionMixin):
    permission_required = "events.check_in"
    permission_denied_message = _lazy(
        "Only staff and the chapter's organisers can check people in."
    )


class CheckInView(CheckInAccessMixin, TemplateView):
    """The door list: search by name, one tap to check in, undo."""

    template_name = "events/check_in.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        # NUL bytes are refused by Postgres in a query (a 500): nobody types them.
        query = self.request.GET.get("q", "").replace("\x00", "")[:100].strip()
        viewer = self.request.user
        registrations = list(selectors.check_in_list(event=self.event, viewer=viewer, query=query))
        counts = selectors.with_counts(Event.objects.filter(pk=self.event.pk)).get()
        ctx.update(
            event=self.event,
            registrations=registrations,
            hidden_count=selectors.check_in_hidden_count(event=self.event, viewer=viewer),
            show_emails=viewer.has_perm("events.see_all_registrants"),
            query=query,
            confirmed_count=counts.confirmed_count,
            checked_in_count=counts.checked_in_count,
        )
        return ctx


class CheckInToggleView(CheckInAccessMixin, View):
    """POST action=in|undo. JSON for the page's script, a redirect without JavaScript."""

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
            for message in exc.messages:
                messages.error(request, message)
            return redirect("events:check_in", slug=slug)
        counts = selectors.with_counts(Event.objects.filter(pk=self.event.pk)).get()
        if wants_json:
            return JsonResponse(
                {
                    "id": registration.pk,
                    "checked_in": registration.checked_in_at is not None,
                    "checked_in_count": counts.checked_in_count,
                    "confirmed_count": counts.confirmed_count,
                }
            )
        if registration.checked_in_at:
            messages.success(request, _("%(name)s is checked in.") % {"name": registration.name})
        else:
            messages.info(request, _("Check-in undone for %(name)s.") % {"name": registration.name})
        url = reverse("events:check_in", kwargs={"slug": slug})
        query = request.POST.get("q", "")
        if query:
            url = f"{url}?{urlencode({'q': query})}"
        return HttpResponseRedirect(url)
