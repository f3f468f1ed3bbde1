"""The OpenAPI schema, the Swagger UI that reads it, and JSON 404s for unknown API paths."""

from __future__ import annotations

import threading

from django.conf import settings
from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

# The schema of each language, generated once per process: it changes only with the code.
_SCHEMAS: dict[str, dict] = {}
# drf-spectacular's generation is not thread-safe (tfranzel/drf-spectacular#1123, #1368): two
# requests generating at once break each other (a 500 under gunicorn's threads).
_GENERATING = threading.Lock()


class _Public:
    """The schema and its docs are the same for everyone: no credentials are read (a stale
    token in a client's settings must not hide the documentation), no limit applies (tools
    fetch them often), and an error is JSON like every other API error — not YAML or a
    plain-text page from the renderer the answer would have had."""

    authentication_classes = []
    throttle_classes = []

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code >= 400:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


class SchemaView(_Public, SpectacularAPIView):
    """The OpenAPI 3 schema (YAML, or JSON with `Accept: application/json`), in the request's
    language (or `?lang=`'s). The same for every caller and host: only the language varies
    (the choices' labels, some descriptions), so it is generated once per language."""

    def _get_schema_response(self, request):
        # Called by drf-spectacular's get() with ?lang= already active. The API has one
        # version, in its path: a `?version=` is not read (it would only relabel the schema,
        # and each value would be one more schema to keep).
        language = _supported(translation.get_language())
        schema = _SCHEMAS.get(language)
        if schema is None:
            with _GENERATING:
                schema = _SCHEMAS.get(language)
                if schema is None:
                    with translation.override(language):
                        generator = self.generator_class(
                            urlconf=self.urlconf, patterns=self.patterns
                        )
                        schema = generator.get_schema(request=request, public=self.serve_public)
                    _SCHEMAS[language] = schema
        filename = self._get_filename(request, version=None)
        return Response(schema, headers={"Content-Disposition": f'inline; filename="{filename}"'})


def _supported(language: str | None) -> str:
    """One of the site's languages: a `?lang=` it does not have is the default one."""
    try:
        return translation.get_supported_language_variant(language or "")
    except LookupError:
        return settings.LANGUAGE_CODE


class DocsView(_Public, SpectacularSwaggerSplitView):
    """Swagger UI, served by the app from drf-spectacular-sidecar's files (no CDN). The
    split view loads its start-up code from a URL instead of an inline <script>, and our
    template has no inline style, so it runs under the site's strict Content-Security-Policy
    unchanged."""

    template_name = "api/swagger_ui.html"
    url_name = "api:schema"


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
