"""The members app's panel on the home page."""

from .panels import register_home_panel
from .selectors import community_figures


def _community(request) -> dict:
    return {"figures": community_figures()}


register_home_panel(order=10, template="members/_home_community.html", context=_community)
