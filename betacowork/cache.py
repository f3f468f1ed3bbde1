"""Redis as a cache whose outage is a cache miss, never a 500.

betacowork/settings/services.py swaps Django's RedisCache for `ResilientRedisCache` whenever
CACHE_URL is `redis://`. While Redis does not answer:

- every read is a miss and every write is skipped: pages are computed, as with an empty cache;
- allauth's login rate limits (keys `allauth:rl:...`) fall back to this process's memory: each
  web process counts on its own until Redis is back (a documented, weaker but working limit);
- after a failure Redis is left alone for `retry_seconds`, so an outage costs one short socket
  timeout per process and per period, not one per cache call;
- one WARNING says the cache is down and one says it is back (with the number of calls served
  without it), never a traceback per request.

Writes that could not reach Redis may have been invalidations (a profile hidden, a
collaboration confirmed), and Redis keeps its data across a restart: a process that skipped
writes empties the cache database once Redis answers again, before it reads from it, so no list
from before the outage is served after it. Keep the cache in its own Redis database (the
compose file uses /1 for the cache, /0 for the broker).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Keys that keep working during an outage, in this process's memory.
FALLBACK_PREFIXES = ("allauth:rl:",)
_OUTAGE_ERRORS = (RedisError, OSError)


@dataclass
class _Health:
    """What every thread of this process knows about one Redis server."""

    down: bool = False
    retry_at: float = 0.0  # time.monotonic() before which Redis is not tried again
    lost_writes: bool = False  # writes were skipped: empty the cache when it is back
    skipped: int = 0  # calls served without Redis during this outage


_health: dict[str, _Health] = {}
_health_lock = threading.Lock()


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis client layer, keeping one `redis.Redis` per connection pool instead of
    building a new one for every cache call (0.13 ms each, as much as the round trip to
    Redis). A `redis.Redis` may be shared: each command takes a connection from the pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    """Django's RedisCache where a Redis error is a miss (see the module docstring)."""

    retry_seconds = 5.0

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        location = server if isinstance(server, str) else ",".join(server)
        with _health_lock:
            self._health = _health.setdefault(location, _Health())
        # LocMemCache keeps its data per name, module-wide: every thread of the process shares it.
        self._fallback = LocMemCache(
            f"betacowork-redis-fallback:{location}", {"OPTIONS": {"MAX_ENTRIES": 10_000}}
        )

    # --- the outage logic --------------------------------------------------------------------

    def _redis_usable(self) -> bool:
        health = self._health
        if health.down and time.monotonic() < health.retry_at:
            return False
        if health.lost_writes:
            try:
                # Asynchronous: Redis answers at once and frees the memory in the background.
                self._cache.get_client(None, write=True).flushdb(asynchronous=True)
            except _OUTAGE_ERRORS as exc:
                self._failed(exc, write=False)
                return False
            health.lost_writes = False
            logger.warning("Redis cache emptied: writes made during the outage were lost.")
        return True

    def _failed(self, exc: BaseException, *, write: bool) -> None:
        health = self._health
        with _health_lock:
            health.retry_at = time.monotonic() + self.retry_seconds
            health.lost_writes = health.lost_writes or write
            if not health.down:
                health.down, health.skipped = True, 0
                logger.warning(
                    "Redis cache unavailable (%s: %s): serving without it, retrying every %ss.",
                    type(exc).__name__,
                    exc,
                    self.retry_seconds,
                )

    def _succeeded(self) -> None:
        health = self._health
        if health.down:
            with _health_lock:
                if health.down:
                    health.down = False
                    logger.warning(
                        "Redis cache is back (%d calls were served without it).", health.skipped
                    )

    def _call(self, name: str, key, args: tuple, *, write: bool, miss):
        """RedisCache.<name>(*args); during an outage the fallback's answer for rate-limit
        keys, else `miss`."""
        if self._redis_usable():
            try:
                result = getattr(super(), name)(*args)
            except _OUTAGE_ERRORS as exc:
                self._failed(exc, write=write and not _is_fallback(key))
            else:
                self._succeeded()
                return result
        else:
            self._health.skipped += 1
            if write and not _is_fallback(key):
                self._health.lost_writes = True
        if _is_fallback(key):
            return getattr(self._fallback, name)(*args)
        if isinstance(miss, Exception):
            raise miss
        return miss

    def ping(self) -> None:
        """Raise unless Redis answers now (for /healthz: ignores the retry period)."""
        self._cache.get_client(None, write=False).ping()

    # --- Django's cache API ------------------------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, (key, value, timeout, version), write=True, miss=False)

    def get(self, key, default=None, version=None):
        return self._call("get", key, (key, default, version), write=False, miss=default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, (key, value, timeout, version), write=True, miss=None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, (key, timeout, version), write=True, miss=False)

    def delete(self, key, version=None):
        return self._call("delete", key, (key, version), write=True, miss=False)

    def get_many(self, keys, version=None):
        return self._call("get_many", None, (keys, version), write=False, miss={})

    def has_key(self, key, version=None):
        return self._call("has_key", key, (key, version), write=False, miss=False)

    def incr(self, key, delta=1, version=None):
        # A missing key is what incr reports with ValueError; callers then set() it.
        missing = ValueError(f"Key {key!r} not found (Redis unavailable).")
        return self._call("incr", key, (key, delta, version), write=True, miss=missing)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(
            "set_many", None, (data, timeout, version), write=True, miss=list(data or ())
        )

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, (keys, version), write=True, miss=None)

    def clear(self):
        return self._call("clear", None, (), write=True, miss=False)


def _is_fallback(key) -> bool:
    return isinstance(key, str) and key.startswith(FALLBACK_PREFIXES)


def cache_status(backend) -> dict:
    """/healthz's view of the default cache: Redis answers a PING, or it is not Redis."""
    if not isinstance(backend, ResilientRedisCache):
        return {"ok": True, "backend": type(backend).__name__}
    started = time.monotonic()
    try:
        backend.ping()
    except _OUTAGE_ERRORS as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}
