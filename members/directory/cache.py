"""What the directory keeps between requests: a shared cache of rendered results, and the
filter options per process, both under one *version*.

Most directory requests repeat: the first page, popular skills, the same filters. Their
results are the same for every member, so the rendered results are cached (Redis in
production, shared by every web process) under a key made of the version, the viewer's class,
the language and the query string. Any change to a profile, its terms, a company, a space or
a membership bumps the version (`directory_invalidate()`, called by members.signals and by
the bulk services), so a stale list is never served after a change is committed; the TTL
(`DIRECTORY_CACHE_SECONDS`, default 120 s, 0 turns caching off) bounds anything else, such as
"joined recently" rolling over at midnight.

The filter options (terms, spaces, the word-to-term index) and the unfiltered totals per
viewer class are kept in the process (`options_get()`) until the version changes: one cache
read of the version instead of two queries, whatever DIRECTORY_CACHE_SECONDS says.

Privacy: the class is "anonymous", "member" or "staff", which is all `visible_to()` looks at —
except for a member whose own profile is hidden (they see themselves): their lists are never
cached.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import get_language

from .. import rules
from .query import directory_options

VERSION_KEY = "members:directory:version"


def cache_seconds() -> int:
    """settings.DIRECTORY_CACHE_SECONDS (from the environment; 0 turns the cache off)."""
    return max(0, int(getattr(settings, "DIRECTORY_CACHE_SECONDS", 120)))


def directory_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, int(time.time() * 1000), None)
        version = cache.get(VERSION_KEY) or 0
    return version


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, int(time.time() * 1000), None)


def directory_invalidate() -> None:
    """Forget every cached list now, and again when the current transaction commits (a
    request running meanwhile could otherwise cache what it read before the commit)."""
    _bump()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_bump)


viewer_class = rules.viewer_class  # what `visible_to(user)` depends on (None: personal)


def cache_key(
    kind: str, *, user=None, query_string: str = "", options: dict | None = None
) -> str | None:
    """The key for `kind` ("options" or "results"), or None when caching does not apply.
    `options`: what `options_get()` returned in this request (its version is reused)."""
    if cache_seconds() <= 0:
        return None
    version = options["version"] if options is not None else directory_version()
    if kind == "options":
        return f"members:dir:{version}:options"
    cls = viewer_class(user)
    if cls is None:
        return None
    digest = hashlib.sha256(query_string.encode()).hexdigest()[:32]
    return f"members:dir:{version}:{cls}:{(get_language() or 'en')[:2]}:{digest}"


def cache_get(key: str | None):
    return cache.get(key) if key else None


def cache_set(key: str | None, value) -> None:
    if key:
        cache.set(key, value, cache_seconds())


_options_memo: dict[int, dict] = {}


def options_get() -> dict:
    """`directory_options()`, kept in this process until the directory's version changes
    (every term, space, profile, company or membership change bumps it; the version is
    read on every call). The same dict also keeps, per version, what is derived from it:
    the filter selects rendered per language ("rendered"), the lists' totals per viewer
    class ("counts"), and the version itself ("version"). (The filter form's and the results
    fragment's markup hold no data: `members.views.directory` keeps them per process.)"""
    version = directory_version()
    options = _options_memo.get(version)
    if options is None:
        options = {**directory_options(), "version": version}
        _options_memo.clear()  # only the current version is worth keeping
        _options_memo[version] = options
    return options
