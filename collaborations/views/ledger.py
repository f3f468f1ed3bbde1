"""The ledger's views: the lists (everyone's, mine) and a collaboration with its history.
Logging and editing one: `editing.py`; the parties' answers, the staff's verification and the
people picker: `answers.py`. Thin: permission, form, service call, message, redirect."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, ListView

from events.models import Event
from members.models import Profile
from members.views.directory import page_of_request

from ..forms import FilterForm
from ..models import Collaboration
from ..selectors import (
    collaboration_detail_queryset,
    collaboration_list,
    collaboration_years,
    my_collaborations,
    pending_confirmations,
)
from ..services import can_decline, can_edit, can_withdraw
from ..services.common import changed_labels


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


class ListFilterForm(FilterForm):
    """The list's filters, and the event the collaborations began at: given by the link of an
    event's page ("N collaborations began here"), kept by the form, never picked in it. Only
    an event `user` may see (`Event.objects.visible_to`)."""

    event = forms.ModelChoiceField(
        label=_("Event"),
        required=False,
        queryset=Event.objects.none(),
        to_field_name="slug",
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("This event does not exist or is not shown to you.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].queryset = Event.objects.visible_to(user)


class CollaborationListView(_NearestPageMixin, ListView):
    template_name = "collaborations/collaboration_list.html"
    context_object_name = "collaborations"
    paginate_by = 20

    def get(self, request, *args, **kwargs):
        self.filter_form = ListFilterForm(
            request.GET or None, years=collaboration_years(), user=request.user
        )
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
        every_event = query.copy()
        every_event.pop("event", None)
        valid = self.filter_form.is_bound and self.filter_form.is_valid()
        ctx.update(
            filter_form=self.filter_form,
            query=query.urlencode(),
            event=self.filter_form.cleaned_data.get("event") if valid else None,
            every_event_query=every_event.urlencode(),
        )
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
        history = list(collab.history.all()) if insider else []
        # One rule for every person the page names, as for its participants
        # (`participants_prefetch`): a profile the viewer may not see is "a member" (staff see
        # every name); a deleted account keeps the name it had, for the parties and staff.
        people = {collab.introduced_by_id, collab.author_id} | {h.actor_id for h in history}
        named = set(
            Profile.objects.visible_to(user)
            .filter(user_id__in=[pk for pk in people if pk])
            .values_list("user_id", flat=True)
        )
        for entry in history:
            entry.actor_named = entry.actor_id is None or entry.actor_id in named
            entry.changed, entry.new_status = _history_labels(entry)
        ctx.update(
            participants=participants,
            mine=mine,
            insider=insider,
            can_edit=can_edit(collab, user),
            # Its author, while no other party confirmed it (`collaboration_withdraw`).
            can_withdraw=can_withdraw(collab, user),
            # The same rule as the decline it sends (`participant_decline`).
            may_withdraw=can_decline(mine, user),
            needs_staff=[p for p in participants if p.needs_staff and p.state != "confirmed"],
            left_unanswered=[p for p in participants if p.left_unanswered],
            history=history,
            introducer_visible=collab.introduced_by_id in named,
            author_visible=collab.author_id in named or (collab.author_id is None and insider),
        )
        return ctx


def _history_labels(entry) -> tuple[list[str], str]:
    """What a history entry changed, as its reader says it: the fields' names in their
    language (an edit), and the status it went to (a status change)."""
    changed = changed_labels(entry.changes) if entry.action in ("updated", "reopened") else []
    status = ""
    if entry.action == "status":
        after = (entry.changes.get("status") or [None, None])[-1]
        if after in Collaboration.Status.values:
            status = Collaboration.Status(after).label
    return changed, status
