"""The admin's doors: staff sign in and change their password on the site's pages, like
everyone, so allauth's limits on wrong passwords (10 a minute per address, 5 per 15 minutes
per address and account), its reauthentication and its "password changed" email hold there
too. The admin's own forms checked passwords without counting them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode


def admin_login(request, extra_context=None):
    """Anonymous: the site's login page, back to the admin page asked for. Staff already
    signed in: the admin (never its login form, which would let a signed-in session try
    other accounts' passwords). A signed-in member who is not staff: 403."""
    user = request.user
    if user.is_authenticated:
        if not (user.is_active and user.is_staff):
            raise PermissionDenied
        return HttpResponseRedirect(_next(request) or reverse("admin:index"))
    login = resolve_url(settings.LOGIN_URL)
    return HttpResponseRedirect(
        f"{login}?{urlencode({REDIRECT_FIELD_NAME: _next(request) or reverse('admin:index')})}"
    )


def admin_password_change(request, extra_context=None):
    """The site's password page (reauthentication, limits, the notice email)."""
    return HttpResponseRedirect(reverse("account_change_password"))


def _next(request) -> str:
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else ""
