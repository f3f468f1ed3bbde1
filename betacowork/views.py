"""Pages that combine several apps (the home page) and site-wide views."""

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpResponseRedirect
from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from members.middleware import language_cookie_set
from members.panels import home_panels
from members.services import user_language_set


class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["panels"] = home_panels(self.request)
        return ctx


@require_POST
def language_switch(request):
    """Switch the interface language; for a logged-in person, also store it on the account."""
    language = request.POST.get("language", "")
    if not check_for_language(language) or language not in dict(settings.LANGUAGES):
        # The site's own 400 page, in the current language, saying what was wrong.
        return render(
            request,
            "400.html",
            {"reason": _("This site is not available in that language.")},
            status=400,
        )
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    language_cookie_set(response, language)
    if request.user.is_authenticated:
        user_language_set(user=request.user, language=language)
    return response


def csrf_failure(request, reason: str = ""):
    """A form refused by the CSRF check (CSRF_FAILURE_VIEW): the site's page, in the visitor's
    language, saying the form was stale, with the way back.

    Django's own page is bare, unstyled under our CSP, and speaks of "CSRF verification" and
    DEBUG (QA). A stale form is the usual cause: opened in another tab before logging in or
    out, or kept open until the session ended. Its link back is the page the form came from
    when that is one of ours (reloading it gives a fresh form), else the home page.
    """
    referer = request.headers.get("referer", "")
    back = ""
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        back = urlunsplit(("", "", parts.path or "/", parts.query, ""))
        # "//evil.example/x" or "/\evil.example/x" as a path is another host (review).
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = ""
    context = {"back_url": back, "no_cookie": reason == REASON_NO_CSRF_COOKIE}
    return render(request, "403_csrf.html", context, status=403)
