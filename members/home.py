"""The members app's panels on the home page.

Both are the same for every viewer of a class ("anonymous", "member", "staff") and change only
when a profile, a membership or a space does, so they are cached under the directory's
version (`members.directory.cache`), which each of those changes bumps: the community's
figures for `DIRECTORY_CACHE_SECONDS` (they count every visible profile, which grows with
the community) like the directory's own lists; "people you should meet" per member
(`members.suggestions`). A member whose own profile is hidden gets uncached figures (they
count themselves).
"""

from .directory.cache import cache_get, cache_seconds, cache_set, directory_version
from .panels import register_home_panel
from .rules import viewer_class
from .selectors import community_figures, profile_has_terms
from .suggestions import suggestions_for

HOME_SUGGESTIONS = 4


def community_figures_cached(*, user) -> dict:
    cls = viewer_class(user)
    key = None
    if cache_seconds() > 0 and cls is not None:
        key = f"members:home:figures:{directory_version()}:{cls}"
    figures = cache_get(key)
    if figures is None:
        figures = community_figures(user=user)
        cache_set(key, figures)
    return figures


def _community(request) -> dict:
    return {"figures": community_figures_cached(user=request.user)}


def _suggestions(request) -> dict | None:
    if not request.user.is_authenticated:
        return None
    suggestions = suggestions_for(user=request.user, limit=HOME_SUGGESTIONS)
    ctx = {"suggestions": suggestions}
    if not suggestions:
        # The empty panel asks for offers and seeks only from someone who gave none.
        ctx["has_terms"] = profile_has_terms(user=request.user)
    return ctx


register_home_panel(order=5, template="members/_home_suggestions.html", context=_suggestions)
register_home_panel(order=10, template="members/_home_community.html", context=_community)
