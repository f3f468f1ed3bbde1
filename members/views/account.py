"""My data (the page and the download) and deleting my account."""

from __future__ import annotations

import json

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from ..forms import AccountDeleteForm
from ..middleware import language_cookie_set
from ..panels import export_collect
from ..services import account_delete


class MyDataView(LoginRequiredMixin, TemplateView):
    template_name = "members/my_data.html"


class MyDataDownloadView(LoginRequiredMixin, View):
    """Everything we hold about the member, from this app and every registered section."""

    def get(self, request):
        user = request.user
        data = {
            "generated_at": timezone.now(),
            "site": request.build_absolute_uri("/"),
            "sections": export_collect(user),
        }
        body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="betacowork-my-data-{stamp}.json"'
        response["Cache-Control"] = "no-store"
        return response


# A signed-in session alone does not delete the account: the post asks for the password again
# (allauth, ACCOUNT_REAUTHENTICATION_REQUIRED), then carries on with what the member typed.
@method_decorator(reauthentication_required(app="allauth.account"), name="post")
class AccountDeleteView(LoginRequiredMixin, FormView):
    template_name = "members/account_delete.html"
    form_class = AccountDeleteForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def form_invalid(self, form):
        # A refused post is a 400, like the registration and collaboration forms; the page
        # shows the errors and the account stays.
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def form_valid(self, form):
        user = self.request.user
        # Deleted first, then logged out: a deletion that fails leaves the member signed in
        # with their account, not signed out of an account that still exists.
        language = get_language()  # theirs: the goodbye page reads in it after the logout
        account_delete(user=user)
        logout(self.request)
        messages.success(self.request, _("Your account and your profile are deleted. Goodbye!"))
        response = redirect(reverse("home"))
        language_cookie_set(response, language)
        return response
