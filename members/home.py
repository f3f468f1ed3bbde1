"""The members app's panels on the home page."""

from .panels import register_home_panel
from .selectors import community_figures
from .suggestions import suggestions_for

HOME_SUGGESTIONS = 4


def _community(request) -> dict:
    return {"figures": community_figures(user=request.user)}


def _suggestions(request) -> dict | None:
    if not request.user.is_authenticated:
        return None
    return {"suggestions": suggestions_for(user=request.user, limit=HOME_SUGGESTIONS)}


register_home_panel(order=5, template="members/_home_suggestions.html", context=_suggestions)
register_home_panel(order=10, template="members/_home_community.html", context=_community)
