"""Moved to `members.directory.cache`; these names stay importable from here."""

from .directory.cache import (  # noqa: F401 - re-exported
    VERSION_KEY,
    cache_get,
    cache_key,
    cache_seconds,
    cache_set,
    directory_invalidate,
    directory_version,
    viewer_class,
)
