"""Email preferences and signed one-click unsubscribe (RFC 8058).

Essential messages (account emails, registration confirmations, waitlist promotions, event
changed or cancelled) always go. Non-essential ones — the kinds in `OPTIONAL_KINDS` — go only
to members who did not opt out (`User.email_opt_outs`), and each carries a signed unsubscribe
link plus `List-Unsubscribe` / `List-Unsubscribe-Post: List-Unsubscribe=One-Click` headers.

Other apps call, when writing a non-essential message for a member:

    if wants_email(user, "reminder"):
        outbox_write(..., kind="reminder", headers=unsubscribe_headers(user, "reminder"))

and put `unsubscribe_url(user, kind)` in the message body. The outbox checks `wants_email`
again just before sending, so an unsubscribe that arrives after the row was written still
counts. Guests (no account) have no preferences: their messages are about the one event they
registered for, and carry that registration's cancel link instead.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core import signing
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django.views.generic import FormView

from .models import User

# Preferences a member may turn off, with the label the preferences page shows. Filled by
# the message-kind registry (betacowork/messaging): each app's `messages.py` registers its
# kinds, and an optional kind brings its preference here. `members` names none of them.
OPTIONAL_KINDS: dict[str, str] = {}
UNSUBSCRIBE_SALT = "members.notifications.unsubscribe"


def wants_email(user: User | None, kind: str) -> bool:
    """Whether `user` wants messages of `kind` (always True for essential kinds and guests)."""
    if user is None or kind not in OPTIONAL_KINDS:
        return True
    return kind not in (user.email_opt_outs or [])


def unsubscribe_token(user: User, kind: str) -> str:
    """A signed, non-expiring token naming the member and the kind (RFC 8058 wants links that
    keep working)."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object({"u": user.pk, "k": kind})


def unsubscribe_url(user: User, kind: str) -> str:
    """The absolute one-click unsubscribe URL for `kind`, to put in the message body."""
    from django.conf import settings

    path = reverse("notifications:unsubscribe", kwargs={"token": unsubscribe_token(user, kind)})
    return f"{settings.SITE_URL}{path}"


def unsubscribe_headers(user: User | None, kind: str) -> dict[str, str]:
    """`List-Unsubscribe` headers for a non-essential message (empty for guests/essential)."""
    if user is None or kind not in OPTIONAL_KINDS:
        return {}
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(user, kind)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def preferences_url() -> str:
    from django.conf import settings

    return f"{settings.SITE_URL}{reverse('notifications:preferences')}"


def _token_load(token: str) -> tuple[User, str] | None:
    try:
        data = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
        pk, kind = int(data["u"]), str(data["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    if kind not in OPTIONAL_KINDS:
        return None
    user = User.objects.filter(pk=pk).first()
    return (user, kind) if user is not None else None


@transaction.atomic
def email_preference_set(*, user: User, kind: str, subscribed: bool) -> None:
    """Opt `user` in or out of `kind` (row-locked: two clicks at once lose nothing)."""
    if kind not in OPTIONAL_KINDS:
        raise ValueError(f"{kind!r} is not an optional kind of message.")
    user = User.objects.select_for_update().get(pk=user.pk)
    opt_outs = [k for k in (user.email_opt_outs or []) if k in OPTIONAL_KINDS and k != kind]
    if not subscribed:
        opt_outs.append(kind)
    user.email_opt_outs = sorted(set(opt_outs))
    user.save(update_fields=["email_opt_outs"])


@transaction.atomic
def email_preferences_save(*, user: User, wanted: set[str]) -> None:
    """Keep exactly the optional kinds in `wanted`; opt out of the others."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user.email_opt_outs = sorted(k for k in OPTIONAL_KINDS if k not in wanted)
    user.save(update_fields=["email_opt_outs"])


# Views -------------------------------------------------------------------------------------


class PreferencesForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label=_("Send me these emails"),
        # A callable: kinds registered later (betacowork.messaging) add their preference.
        choices=lambda: list(OPTIONAL_KINDS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Account emails and messages about your registrations (confirmation, waitlist, "
            "changes, cancellation) are always sent."
        ),
    )


class PreferencesView(LoginRequiredMixin, FormView):
    """The logged-in member's choice of non-essential emails."""

    template_name = "members/notifications_preferences.html"
    form_class = PreferencesForm
    success_url = reverse_lazy("notifications:preferences")

    def get_initial(self):
        opt_outs = self.request.user.email_opt_outs or []
        return {"kinds": [k for k in OPTIONAL_KINDS if k not in opt_outs]}

    def form_valid(self, form):
        email_preferences_save(user=self.request.user, wanted=set(form.cleaned_data["kinds"]))
        messages.success(self.request, _("Your email preferences are saved."))
        return super().form_valid(form)


@csrf_exempt  # RFC 8058: mail providers POST here without a session; the signature is the key
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what the link does; POST (one-click, or the page's button) applies it.

    A GET never changes anything (link scanners follow links). A tampered or unknown token
    gets a clear 400 page.
    """
    loaded = _token_load(token)
    if loaded is None:
        return render(request, "members/notifications_invalid.html", status=400)
    user, kind = loaded
    context = {"kind_label": OPTIONAL_KINDS[kind], "token": token, "kind": kind}
    if request.method == "POST":
        subscribed = request.POST.get("action") == "resubscribe"
        email_preference_set(user=user, kind=kind, subscribed=subscribed)
        context["done"] = True
        context["subscribed"] = subscribed
    else:
        context["subscribed"] = wants_email(user, kind)
    return render(request, "members/notifications_unsubscribe.html", context)
