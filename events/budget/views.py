"""Budget pages: an event's cost lines (its organisers, from a phone), the chapter report per
year with its CSV (staff and that chapter's organisers), and the staff overview of every
chapter against the year's budget.

Who may see what is the permission layer's: `events.change_event` on the event,
`members.view_chapter_report` on the chapter, `members.view_budget_overview` (staff).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import View
from django.views.generic import TemplateView

from betacowork.submissions.services import submit_once
from members.models import Chapter

from ..forms import add_service_errors
from ..models import EventCost
from ..views import EventPermissionMixin
from . import selectors, services
from .exports import csv_response, overview_rows, report_rows
from .forms import BudgetForm, EventCostForm


def _year(value) -> int:
    """The year of the URL: 2000..2100, else 404 (the converter already refused non-digits)."""
    year = int(value)
    if not 2000 <= year <= 2100:
        raise Http404(_("There is no report for that year."))
    return year


# Cost lines -------------------------------------------------------------------------------


class EventCostsView(EventPermissionMixin, TemplateView):
    """The event's cost lines with their total, and a form to add one."""

    permission_required = "events.change_event"
    permission_denied_message = _lazy(
        "Only staff and the chapter's organisers can see and change an event's costs."
    )
    template_name = "budget/event_costs.html"

    def get(self, request, *args, **kwargs):
        return self.render(EventCostForm())

    def post(self, request, *args, **kwargs):
        form = EventCostForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                done = submit_once(
                    user=request.user,
                    purpose=f"budget.cost_add:{self.event.pk}",
                    nonce=data["nonce"],
                    make=lambda: services.event_cost_add(
                        event=self.event,
                        actor=request.user,
                        category=data["category"],
                        amount=data["amount"],
                        description=data["description"],
                    ),
                    find=lambda pk: EventCost.objects.filter(pk=pk).first(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if done.repeated:
                    messages.info(
                        request, _("This form was already sent: the cost is recorded once.")
                    )
                else:
                    messages.success(request, _("Cost line added."))
                return redirect("budget:event_costs", slug=self.event.slug)
        return self.render(form, status=400)

    def render(self, form, *, status: int = 200):
        costs = list(self.event.costs.order_by("pk"))
        chapter = self.event.chapter
        report_url = None
        if chapter and self.request.user.has_perm("members.view_chapter_report", chapter):
            year = timezone.localtime(self.event.start).year
            report_url = reverse("budget:chapter_report", args=[chapter.slug, year])
        ctx = self.get_context_data(
            event=self.event,
            costs=costs,
            total=sum((c.amount for c in costs), selectors.ZERO),
            form=form,
            report_url=report_url,
        )
        return self.render_to_response(ctx, status=status)


class EventCostMixin(EventPermissionMixin):
    """A cost line of the event in the URL: another event's line is a 404, whoever asks."""

    permission_required = "events.change_event"
    permission_denied_message = EventCostsView.permission_denied_message

    def get_cost(self) -> EventCost:
        return get_object_or_404(EventCost, pk=self.kwargs["pk"], event=self.event)


class EventCostUpdateView(EventCostMixin, TemplateView):
    template_name = "budget/event_cost_edit.html"

    def get(self, request, *args, **kwargs):
        cost = self.get_cost()
        form = EventCostForm(
            initial={
                "category": cost.category,
                "amount": f"{cost.amount:.2f}",
                "description": cost.description,
            }
        )
        return self.render_to_response(
            self.get_context_data(event=self.event, cost=cost, form=form)
        )

    def post(self, request, *args, **kwargs):
        cost = self.get_cost()
        form = EventCostForm(request.POST)
        if form.is_valid():
            try:
                services.event_cost_update(
                    cost=cost,
                    actor=request.user,
                    category=form.cleaned_data["category"],
                    amount=form.cleaned_data["amount"],
                    description=form.cleaned_data["description"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Cost line saved."))
                return redirect("budget:event_costs", slug=self.event.slug)
        ctx = self.get_context_data(event=self.event, cost=cost, form=form)
        return self.render_to_response(ctx, status=400)


class EventCostDeleteView(EventCostMixin, TemplateView):
    """GET asks for confirmation; POST deletes (no JavaScript needed)."""

    template_name = "budget/event_cost_delete.html"

    def get(self, request, *args, **kwargs):
        cost = self.get_cost()
        return self.render_to_response(self.get_context_data(event=self.event, cost=cost))

    def post(self, request, *args, **kwargs):
        cost = self.get_cost()
        services.event_cost_delete(cost=cost, actor=request.user)
        messages.success(request, _("Cost line deleted."))
        return redirect("budget:event_costs", slug=self.event.slug)


# Reports ----------------------------------------------------------------------------------


class ChapterReportAccessMixin(AccessMixin):
    """Loads `self.chapter` (404 if unknown) and `self.year` (404 outside 2000..2100), and
    asks `members.view_chapter_report` of the chapter: anonymous → login, others → 403."""

    permission_denied_message = _lazy("Only staff and the chapter's organisers see its report.")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.year = _year(kwargs["year"])
        self.chapter = get_object_or_404(Chapter, slug=kwargs["chapter"])
        if not request.user.has_perm("members.view_chapter_report", self.chapter):
            raise PermissionDenied(self.get_permission_denied_message())
        return super().dispatch(request, *args, **kwargs)


class ChapterReportView(ChapterReportAccessMixin, TemplateView):
    template_name = "budget/chapter_report.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            chapter=self.chapter,
            year=self.year,
            report=selectors.chapter_report(chapter=self.chapter, year=self.year),
            years=selectors.report_years(chapter=self.chapter),
            can_see_overview=self.request.user.has_perm("members.view_budget_overview"),
        )
        return ctx


class ChapterReportCsvView(ChapterReportAccessMixin, View):
    def get(self, request, *args, **kwargs):
        report = selectors.chapter_report(chapter=self.chapter, year=self.year)
        return csv_response(report_rows(report), f"budget-{self.chapter.slug}-{self.year}.csv")


class OverviewAccessMixin(AccessMixin):
    """Staff only (`members.view_budget_overview`): anonymous → login, others → 403."""

    permission_denied_message = _lazy("Only staff see the budget of every chapter.")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.has_perm("members.view_budget_overview"):
            raise PermissionDenied(self.get_permission_denied_message())
        self.year = _year(kwargs["year"])
        return super().dispatch(request, *args, **kwargs)


class BudgetOverviewView(OverviewAccessMixin, TemplateView):
    """All chapters side by side; POST sets one of the year's budgets."""

    template_name = "budget/overview.html"

    def get(self, request, *args, **kwargs):
        return self.render(None)

    def post(self, request, *args, **kwargs):
        form = BudgetForm(request.POST, chapters=Chapter.objects.order_by("name"))
        if form.is_valid():
            try:
                services.budget_set(
                    year=self.year,
                    chapter=form.chapter,
                    amount=form.cleaned_data["amount"],
                    subsidy=form.cleaned_data["subsidy"],
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Budget saved."))
                return redirect("budget:overview", year=self.year)
        return self.render(form, status=400)

    def render(self, form, *, status: int = 200):
        overview = selectors.budget_overview(year=self.year)
        chapters = [row.chapter for row in overview.rows if row.chapter]
        ctx = self.get_context_data(
            year=self.year,
            overview=overview,
            years=selectors.report_years(),
            form=form or BudgetForm(chapters=chapters, initial=self._initial(overview)),
        )
        return self.render_to_response(ctx, status=status)

    @staticmethod
    def _initial(overview) -> dict:
        """The form starts on the community's budget, filled in when there is one."""
        budget = overview.budget
        if budget is None:
            return {"scope": "community"}
        return {
            "scope": "community",
            "amount": f"{budget.amount:.2f}",
            "subsidy": f"{budget.subsidy:.2f}",
            "note": budget.note,
        }


class BudgetOverviewCsvView(OverviewAccessMixin, View):
    def get(self, request, *args, **kwargs):
        overview = selectors.budget_overview(year=self.year)
        return csv_response(overview_rows(overview), f"budget-{self.year}.csv")


class BudgetIndexView(View):
    """/budget/: staff land on this year's overview, an organiser on their chapter's report."""

    def get(self, request):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        year = timezone.localdate().year
        if request.user.has_perm("members.view_budget_overview"):
            return redirect("budget:overview", year=year)
        chapter = Chapter.objects.organised_by(request.user).order_by("name").first()
        if chapter is None:
            raise PermissionDenied(_("Only staff and chapter organisers see budgets."))
        return redirect("budget:chapter_report", chapter=chapter.slug, year=year)
