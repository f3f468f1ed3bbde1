"""Thin views: permission, form, service call, message, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView

from betacowork.csv_cells import csv_lines
from betacowork.numbers import parse_id
from members.models import Profile
from members.rules import has_staff_tools
from members.selectors import people_autocomplete
from members.views.directory import page_of_request

from . import charts
from .forms import CollaborationForm, FilterForm, ParticipantFormSet, participant_initial
from .models import Collaboration, Participant
from .selectors import (
    collaboration_detail_queryset,
    collaboration_list,
    collaboration_years,
    dashboard_audience_key,
    dashboard_cache_key,
    dashboard_cache_seconds,
    dashboard_data,
    dashboard_snapshot_read,
    my_collaborations,
    pending_confirmations,
)
from .services import (
    SNAPSHOT_MAX_AGE,
    can_edit,
    collaboration_create,
    collaboration_update,
    collaboration_verify,
    dashboard_snapshot_store,
    participant_confirm,
    participant_decline,
)


class StaffRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Anonymous → login page; a logged-in non-staff member → 403."""

    def test_func(self):
        return self.request.user.has_perm("members.staff_tools")


class _NearestPageMixin:
    """A list's pages turned like the directory's, a company's and a space's: a page number
    that is none shows the first page, one past the end the last, each with a notice — never
    a 404 (`members.views.directory.page_of_request`)."""

    def paginate_queryset(self, queryset, page_size):
        page, notices = page_of_request(self.request, queryset, per_page=page_size)
        for text in notices:
            messages.warning(self.request, text)
        return page.paginator, page, page.object_list, page.has_other_pages()


class CollaborationListView(_NearestPageMixin, ListView):
    template_name = "collaborations/collaboration_list.html"
    context_object_name = "collaborations"
    paginate_by = 20

    def get(self, request, *args, **kwargs):
        self.filter_form = FilterForm(request.GET or None, years=collaboration_years())
        response = super().get(request, *args, **kwargs)
        if self.filter_form.is_bound and not self.filter_form.is_valid():
            response.status_code = 400
        return response

    def get_queryset(self):
        filters = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        if self.filter_form.is_bound and not self.filter_form.is_valid():
            return Collaboration.objects.none()
        return collaboration_list(user=self.request.user, filters=filters)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        ctx.update(filter_form=self.filter_form, query=query.urlencode())
        return ctx


