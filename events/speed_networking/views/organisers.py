"""Speed-networking pages for the organisers: the run view (phone first), the projector, the
printed plan and its CSV/JSON. (A participant's pages: participants.py.)

Organiser pages ask `events.run_speed_networking` through `EventPermissionMixin` (anonymous →
login, a member → 403, 404 when the event is not even visible to them). Live pages poll a
small JSON endpoint from static/js/speed-networking.js and fall back, without JavaScript, to
a `<meta http-equiv="refresh">` inside `<noscript>`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import TemplateView

from betacowork.csv_cells import csv_lines
from betacowork.numbers import parse_id
from members.models import User

from ...forms import add_service_errors
from ...models.speed_networking import MAX_ROUNDS
from ...selectors import check_in_registrations
from ...views import EventPermissionMixin
from .. import display, selectors, services
from ..forms import PersonForm, PlanForm, RoundStartForm

REFRESH_SECONDS = 15


class SpeedNetworkingOnly:
    """After the permission check: a 404 for events that are not Speed Networking."""

    def dispatch(self, request, *args, **kwargs):
        if not selectors.is_speed_networking(self.event):
            raise Http404(_("This is not a Speed Networking event."))
        return super().dispatch(request, *args, **kwargs)


class OrganiserMixin(EventPermissionMixin, SpeedNetworkingOnly):
    permission_required = "events.run_speed_networking"
    permission_denied_message = _lazy(
        "Only staff and the chapter's organisers can run this evening."
    )


class RunView(OrganiserMixin, TemplateView):
    """Round by round from the organiser's phone: plan, next round, arrivals and departures."""

    template_name = "speed_networking/run.html"

    def build(self, *, form=None, errors=(), status=200):
        event, viewer = self.event, self.request.user
        session = selectors.session_of(event)
        rounds = selectors.rounds_view(session, viewer=viewer)
        current, upcoming = display.current_rounds(rounds, session)
        present = selectors.attendance(event)
        remaining = selectors.remaining_user_ids(session)
        visible = check_in_registrations(event=event, viewer=viewer).filter(
            status="confirmed", checked_in_at__isnull=False, user__isnull=False
        )
        arrivals = [(r.user_id, r.name) for r in visible if r.user_id not in remaining]
        shown = selectors.people(remaining, viewer=viewer)
        leavers = sorted(
            ((p.user_id, p.name) for p in shown.values() if p.slug), key=lambda x: x[1]
        )
        # Every round played: the plan form adds rounds after them, up to the most an evening
        # may have (beyond, only finishing is left).
        all_played = bool(rounds) and all(r.is_played for r in rounds)
        if form is None:
            initial = {}
            if session is not None and session.generated_at:
                initial = {
                    # Every round played: one more is what "Add rounds" proposes.
                    "rounds": (len(rounds) + all_played) or None,
                    "table_size": session.table_size,
                    "round_minutes": session.round_minutes,
                }
            form = PlanForm(initial=initial or None)
        closed = services.round_start_closed(event=event)
        # Checked in by staff but a private profile to this organiser: never listed by name,
        # yet counted (the page's "members here" includes them) and seated with one button.
        unlisted = []
        if upcoming and session and not session.finished_at and not event.is_cancelled:
            unlisted = selectors.unlisted_arrivals(event=event, session=session, viewer=viewer)
        ctx = self.get_context_data(
            event=event,
            session=session,
            rounds=rounds,
            current=current,
            upcoming=upcoming,
            played=sum(1 for r in rounds if r.is_played),
            notes=display.note_texts(session, viewer=viewer),
            present=present,
            # Who can be seated: checked in and not gone (the planner's own count).
            here=len(set(present.people) - selectors.departed_user_ids(session)),
            form=form,
            errors=list(errors),
            arrivals=len(arrivals),
            unlisted=len(unlisted),
            arrive_form=PersonForm(choices=arrivals, auto_id="arrive_%s"),
            leave_form=PersonForm(choices=leavers, auto_id="leave_%s"),
            timer=display.round_timer(session),
            finished=bool(session and session.finished_at),
            # Every control would answer "This event is cancelled.": the page offers none.
            cancelled=event.is_cancelled,
            all_played=all_played,
            # Outside the evening the page says when rounds can start (or that it is over)
            # instead of offering a button that can only be refused.
            start_closed=_first_message(closed),
            # Finishing before the evening would drop the whole plan: not offered then.
            finish_closed=closed is not None and closed.code == "too_early",
            planning=not (session and session.finished_at)
            and not event.is_cancelled
            and (not all_played or len(rounds) < MAX_ROUNDS),
        )
        return self.render_to_response(ctx, status=status)

    def get(self, request, *args, **kwargs):
        return self.build()


