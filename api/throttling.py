"""Rate limits for anonymous callers (per address) and members (per account, whatever token
they use), counted in the shared Django cache (Redis in production) so every web process sees
the same count.

A fixed window: one atomic `incr` per request on a key named after the window, which expires
with it. Past the limit the caller gets a 429 with `Retry-After` (the seconds left in the
window, from DRF's exception handler). If the cache is down the request is let through: a
limit that cannot be counted must not take the API down with it.
"""

from __future__ import annotations

import math
import time

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from rest_framework.throttling import BaseThrottle

DEFAULT_RATES = {"anonymous": "60/minute", "token": "600/minute", "session": "600/minute"}
PERIODS = {
    "s": 1,
    "second": 1,
    "m": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "60/minute" → (60 requests, 60 seconds)."""
    count, _sep, period = rate.partition("/")
    return int(count), PERIODS[period.strip().lower()]


def client_address(request) -> str:
    """The caller's address, read as the login limits read it (allauth's trusted proxies)."""
    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return "unknown"


class ApiRateThrottle(BaseThrottle):
    """One limit per caller: their account (through any of their tokens, or their session),
    or their address."""

    def __init__(self) -> None:
        self._wait = 0.0

    def caller(self, request) -> tuple[str, str]:
        """(scope, identity) of the caller."""
        if request.auth is not None and getattr(request.auth, "pk", None):
            # Counted per account, not per token: a member holds up to 20 active tokens and
            # may revoke one and create another at any time, so a count per token would let
            # anyone multiply their allowance at will.
            return "token", f"u{request.user.pk}"
        if request.user is not None and request.user.is_authenticated:
            return "session", f"u{request.user.pk}"
        return "anonymous", client_address(request)

    def allow_request(self, request, view) -> bool:
        scope, ident = self.caller(request)
        rates = {**DEFAULT_RATES, **getattr(settings, "API_RATE_LIMITS", {})}
        limit, period = parse_rate(rates[scope])
        now = time.time()
        window = int(now // period)
        # A member's calls are one count, by token or by session (the ident is their account).
        counted = "member" if scope in ("token", "session") else scope
        key = f"api:rl:{counted}:{ident}:{period}:{window}"
        try:
            cache.add(key, 0, period + 1)
            count = cache.incr(key)
        except ValueError:  # expired between add and incr, or the cache is unreachable
            return True
        self._wait = (window + 1) * period - now
        request.rate_limit = {
            "RateLimit-Limit": str(limit),
            "RateLimit-Remaining": str(max(limit - count, 0)),
            "RateLimit-Reset": str(max(1, math.ceil(self._wait))),
        }
        return count <= limit

    def wait(self) -> float:
        return float(max(1, math.ceil(self._wait)))


def rate_limit_headers(request, response):
    """The caller's standing (set by `ApiRateThrottle`), on any answer it was counted for."""
    for name, value in getattr(request, "rate_limit", {}).items():
        response[name] = value
    return response
