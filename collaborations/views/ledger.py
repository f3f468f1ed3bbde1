"""The ledger's views: the lists, a collaboration, logging and editing one, answering,
verifying, the people picker. Thin: permission, form, service call, message, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    BadRequest,
    FieldDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, ListView

from betacowork.numbers import parse_id, parse_int
from betacowork.submissions.services import submit_once
from members.models import Profile
from members.selectors import people_autocomplete
from members.views.directory import page_of_request

from ..forms import CollaborationForm, FilterForm, ParticipantFormSet, participant_initial
from ..models import Collaboration, Participant
from ..selectors import (
    collaboration_detail_queryset,
    collaboration_list,
    collaboration_years,
    my_collaborations,
    pending_confirmations,
)
from ..services import (
    can_edit,
    collaboration_create,
    collaboration_update,
    collaboration_verify,
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
    changed = []
    if entry.action in ("updated", "reopened"):
        for name in entry.changes:
            if name == "participants":
                changed.append(Participant._meta.verbose_name_plural)
                continue
            try:
                field = Collaboration._meta.get_field(name.removesuffix("_id"))
            except FieldDoesNotExist:
                continue  # a field removed since: nothing to name
            changed.append(field.verbose_name)
    status = ""
    if entry.action == "status":
        after = (entry.changes.get("status") or [None, None])[-1]
        if after in Collaboration.Status.values:
            status = Collaboration.Status(after).label
    return changed, status


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
            done = submit_once(
                user=request.user,
                purpose="collaborations.create",
                nonce=form.cleaned_data["nonce"],
                make=lambda: collaboration_create(
                    author=request.user,
                    author_role=form.cleaned_data["my_role"],
                    author_company=getattr(getattr(request.user, "profile", None), "company", None),
                    participants=formset.specs,
                    **form.service_kwargs(),
                ),
                find=lambda pk: Collaboration.objects.filter(pk=pk).first(),
            )
        except ValidationError as exc:
            self._apply_errors(form, formset, exc)
            return self.render(form, formset, status=400)
        collab = done.made
        if done.repeated:
            # A double click or a replay: the first sending's collaboration, nothing more.
            messages.info(
                request,
                _(
                    "This form was already sent: the collaboration is logged once. To log "
                    "another one, open a new form."
                ),
            )
            return HttpResponseRedirect(
                collab.get_absolute_url() if collab else reverse("collaborations:list")
            )
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
                seen=form.edited_seen(),
                **form.service_kwargs(),
            )
        except ValidationError as exc:
            self._apply_errors(form, formset, exc)
            general = getattr(exc, "error_dict", {}).get(NON_FIELD_ERRORS, [])
            if any(error.code == "edited" for error in general):
                # What they typed comes back, now against the current version: saving it
                # again is a choice made knowing someone else changed it.
                form.data = form.data.copy()
                form.data["edited"] = Collaboration.objects.get(pk=pk).updated_at.isoformat()
            return self.render(form, formset, status=400)
        # Asked again (a new revision): say so, whether it was confirmed or declined before.
        if collab.revision != original.revision:
            messages.warning(
                request,
                _(
                    "Saved. The value, the participants or who can see it changed: the others "
                    "confirm it again, and until they have, only its participants see it."
                ),
            )
        else:
            messages.success(request, _("Saved."))
        return HttpResponseRedirect(collab.get_absolute_url())


class _ParticipantAnswerView(LoginRequiredMixin, View):
    http_method_names = ["post"]
    service = None
    message = ""

    # Whether the answer holds only for the version the page showed (its `revision` input).
    checks_revision = False

    def post(self, request, pk):
        # Only my own participation is found: answering for someone else is a 404.
        participant = get_object_or_404(Participant, pk=pk, user_id=request.user.pk)
        kwargs = {}
        if self.checks_revision and "revision" in request.POST:
            # A version that is no number is none the collaboration ever had (they start at 1).
            kwargs["revision"] = parse_int(request.POST["revision"]) or 0
        try:
            answered = type(self).service(participant=participant, user=request.user, **kwargs)
        except ValidationError as exc:
            for text in exc.messages:
                messages.warning(request, text)
        else:
            self.answered(answered)
        return HttpResponseRedirect(participant.collaboration.get_absolute_url())

    def answered(self, participant: Participant) -> None:
        messages.success(self.request, self.message)


def _declined_meanwhile(request) -> None:
    """An answer (a confirmation, a verification) given from a page opened before another
    party declined: kept, but it does not make the collaboration count."""
    messages.warning(
        request,
        _(
            "Your answer is noted, but another party declined this collaboration meanwhile: "
            "it does not count."
        ),
    )


class ParticipantConfirmView(_ParticipantAnswerView):
    service = staticmethod(participant_confirm)
    # A page opened before the value, the parties or the audience changed confirms nothing.
    checks_revision = True
    # Lazy: a class attribute is evaluated once, at import, before any request's language.
    message = gettext_lazy("Thank you: you confirmed this collaboration.")

    def answered(self, participant: Participant) -> None:
        # Another party declined it meanwhile (a page opened before): the answer is kept, but
        # thanking them as if it counted would mislead.
        if participant.collaboration.status == Collaboration.Status.DECLINED:
            _declined_meanwhile(self.request)
        else:
            super().answered(participant)


class ParticipantDeclineView(_ParticipantAnswerView):
    service = staticmethod(participant_decline)
    message = gettext_lazy("You declined: this collaboration will not count.")


class CollaborationVerifyView(StaffRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        collab = get_object_or_404(Collaboration, pk=pk)
        decision = request.POST.get("decision", "approve")
        if decision not in ("approve", "reject"):  # only a hand-made request sends another
            raise BadRequest(_("Choose Verify or Reject."))
        approve = decision == "approve"
        collab = collaboration_verify(collaboration=collab, staff=request.user, approve=approve)
        if approve and collab.status == Collaboration.Status.DECLINED:
            # From a page opened before a party declined: the verification is kept, but it
            # does not make the collaboration count.
            _declined_meanwhile(request)
        else:
            messages.success(
                request,
                _("Verified.") if approve else _("Rejected: this collaboration will not count."),
            )
        return HttpResponseRedirect(collab.get_absolute_url())


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
