"""A series' pages: create, edit (its occurrences follow)."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from betacowork.submissions.services import nonce_new

from ...forms import add_service_errors
from ...models import EventSeries
from ...recurrence import rrule_describe
from ...views.common import series_followed_messages
from .. import selectors, services
from ..forms import SeriesForm
from .common import ConsoleAccessMixin, _made_then_deleted


class SeriesPermissionMixin(AccessMixin):
    """Loads `self.series` by pk; `events.change_eventseries` (staff, or an organiser of the
    series' chapter). Anonymous → login; anyone else → 403."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.series = get_object_or_404(
            EventSeries.objects.select_related("chapter", "kind", "space"), pk=kwargs["pk"]
        )
        if not request.user.has_perm("events.change_eventseries", self.series):
            raise PermissionDenied(_("Only staff and the chapter's organisers can do this."))
        return super().dispatch(request, *args, **kwargs)


class _SeriesFormView(View):
    template_name = "console/series_form.html"
    series: EventSeries | None = None

    def form(self, data=None, **kwargs) -> SeriesForm:
        instance = copy.copy(self.series) if self.series else None
        return SeriesForm(data, user=self.request.user, instance=instance, **kwargs)

    def render_form(self, form, *, status: int = 200):
        ctx = {"form": form, "series": self.series}
        if self.series is not None:
            ctx["repeats"] = rrule_describe(self.series.rrule)
        return render(self.request, self.template_name, ctx, status=status)

    def post(self, request, **kwargs):
        form = self.form(request.POST)
        if not form.is_valid():
            return self.render_form(form, status=400)
        fields = form.service_fields()
        try:
            result = services.console_series_save(
                actor=request.user,
                series=self.series,
                fields=fields,
                nonce=form.cleaned_data["nonce"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.render_form(form, status=400)
        series, created = result.series, result.created
        if result.repeated and series is None:
            return _made_then_deleted(request)
        if result.repeated:
            messages.info(
                request,
                _("“%(title)s” (%(repeats)s) is already saved: it is not created twice.")
                % {"title": series.title, "repeats": rrule_describe(series.rrule)},
            )
            return redirect("organise:index")
        messages.success(
            request,
            ngettext(
                "“%(title)s” (%(repeats)s) is saved: %(n)s occurrence created.",
                "“%(title)s” (%(repeats)s) is saved: %(n)s occurrences created.",
                len(created),
            )
            % {"title": series.title, "repeats": rrule_describe(series.rrule), "n": len(created)},
        )
        ends_on = fields.get("ends_on")
        if result.followed is not None and ends_on and ends_on != self.series.ends_on:
            # A new last date, maybe today's: how an organiser stops a series.
            messages.info(
                request,
                _("“%(title)s” now ends on %(date)s: no occurrence is added after that date.")
                % {"title": series.title, "date": date_format(series.ends_on, "DATE_FORMAT")},
            )
        if result.followed is not None:
            series_followed_messages(request, result.followed)
        return redirect("organise:index")


class SeriesCreateView(ConsoleAccessMixin, _SeriesFormView):
    def get(self, request):
        initial = {**selectors.new_series_defaults(user=request.user), "nonce": nonce_new()}
        return self.render_form(self.form(initial=initial))


class SeriesEditView(SeriesPermissionMixin, _SeriesFormView):
    def get(self, request, pk):
        return self.render_form(self.form())
