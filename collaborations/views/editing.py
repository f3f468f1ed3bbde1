"""Logging a collaboration and editing it: the form and the participants' formset, one
submission acted on once; its author withdrawing it. Thin: permission, form, service call,
message, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from betacowork.numbers import parse_id
from betacowork.submissions.services import submit_once
from members.models import Profile

from ..forms import CollaborationForm, ParticipantFormSet, participant_initial
from ..models import Collaboration
from ..selectors import collaboration_detail_queryset
from ..services import (
    can_edit,
    collaboration_create,
    collaboration_update,
    collaboration_withdraw,
    edit_asked_again,
)
from .answers import page_refused


class _CollaborationFormMixin(LoginRequiredMixin):
    template_name = "collaborations/collaboration_form.html"

    def render(self, form, formset, status=200):
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
        asked_again = collab.revision != original.revision
        if asked_again and edit_asked_again(collab) == "declined":
            # It was declined: any edit asks again who declined it, the others' answers stand.
            messages.warning(
                request,
                _(
                    "Saved. Those who declined it are asked to confirm it again: it counts once "
                    "every party has confirmed it."
                ),
            )
        elif asked_again:
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


class CollaborationWithdrawView(LoginRequiredMixin, View):
    """Its author deletes a collaboration logged by mistake, nobody else having confirmed it
    (`collaboration_withdraw`). One they may not see is a 404; a party who is not its author
    is refused (403); one confirmed since the page was drawn comes back with why (409)."""

    http_method_names = ["post"]

    def post(self, request, pk):
        collab = get_object_or_404(collaboration_detail_queryset(user=request.user), pk=pk)
        try:
            collaboration_withdraw(collaboration=collab, actor=request.user)
        except ValidationError as exc:
            for text in exc.messages:
                messages.warning(request, text)
            return page_refused(request, pk, 409)
        messages.success(
            request,
            _("Withdrawn: the collaboration is deleted, and nobody is asked to confirm it."),
        )
        return HttpResponseRedirect(reverse("collaborations:mine"))
