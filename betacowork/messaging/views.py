"""The email preferences page and the signed one-click unsubscribe link (RFC 8058)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django.views.generic import FormView

from .kinds import optional_preferences
from .preferences import (
    email_preference_set,
    email_preferences_save,
    unsubscribe_token_read,
    wants_email,
)


class PreferencesForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label=_("Send me these emails"),
        # A callable: the registry's preferences, whichever apps registered kinds.
        choices=lambda: list(optional_preferences().items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Account emails and messages about your registrations (confirmation, waitlist, "
            "changes, cancellation) are always sent."
        ),
    )


class PreferencesView(LoginRequiredMixin, FormView):
    """The logged-in member's choice of non-essential emails."""

    template_name = "messaging/preferences.html"
    form_class = PreferencesForm
    success_url = reverse_lazy("notifications:preferences")

    def get_initial(self):
        opt_outs = self.request.user.email_opt_outs or []
        return {"kinds": [k for k in optional_preferences() if k not in opt_outs]}

    def form_valid(self, form):
        email_preferences_save(user=self.request.user, wanted=set(form.cleaned_data["kinds"]))
        messages.success(self.request, _("Your email preferences are saved."))
        return super().form_valid(form)

    def form_invalid(self, form):
        # A refused post is a 400, like the registration and collaboration forms, and nothing
        # is saved. The page lists the kinds as bare checkboxes, without the field's errors
        # (e.g. a kind withdrawn since the page was loaded): say why in a message.
        reasons = " ".join(error for errors in form.errors.values() for error in errors)
        messages.error(
            self.request,
            _("Your email preferences are not saved: %(reasons)s") % {"reasons": reasons},
        )
        return self.render_to_response(self.get_context_data(form=form), status=400)


@csrf_exempt  # RFC 8058: mail providers POST here without a session; the signature is the key
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what the link does; POST (one-click, or the page's button) applies it.

    A GET never changes anything (link scanners follow links). A tampered token gets a clear
    400 page; the link of a deleted account says so, with a 200 (no email goes there).
    """
    named = unsubscribe_token_read(token)
    if named is None:
        return render(request, "messaging/invalid.html", status=400)
    user_id, preference = named
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return render(request, "messaging/unsubscribe.html", {"account_deleted": True})
    # The page reads in the language the email came in — the member's, as for a signed-in
    # page — unless this browser picked another with the language switcher.
    language = getattr(user, "preferred_language", "")
    if language and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        translation.activate(language)
        request.LANGUAGE_CODE = language
    context = {
        "kind_label": optional_preferences()[preference],
        "token": token,
        "kind": preference,
    }
    if request.method == "POST":
        subscribed = request.POST.get("action") == "resubscribe"
        email_preference_set(user=user, kind=preference, subscribed=subscribed)
        context["done"] = True
        context["subscribed"] = subscribed
    else:
        context["subscribed"] = wants_email(user, preference)
    return render(request, "messaging/unsubscribe.html", context)
