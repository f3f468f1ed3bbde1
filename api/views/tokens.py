"""The "API tokens" page of a member's account: create (the secret shown once), see when each
token was last used, revoke."""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View

from events.forms import add_service_errors

from ..forms import TokenCreateForm
from ..models import ApiToken
from ..selectors import tokens_of
from ..services import token_create, token_revoke


class TokenListView(LoginRequiredMixin, View):
    template_name = "api/tokens.html"

    def render_page(self, request, *, form=None, secret="", created=None, status=200):
        context = {
            "form": form or TokenCreateForm(),
            "tokens": list(tokens_of(user=request.user)),
            "secret": secret,
            "created": created,
        }
        response = render(request, self.template_name, context, status=status)
        # The one page that ever holds a secret: never kept by a browser or a proxy.
        response["Cache-Control"] = "no-store"
        return response

    def get(self, request):
        return self.render_page(request)

    # A token outlives the session: creating one asks for the password again (allauth,
    # ACCOUNT_REAUTHENTICATION_REQUIRED), then creates it. Listing and revoking do not.
    @method_decorator(reauthentication_required(app="allauth.account"))
    def post(self, request):
        form = TokenCreateForm(request.POST)
        if form.is_valid():
            try:
                token, secret = token_create(user=request.user, name=form.cleaned_data["name"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                # Shown in this response only: a reload or a redirect would lose it for good,
                # which is the point.
                return self.render_page(
                    request, form=TokenCreateForm(), secret=secret, created=token
                )
        return self.render_page(request, form=form, status=400)


class TokenRevokeView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        try:
            token = token_revoke(user=request.user, token_id=pk)
        except ApiToken.DoesNotExist:
            raise Http404(_("There is no such token.")) from None
        messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
        return redirect("api_tokens:list")