class MyCollaborationsView(LoginRequiredMixin, _NearestPageMixin, ListView):
    template_name = "collaborations/collaboration_mine.html"
    context_object_name = "collaborations"
    paginate_by = 30

    def get_queryset(self):
        return my_collaborations(user=self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["pending"] = list(pending_confirmations(user=self.request.user))
        return ctx


class CollaborationDetailView(DetailView):
    template_name = "collaborations/collaboration_detail.html"
    context_object_name = "collaboration"

    def get_queryset(self):
        return collaboration_detail_queryset(user=self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        collab = self.object
        user = self.request.user
        participants = list(collab.participants.all())
        mine = next(
            (p for p in participants if user.is_authenticated and p.user_id == user.pk), None
        )
        insider = user.has_perm("collaborations.view_history", collab)
        named = set(
            Profile.objects.visible_to(user)
            .filter(user_id__in=[collab.introduced_by_id, collab.author_id])
            .values_list("user_id", flat=True)
        )
        ctx.update(
            participants=participants,
            mine=mine,
            insider=insider,
            can_edit=can_edit(collab, user),
            needs_staff=[p for p in participants if p.needs_staff and p.state != "confirmed"],
            history=list(collab.history.all()) if insider else [],
            introducer_visible=collab.introduced_by_id in named,
            author_visible=collab.author_id in named,
        )
        return ctx


class _CollaborationFormMixin(LoginRequiredMixin):
    template_name = "collaborations/collaboration_form.html"

    def render(self, form, formset, status=200):
        from django.shortcuts import render

        return render(
            self.request,
            self.template_name,
            {"form": form, "formset": formset, "object": getattr(self, "object", None)},
            status=status,
        )

    def _apply_errors(self, form, formset, exc: ValidationError):
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            formset._non_form_errors = formset.error_class(exc.messages)


class CollaborationCreateView(_CollaborationFormMixin, View):
    def get(self, request):
        initial = {
            "start_date": timezone.localdate(),
            "visibility": Collaboration.Visibility.MEMBERS,
            "origin_type": Collaboration.Origin.SPACE,
        }
        form = CollaborationForm(initial=initial, user=request.user)
        event_id = request.GET.get("event", "")
        if parse_id(event_id) is not None:
            event = form.fields["origin_event"].queryset.filter(pk=int(event_id)).first()
            if event is not None:
                form.initial.update(
                    origin_type=Collaboration.Origin.EVENT,
                    origin_event=event.pk,
                    space=event.space_id,
                )
        # "You met: Léa" after a speed-networking evening: Léa is the first participant.
        slug = request.GET.get("with", "")[:180].replace("\x00", "")
        partner = slug and (
            Profile.objects.visible_to(request.user)
            .filter(slug=slug)
            .exclude(user_id=request.user.pk)
            .values_list("display_name", "slug")
            .first()
        )
        initial = [{"member": partner}] if partner else None
        return self.render(
            form, ParticipantFormSet(prefix="participants", user=request.user, initial=initial)
        )

    def post(self, request):
        form = CollaborationForm(request.POST, user=request.user)
        formset = ParticipantFormSet(request.POST, prefix="participants", user=request.user)
        if not (form.is_valid() and formset.is_valid()):
            return self.render(form, formset, status=400)
        try:
            collab = collaboration_create(
                author=request.user,
                author_role=form.cleaned_data["my_role"],
                author_company=getattr(getattr(request.user, "profile", None), "company", None),
                participants=formset.specs,
                **form.service_kwargs(),
            )
        except ValidationError as exc:
            self._apply_errors(form, formset, exc)
            return self.render(form, formset, status=400)
        messages.success(
            request,
            _("Logged. The other parties are asked to confirm; it counts once they have."),
        )
        return HttpResponseRedirect(collab.get_absolute_url())


class CollaborationUpdateView(_CollaborationFormMixin, View):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        # With its participants as the detail page shows them to this editor: the form keeps
        # those it may not name (a hidden member, a deleted account) without naming them.
        self.object = get_object_or_404(
            collaboration_detail_queryset(user=request.user), pk=kwargs["pk"]
        )
        if not can_edit(self.object, request.user):
            raise PermissionDenied(_("You cannot edit this collaboration."))
        return super().dispatch(request, *args, **kwargs)

    def _own_role(self):
        own = self.object.participants.filter(user_id=self.request.user.pk).first()
        return own.role if own else None

    def get(self, request, pk):
        form = CollaborationForm(
            instance=self.object, initial={"my_role": self._own_role()}, user=request.user
        )
        participants = self.object.participants.all()
        formset = ParticipantFormSet(
            prefix="participants",
            user=request.user,
            participants=participants,
            initial=participant_initial(participants, exclude_user_id=request.user.pk),
        )
        return self.render(form, formset)

    def post(self, request, pk):
        original = Collaboration.objects.get(pk=self.object.pk)
        form = CollaborationForm(request.POST, instance=self.object, user=request.user)
        formset = ParticipantFormSet(
            request.POST,
            prefix="participants",
            user=request.user,
            participants=self.object.participants.all(),
        )
        if not (form.is_valid() and formset.is_valid()):
            return self.render(form, formset, status=400)
        try:
            collab = collaboration_update(
                collaboration=original,
                actor=request.user,
                participants=formset.specs,
                actor_role=form.cleaned_data["my_role"],
                **form.service_kwargs(),
            )
        except ValidationError as exc:
            self._apply_errors(form, formset, exc)
            return self.render(form, formset, status=400)
        if collab.status == Collaboration.Status.PROPOSED and original.is_confirmed:
            messages.warning(
                request,
                _("Saved. The value or the participants changed: the others confirm it again."),
            )
        else:
            messages.success(request, _("Saved."))
        return HttpResponseRedirect(collab.get_absolute_url())


class _ParticipantAnswerView(LoginRequiredMixin, View):
    http_method_names = ["post"]
    service = None
    message = ""

    def post(self, request, pk):
        # Only my own participation is found: answering for someone else is a 404.
        participant = get_object_or_404(Participant, pk=pk, user_id=request.user.pk)
        type(self).service(participant=participant, user=request.user)
        messages.success(request, self.message)
        return HttpResponseRedirect(participant.collaboration.get_absolute_url())


class ParticipantConfirmView(_ParticipantAnswerView):
    service = staticmethod(participant_confirm)
    message = _("Thank you: you confirmed this collaboration.")


class ParticipantDeclineView(_ParticipantAnswerView):
    service = staticmethod(participant_decline)
    message = _("You declined: this collaboration will not count.")


class CollaborationVerifyView(StaffRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        collab = get_object_or_404(Collaboration, pk=pk)
        approve = request.POST.get("decision", "approve") != "reject"
        collaboration_verify(collaboration=collab, staff=request.user, approve=approve)
        messages.success(
            request,
            _("Verified.") if approve else _("Rejected: this collaboration will not count."),
        )
        return HttpResponseRedirect(collab.get_absolute_url())


class DashboardView(TemplateView):
    """The figures, charts and graph are one rendered section per audience and language: from
    the shared cache (`COLLABORATIONS_DASHBOARD_CACHE`), else the snapshot stored for the
    current generation (one query), else computed, drawn and stored (`services.snapshot`)."""

    template_name = "collaborations/dashboard.html"
    figures_template = "collaborations/_dashboard_figures.html"

    def _build(self) -> dict:
        data = dashboard_data(user=self.request.user)
        layout = charts.graph_layout(data["graph"])
        return {
            "data": data,
            "years_count": charts.columns(data["by_year"], attr="count"),
            "years_volume": charts.columns(data["by_year"], attr="volume"),
            "kinds": charts.hbars(data["by_kind"], attr="count"),
            "kinds_volume": charts.hbars([f for f in data["by_kind"] if f.volume], attr="volume"),
            "origins": charts.hbars(data["by_origin"], attr="count"),
            "origins_volume": charts.hbars(
                [f for f in data["by_origin"] if f.volume], attr="volume"
            ),
            "places": charts.hbars(data["by_place"], attr="count"),
            # Built in Python: a template loop over the nodes cost 3x as much (see charts).
            "graph_svg": charts.graph_svg(layout),
            "graph_table": charts.graph_table(layout),
            "graph_shown": len(layout["nodes"]),
            "graph_parties": data["graph"].get("parties", 0),
        }

    def _figures(self) -> str:
        user = self.request.user
        seconds = dashboard_cache_seconds()
        key = f"collaborations:dashboard:figures:{dashboard_cache_key(user)}" if seconds else ""
        if key and (html := cache.get(key)) is not None:
            return html
        audience, language = dashboard_audience_key(user), get_language() or "en"
        stored = dashboard_snapshot_read(
            audience=audience, language=language, max_age=SNAPSHOT_MAX_AGE
        )
        html = stored.html
        if html is None:
            html = render_to_string(self.figures_template, {"dash": self._build()})
            dashboard_snapshot_store(
                audience=audience, language=language, generation=stored.generation, html=html
            )
        if key:
            cache.set(key, html, seconds)
        return html

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        # Drawn by this app's own template from escaped values: safe to insert as it is.
        ctx["figures"] = mark_safe(self._figures())
        ctx["staff_tools"] = has_staff_tools(self.request.user)
        return ctx


class CollaborationExportView(StaffRequiredMixin, View):
    """Every collaboration (any status) with its participants, as CSV, for staff."""

    HEADER = [
        "id",
        "title",
        "kind",
        "status",
        "visibility",
        "start_date",
        "value_eur",
        "origin",
        "origin_event",
        "origin_event_kind",
        "origin_event_date",
        "introduced_by",
        "space",
        "chapter",
        "author",
        "participants",
        "confirmed_at",
        "created_at",
    ]

    def get(self, request):
        collaborations = (
            Collaboration.objects.select_related(
                "origin_event__kind", "introduced_by", "space", "chapter"
            )
            .prefetch_related("participants")
            .order_by("pk")
        )

        def rows():
            yield self.HEADER
            for c in collaborations.iterator(chunk_size=500):
                event = c.origin_event
                yield [
                    c.pk,
                    c.title,
                    c.kind,
                    c.status,
                    c.visibility,
                    c.start_date.isoformat(),
                    c.value_eur if c.value_eur is not None else "",
                    c.origin_type,
                    event.title if event else "",
                    event.kind.slug if event else "",
                    event.start.date().isoformat() if event else "",
                    c.introduced_by.name if c.introduced_by else "",
                    c.space.name if c.space else "",
                    c.chapter.name if c.chapter else "",
                    c.author_name,
                    "; ".join(f"{p.name} ({p.role}, {p.state})" for p in c.participants.all()),
                    c.confirmed_at.isoformat() if c.confirmed_at else "",
                    c.created_at.isoformat(),
                ]

        # csv_lines neutralises spreadsheet formulas (CSV injection) and adds Excel's BOM.
        response = StreamingHttpResponse(csv_lines(rows()), content_type="text/csv; charset=utf-8")
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="collaborations-{stamp}.csv"'
        return response


class MemberAutocompleteView(LoginRequiredMixin, View):
    """Members matching `q` for the participant and introducer fields: the directory's people
    picker (visible profiles only), without myself (I am already in the collaboration)."""

    def get(self, request):
        own = getattr(getattr(request.user, "profile", None), "slug", None)
        people = people_autocomplete(user=request.user, q=request.GET.get("q", ""), limit=11)
        return JsonResponse(
            {
                "results": [
                    {"value": p["slug"], "name": p["name"], "company": p["company"]}
                    for p in people
                    if p["slug"] != own
                ][:10]
            }
        )
