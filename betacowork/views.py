"""Pages that combine several apps (the home page) and site-wide views."""

from django.conf import settings
from django.http import HttpResponseRedirect
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
