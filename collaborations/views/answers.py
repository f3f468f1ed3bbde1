"""Answers to a collaboration: a party confirms or declines it, staff verify it; and the
people picker the form asks. Thin: permission, service call, message, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import BadRequest, ValidationError
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from betacowork.numbers import parse_int
from members.selectors import people_autocomplete

from ..member_field import members_offered
from ..models import Collaboration, Participant
from ..services import collaboration_verify, participant_confirm, participant_decline
from .ledger import CollaborationDetailView, StaffRequiredMixin

# An answer the rules refuse (`services.confirmations`), by its error's code: the
# collaboration's page comes back with why, and nothing was changed.
REFUSED_STATUS = {"declined": 409, "author": 403}


def page_refused(request, pk: int, status: int):
    """The collaboration's page as it is, with the message saying why what it sent was
    refused, under a 4xx status: a resent page or a hand-made request changed nothing."""
    page = CollaborationDetailView()
    page.setup(request, pk=pk)
    response = page.get(request, pk=pk)
    response.status_code = status
    return response


class _ParticipantAnswerView(LoginRequiredMixin, View):
    http_method_names = ["post"]
    service = None
    message = ""

    # Whether the answer holds only for the version the page showed (its `revision` input).
    checks_revision = False

    def post(self, request, pk):
        # Only my own participation is found: answering for someone else is a 404.
        participant = Participant.objects.filter(pk=pk, user_id=request.user.pk).first()
        if participant is None:
            return self.not_a_party(request)
        kwargs = {}
        if self.checks_revision and "revision" in request.POST:
            # A version that is no number is none the collaboration ever had (they start at 1).
            kwargs["revision"] = parse_int(request.POST["revision"]) or 0
        try:
            answered = type(self).service(participant=participant, user=request.user, **kwargs)
        except ValidationError as exc:
            code = getattr(exc, "code", None)
            if code == "gone":  # withdrawn (or I was removed) a moment ago
                return self.not_a_party(request)
            for text in exc.messages:
                messages.warning(request, text)
            if code in REFUSED_STATUS:
                return self.refused(participant.collaboration_id, REFUSED_STATUS[code])
        else:
            self.answered(answered)
        return HttpResponseRedirect(participant.collaboration.get_absolute_url())

    def answered(self, participant: Participant) -> None:
        messages.success(self.request, self.message)

    def refused(self, pk: int, status: int):
        return page_refused(self.request, pk, status)

    @staticmethod
    def not_a_party(request):
        """No participation of mine with this id. The pages' forms name their collaboration:
        one edited meanwhile to remove me (or withdrawn) says so — on its page if I may still
        see it, else on my collaborations — the same whatever the id, so nothing is learnt
        about anyone else's. A request without it (not from a page) is a 404."""
        if "collaboration" not in request.POST:
            raise Http404
        messages.warning(
            request,
            _("This collaboration no longer lists you as a party: there is nothing to answer."),
        )
        shown = Collaboration.objects.visible_to(request.user).filter(
            pk=parse_int(request.POST["collaboration"]) or 0
        )
        collaboration = shown.first()
        if collaboration is not None:
            return HttpResponseRedirect(collaboration.get_absolute_url())
        return HttpResponseRedirect(reverse("collaborations:mine"))


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
    picker (visible profiles of active accounts, as the field finds them), without myself (I
    am already in the collaboration)."""

    def get(self, request):
        own = getattr(getattr(request.user, "profile", None), "slug", None)
        people = people_autocomplete(
            user=request.user,
            q=request.GET.get("q", ""),
            limit=11,
            among=members_offered(request.user),
        )
        return JsonResponse(
            {
                "results": [
                    {"value": p["slug"], "name": p["name"], "company": p["company"]}
                    for p in people
                    if p["slug"] != own
                ][:10]
            }
        )
