"""What every endpoint shares: only known query parameters, conditional GET (ETag /
If-None-Match) on lists, and private caching headers."""

from __future__ import annotations

import hashlib

from django.http import JsonResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import AuthenticationFailed, ValidationError
from rest_framework.generics import GenericAPIView

from ..throttling import rate_limit_headers

PAGINATION_PARAMS = frozenset({"cursor", "page_size"})


def reject_unknown_params(request, allowed) -> None:
    """A 400 naming every query parameter the endpoint does not know, or repeated."""
    known = set(allowed)
    unknown = sorted(k for k in request.query_params if k not in known)
    if unknown:
        raise ValidationError(
            {
                name[:40]: [
                    _("Unknown parameter. Known ones: %(known)s.")
                    % {"known": ", ".join(sorted(set(allowed))) or "—"}
                ]
                for name in unknown
            }
        )
    repeated = sorted(k for k, vs in request.query_params.lists() if len(vs) > 1)
    if repeated:
        raise ValidationError({name: [_("Give this parameter once.")] for name in repeated})
    for name, value in request.query_params.items():
        if "\x00" in value or len(value) > 1000:
            raise ValidationError({name: [_("This value is not allowed.")]})


def _private(response):
    """The body depends on who asks: it varies on the credentials and is private."""
    patch_vary_headers(response, ["Authorization", "Cookie", "Accept-Language"])
    patch_cache_control(response, private=True, no_cache=True)
    return response


def with_etag(request, response):
    """An ETag on a successful GET (a digest of the body), a 304 when the caller already has
    it, and a JSON 412 when its If-Match names another version."""
    _private(response)
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if not response.is_rendered:
        response.render()
    digest = hashlib.blake2b(response.content, digest_size=16).hexdigest()
    response["ETag"] = f'"{digest}"'
    conditional = get_conditional_response(request, etag=response["ETag"], response=response)
    if conditional.status_code == 412:  # Django's answer has no body: ours is JSON
        detail = _("This resource has changed: its ETag no longer matches If-Match.")
        failed = _private(JsonResponse({"detail": detail}, status=412))
        failed["ETag"] = response["ETag"]
        return failed
    return conditional


def _header(name: str, description: str, *, codes=None) -> OpenApiParameter:
    return OpenApiParameter(
        name, int, OpenApiParameter.HEADER, description=description, response=codes or True
    )


RESPONSE_HEADERS = [
    OpenApiParameter(
        "ETag",
        str,
        OpenApiParameter.HEADER,
        description="The version of this answer: send it back in If-None-Match.",
        response=[200],
    ),
    OpenApiParameter(
        "If-None-Match",
        str,
        OpenApiParameter.HEADER,
        description="An ETag you have: a 304 Not Modified, without a body, if it is current.",
    ),
    OpenApiParameter(
        "If-Match",
        str,
        OpenApiParameter.HEADER,
        description="An ETag you expect: a 412 (JSON `detail`) if the answer has changed.",
    ),
    _header("RateLimit-Limit", "Requests allowed per window to this caller."),
    _header("RateLimit-Remaining", "Requests left in the current window."),
    _header("RateLimit-Reset", "Seconds until the window ends."),
    _header("Retry-After", "Seconds to wait before asking again.", codes=[429]),
]


class ApiSchema(AutoSchema):
    """Every endpoint's answers document the rate-limit headers (`api.throttling`) and its
    conditional requests (`with_etag`)."""

    def get_override_parameters(self):
        return [*super().get_override_parameters(), *RESPONSE_HEADERS]


class ApiView(GenericAPIView):
    """A read-only endpoint: `filter_params` are its query parameters (pagination's too for
    a list); anything else is a 400."""

    schema = ApiSchema()
    filter_params: tuple[str, ...] = ()
    paginated = False  # a list: `cursor` and `page_size` are known too

    def allowed_params(self) -> set[str]:
        return set(self.filter_params) | (PAGINATION_PARAMS if self.paginated else set())

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        reject_unknown_params(request, self.allowed_params())

    def perform_authentication(self, request):
        """A refused token is an anonymous call for the limits: it counts against the
        caller's address (a 429 past it), or guessing tokens would never be slowed down."""
        try:
            super().perform_authentication(request)
        except AuthenticationFailed:
            self.check_throttles(request)
            raise

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        return rate_limit_headers(request, with_etag(request._request, response))


def error_responses(*codes: int) -> dict:
    """The documented error answers of an endpoint (always 429 too: every caller is limited),
    and the conditional requests' (`with_etag`): a 304 without a body, a 412 in JSON."""
    from drf_spectacular.utils import OpenApiResponse

    from ..serializers.common import ErrorSerializer

    return {
        **dict.fromkeys(sorted({*codes, 400, 401, 412, 429}), ErrorSerializer),
        304: OpenApiResponse(description="Not Modified: the If-None-Match ETag is current."),
    }
