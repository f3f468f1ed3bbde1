"""Malformed input becomes a clear 400, never a 500."""

from __future__ import annotations

import logging

from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.views.defaults import bad_request

logger = logging.getLogger(__name__)

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(data) -> bool:
    return any("\x00" in key or any("\x00" in v for v in data.getlist(key)) for key in data)


class BadInputMiddleware:
    """Refuse NUL characters anywhere in the input, and answer 400 to the admin's own crashes
    on malformed query strings and action selections.

    PostgreSQL refuses NUL in text ("A string literal cannot contain NUL"), so a `%00` that
    reaches any lookup would be a 500; no form of ours accepts one, so it is refused here once.
    The Django admin turns a few malformed inputs into exceptions instead of messages (an
    action posted with `_selected_action=abc`, a garbage foreign key in an add form's query
    string, an unknown changelist lookup on a custom view): for admin pages those become a 400.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or _has_nul(request.GET):
            return bad_request(request, exception=None)
        # An unparseable multipart body raises MultiPartParserError here: Django answers 400.
        if (
            request.method == "POST"
            and request.content_type in _FORM_TYPES
            and _has_nul(request.POST)
        ):
            return bad_request(request, exception=None)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not request.path.startswith("/admin/"):
            return None
        if isinstance(exception, ValueError | ValidationError | IncorrectLookupParameters):
            logger.warning("Malformed admin input on %s: %s", request.path, exception)
            return bad_request(request, exception=exception)
        return None
