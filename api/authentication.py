"""Personal tokens in the `Authorization: Bearer <token>` header."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .models import ApiToken
from .services import TOKEN_PREFIX, token_hash, token_touch

KEYWORDS = ("bearer", "token")
MAX_TOKEN_LENGTH = 100


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """A member's personal token. A missing header is an anonymous caller; a header that
    names no active token (malformed, unknown, revoked, or its owner deactivated) is a 401."""

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        # Any whitespace after the scheme: "Bearer\t<token>" is a token, not an anonymous call.
        keyword, secret = [*header.split(None, 1), ""][:2]
        if keyword.lower() not in KEYWORDS:
            return None  # another scheme (e.g. Basic): not ours to judge
        secret = secret.strip()
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > MAX_TOKEN_LENGTH:
            raise exceptions.AuthenticationFailed(_("This is not an API token."))
        token = (
            ApiToken.objects.select_related("user", "user__profile")
            .filter(key_hash=token_hash(secret))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("Unknown API token."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This API token was revoked."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This account is inactive."))
        token_touch(token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes the tokens."""

    target_class = ApiTokenAuthentication
    name = "personalToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": str(
                _("A personal token, created on the “API tokens” page of your account.")
            ),
        }
