from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from api.views.docs import not_found as api_not_found

from . import health, reference, views
from .admin_entry import admin_login, admin_password_change

# The admin's own login and password forms would bypass allauth's limits on wrong passwords,
# its reauthentication and its "password changed" email: both lead to the site's pages.
# (Set before `admin.site.urls` below, which binds them.)
admin.site.login = admin_login
admin.site.password_change = admin_password_change

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    # Benchmarks only (settings.BENCH_REFERENCE_VIEW): production never serves it.
    *(
        [path("bench/reference/", reference.reference, name="bench_reference")]
        if settings.BENCH_REFERENCE_VIEW
        else []
    ),
    path("healthz", health.healthz, name="healthz"),
    path("language/", views.language_switch, name="language_switch"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("notifications/", include("betacowork.messaging.urls")),
    path("", include("members.urls")),
    path("events/", include("events.urls")),
    path("chapters/", include("events.chapters.urls")),
    path("organise/", include("events.console.urls")),
    path("budget/", include("events.budget.urls")),
    path("collaborations/", include("collaborations.urls")),
    path("api/", include("api.urls")),
    path("api", api_not_found),  # a JSON 404 here too, not the HTML "add a slash" redirect
    path("me/api-tokens/", include("api.token_urls")),
]

# A database outage is a 503 with Retry-After (betacowork/middleware.py), not a 500.
handler500 = "betacowork.middleware.server_error"

admin.site.site_header = "Betacowork"
admin.site.site_title = _("Betacowork admin")
