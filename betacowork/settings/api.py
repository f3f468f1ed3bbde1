"""The read-only JSON API: Django REST framework, its rate limits, the OpenAPI schema."""

from betacowork.environment import refuse as _refuse

from .base import env

# API (Django REST framework https://www.django-rest-framework.org/api-guide/settings/ and
# drf-spectacular https://drf-spectacular.readthedocs.io/en/latest/settings.html): read-only,
# JSON only, personal tokens or the site's session, rate-limited in the shared cache.
# ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.api_exception_handler",
    "URL_FORMAT_OVERRIDE": None,
    "UNICODE_JSON": True,
}
# Requests per caller (a token, a logged-in session, or an address for anonymous callers).
# What api.throttling.parse_rate reads: checked here, or every API call would be a 500.
_RATE_PERIODS = ("s", "second", "m", "minute", "h", "hour", "d", "day")


def _api_rate(var: str, default: str) -> str:
    rate = env.str(var, default=default)
    count, _sep, period = rate.partition("/")
    if not (count.strip().isdigit() and int(count) > 0 and period.strip().lower() in _RATE_PERIODS):
        _refuse(
            f"{var} must be a number of requests per period, e.g. 60/minute "
            f"(periods: {', '.join(_RATE_PERIODS)}), got {rate!r}."
        )
    return rate


API_RATE_LIMITS = {
    "anonymous": _api_rate("API_RATE_ANONYMOUS", "60/minute"),
    "token": _api_rate("API_RATE_TOKEN", "600/minute"),
    "session": _api_rate("API_RATE_TOKEN", "600/minute"),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Betacowork API",
    "DESCRIPTION": (
        "Read-only access to the community's events, chapters, spaces, companies, members "
        "directory and micro-economy dashboard. Anonymous callers see what the public site "
        "shows; a personal token (account settings → API tokens) sees what its member sees."
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's files from drf-spectacular-sidecar, served by whitenoise: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
