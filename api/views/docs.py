"""The OpenAPI schema, the Swagger UI that reads it, and JSON 404s for unknown API paths."""

from __future__ import annotations

from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema (YAML, or JSON with `?format=json` / `Accept: application/json`)."""

    throttle_classes = []  # tools fetch it often; it is the same for everyone


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI, served by the app from drf-spectacular-sidecar's files (no CDN). The
    split view loads its start-up code from a URL instead of an inline <script>, and our
    template has no inline style, so it runs under the site's strict Content-Security-Policy
    unchanged."""

    template_name = "api/swagger_ui.html"
    url_name = "api:schema"
    throttle_classes = []


@csrf_exempt  # as the API's own views: a script's POST gets this 404, not the CSRF page
def not_found(request, path: str = ""):
    """Any other path under /api/, with any method: a JSON 404, never the site's HTML page."""
    detail = _("There is no such API endpoint. The list is at /api/v1/docs/.")
    if request.path and not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            detail = _("Did you mean %(path)s/ (with a final slash)?") % {"path": request.path}
    return JsonResponse({"detail": detail}, status=404)