def _errors(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _first_message(exc: ValidationError | None) -> str | None:
    return exc.messages[0] if exc is not None else None


class PlanView(RunView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = PlanForm(request.POST)
        if not form.is_valid():
            return self.build(form=form, status=400)
        try:
            outcome = services.networking_plan(
                event=self.event, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                add_service_errors(form, exc)
                return self.build(form=form, status=400)
            return self.build(form=form, errors=_errors(exc), status=400)
        messages.success(
            request,
            _("The rounds are planned for %(n)s members.") % {"n": outcome.people},
        )
        return redirect("events:networking:run", slug=self.event.slug)


class _ActionView(RunView):
    """POST an action; a refusal shows the run page again with the message and a 400."""

    http_method_names = ["post"]

    def act(self, request) -> str:
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        try:
            message = self.act(request)
        except ValidationError as exc:
            return self.build(errors=_errors(exc), status=400)
        messages.success(request, message)
        return redirect("events:networking:run", slug=self.event.slug)


class RoundStartView(_ActionView):
    def act(self, request) -> str:
        form = RoundStartForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Reload the page and try again."))
        expected = form.cleaned_data["expected"]
        rnd = services.networking_round_start(
            event=self.event, actor=request.user, expected=expected
        )
        return _("Round %(n)s has started.") % {"n": rnd.number}


class FinishView(_ActionView):
    def act(self, request) -> str:
        services.networking_finish(event=self.event, actor=request.user)
        return _("The evening is finished. Thank you!")


class _PersonActionView(_ActionView):
    def person(self, request) -> User:
        raw = request.POST.get("user", "")
        if parse_id(raw) is None:
            raise ValidationError(_("Choose someone from the list."))
        # Only people the organiser may see at the door (as the check-in list): nobody acts
        # on a hidden profile's seat by guessing an id.
        registration = (
            check_in_registrations(event=self.event, viewer=request.user)
            .filter(user_id=int(raw))
            .select_related("user")
            .first()
        )
        if registration is None:
            raise ValidationError(_("Choose someone from the list."))
        return registration.user


class ArriveView(_PersonActionView):
    def act(self, request) -> str:
        if request.POST.get("unlisted"):
            count = services.networking_arrive_unlisted(event=self.event, actor=request.user)
            return ngettext(
                "%(n)s person with a private profile joins the next rounds.",
                "%(n)s people with a private profile join the next rounds.",
                count,
            ) % {"n": count}
        user = self.person(request)
        services.networking_arrive(event=self.event, actor=request.user, user=user)
        return _("%(name)s joins the next rounds.") % {"name": user.name}


class LeaveView(_PersonActionView):
    def act(self, request) -> str:
        user = self.person(request)
        services.networking_leave(event=self.event, actor=request.user, user=user)
        return _("%(name)s left: the next rounds are re-seated.") % {"name": user.name}


# --- the room --------------------------------------------------------------------------------


class ProjectorView(OrganiserMixin, TemplateView):
    template_name = "speed_networking/projector.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            event=self.event,
            state=display.room_state(self.event),
            refresh=REFRESH_SECONDS,
            **kwargs,
        )


class ProjectorStateView(OrganiserMixin, View):
    def get(self, request, *args, **kwargs):
        return JsonResponse(display.room_state(self.event))


class PrintView(OrganiserMixin, TemplateView):
    """Per round: table → people; per person: round → table and partners. Room audience."""

    template_name = "speed_networking/print.html"

    def get_context_data(self, **kwargs):
        session = selectors.session_of(self.event)
        rounds = selectors.rounds_view(session, viewer=selectors.room_audience(self.event))
        return super().get_context_data(
            event=self.event,
            rounds=rounds,
            schedule=selectors.person_schedule(rounds),
            **kwargs,
        )


class PlanCsvView(OrganiserMixin, View):
    def get(self, request, *args, **kwargs):
        session = selectors.session_of(self.event)
        rounds = selectors.rounds_view(session, viewer=request.user)

        def rows():
            yield [_("round"), _("table"), _("member"), _("profile")]
            for r in rounds:
                for table in r.tables:
                    for p in table.people:
                        yield [r.number, table.number, p.name, p.slug or ""]

        response = StreamingHttpResponse(csv_lines(rows()), content_type="text/csv; charset=utf-8")
        name = f"{self.event.slug}-rounds.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class RoundsJsonView(OrganiserMixin, View):
    """`{"event": slug, "rounds": [{"number", "tables": [{"table", "members": [slugs]}]}]}`;
    a profile the viewer may not see is `null`."""

    def get(self, request, *args, **kwargs):
        session = selectors.session_of(self.event)
        rounds = selectors.rounds_view(session, viewer=request.user)
        data = {
            "event": self.event.slug,
            "rounds": [
                {
                    "number": r.number,
                    "tables": [
                        {"table": t.number, "members": [p.slug for p in t.people]} for t in r.tables
                    ],
                }
                for r in rounds
            ],
        }
        return JsonResponse(data, json_dumps_params={"ensure_ascii": False})
