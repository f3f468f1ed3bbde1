"""Malformed input becomes a clear 400, and a database out of reach a 503, never a 500."""

from __future__ import annotations

import logging
import re
import sys
import uuid

from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.defaults import bad_request
from django.views.generic.edit import ProcessFormView

from .health import token_sent
from .log import request_id

logger = logging.getLogger(__name__)

# A request id from the proxy is kept only if it is a plain token: it is written into every
# log line of the request, so nothing that could forge a line (a newline) or run in a log
# viewer gets through.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestIdMiddleware:
    """First of all middleware: the request's id (the proxy's X-Request-ID, else a new one) is
    set for the log lines of this request (betacowork.log.RequestIdFilter) and sent back in
    the response's X-Request-ID, which gunicorn's access line shows too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        rid = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        request.request_id = rid
        # Not reset on the way out: Django logs a 4xx/5xx response ("Not Found: /x") after
        # the last middleware returned it. The thread's next request sets its own.
        request_id.set(rid)
        response = self.get_response(request)
        response["X-Request-ID"] = rid
        # The browser features no page of the site uses, refused to it and to anything it
        # embeds (Django's SecurityMiddleware sets the other security headers).
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "browsing-topics",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


# What a client is told to wait before retrying while the database is out of reach: about
# the time PostgreSQL takes to restart, and the health check's period in docker-compose.yml.
DATABASE_RETRY_AFTER = 30
_OUTAGE_ERRORS = (OperationalError, InterfaceError)

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(data) -> bool:
    return any("\x00" in key or any("\x00" in v for v in data.getlist(key)) for key in data)


class BadInputMiddleware:
    """Refuse NUL characters anywhere in the input and oversized input (too many fields, a
    body over the limit), and answer 400 to the admin's own crashes on malformed query
    strings and action selections.

    PostgreSQL refuses NUL in text ("A string literal cannot contain NUL"), so a `%00` that
    reaches any lookup would be a 500; no form of ours accepts one, so it is refused here once.
    The Django admin turns a few malformed inputs into exceptions instead of messages (an
    action posted with `_selected_action=abc`, a garbage foreign key in an add form's query
    string, an unknown changelist lookup on a custom view): for admin pages those become a 400.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = request.path.startswith("/api/")  # the API answers in JSON, even here
        try:
            nul = "\x00" in request.path or _has_nul(request.GET)
            # An unparseable multipart body raises MultiPartParserError here: Django answers
            # 400.
            nul = nul or (
                request.method == "POST"
                and request.content_type in _FORM_TYPES
                and _has_nul(request.POST)
            )
        except SuspiciousOperation as exc:
            # Too many fields, a body over the limit: a 400 as Django's own, but a warning in
            # the log (anyone can send one), and JSON for the API.
            logging.getLogger(f"django.security.{type(exc).__name__}").warning(
                "%s: %s", request.path, exc
            )
            if not api:
                return bad_request(request, exception=exc)
            detail = _("The request has too many parameters or is too large.")
            return JsonResponse({"detail": detail}, status=400)
        if not nul:
            return self.get_response(request)
        if api:
            return JsonResponse({"detail": _("NUL characters are not allowed.")}, status=400)
        return bad_request(request, exception=None)

    def process_exception(self, request, exception):
        if not request.path.startswith("/admin/"):
            return None
        # OverflowError: an autocomplete widget re-rendering a 20-digit id on SQLite.
        bad = ValueError | OverflowError | ValidationError | IncorrectLookupParameters
        if isinstance(exception, bad):
            logger.warning("Malformed admin input on %s: %s", request.path, exception)
            return bad_request(request, exception=exception)
        return None


class MethodNotAllowedPageMiddleware:
    """Django's 405 is an empty page: a member sent back to a button's address by the login
    page (their session had ended) saw nothing. The same status and Allow header, and a page
    that says what happened. Last in MIDDLEWARE, so that the page gets the security headers
    and shows pending messages once, like any page; not for the API (its JSON 405) nor a
    response with a body of its own. A form page's refused PUT (process_view) gets it too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def process_view(self, request, view_func, view_args, view_kwargs):
        """A PUT to a page with a form (ProcessFormView: ours and allauth's) is a 405. Django
        takes it as a POST whose body is never read as a form: an empty form sent, e.g. every
        optional email turned off on the preferences page. Here rather than on each view,
        so that allauth's pages and a new form page are refused too."""
        view_class = getattr(view_func, "view_class", None)
        if request.method != "PUT" or getattr(view_class, "put", None) is not ProcessFormView.put:
            return None
        allowed = [m for m in view_class.http_method_names if m != "put" and hasattr(view_class, m)]
        if "get" in allowed and "head" not in allowed:
            allowed.append("head")  # as View.setup() gives a view with get()
        return HttpResponseNotAllowed([m.upper() for m in allowed])

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code != 405
            or response.streaming
            or response.content
            or request.path.startswith("/api/")
        ):
            return response
        page = HttpResponse(loader.render_to_string("405.html", request=request), status=405)
        if response.has_header("Allow"):
            page["Allow"] = response["Allow"]
        return page


def _outage_cause(exc: BaseException | None) -> BaseException | None:
    """The database error behind `exc` (itself or what it was raised from), if any."""
    # The driver's own errors too: one raised while a server-side cursor is closed (a killed
    # connection, during template rendering) escapes Django's wrapping.
    driver = connections["default"].Database
    errors = (*_OUTAGE_ERRORS, driver.OperationalError, driver.InterfaceError)
    for _depth in range(5):
        if exc is None or isinstance(exc, errors):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def _wants_json(request) -> bool:
    if request.path == "/healthz" or request.path.endswith(".json"):
        return True
    return request.accepts("application/json") and not request.accepts("text/html")


def database_unavailable(request, exc: BaseException) -> HttpResponse:
    """The 503 answer while the database is out of reach: the standalone 503 page (it needs
    no database), or JSON for /healthz and the JSON endpoints; always with Retry-After and
    never cached. Logged once per request as a WARNING, without a traceback."""
    logger.warning("Database unavailable on %s: %s: %s", request.path, type(exc).__name__, exc)
    if _wants_json(request):
        if request.path == "/healthz":
            database = (
                {"ok": False, "error": type(exc).__name__} if token_sent(request) else {"ok": False}
            )
            body = {"status": "degraded", "database": database}
        else:
            body = {"status": "unavailable", "retry_after": DATABASE_RETRY_AFTER}
        response = JsonResponse(body, status=503)
    else:
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    add_never_cache_headers(response)
    # Django would log the 503 again as an ERROR with the traceback, once per request.
    response._has_been_logged = True
    return response


def server_error(request, template_name: str = "500.html") -> HttpResponse:
    """`handler500`: a database outage (raised by a view or by middleware loading the session
    or the user) is a 503 with Retry-After; anything else is Django's 500 page."""
    cause = _outage_cause(sys.exc_info()[1])
    if cause is not None:
        return database_unavailable(request, cause)
    return defaults.server_error(request, template_name)
