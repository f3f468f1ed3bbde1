"""Reads of the collaboration ledger, by concern: `ledger` (lists, pages, panels),
`dashboard` (the micro-economy dashboard, from the running tallies) and `graph` (its network).
"""

from .dashboard import (
    DASHBOARD_VERSION_KEY,
    TOP_LIMIT,
    Figure,
    dashboard_cache_key,
    dashboard_cache_seconds,
    dashboard_compute,
    dashboard_data,
)
from .graph import GRAPH_NODE_LIMIT, dashboard_graph
from .ledger import (
    MEMBER,
    PUBLIC,
    audience_of,
    collaboration_detail_queryset,
    collaboration_list,
    collaboration_years,
    collaborations_of_company,
    collaborations_of_user,
    collaborations_started_at_count,
    events_attended_by,
    follow_up_invitations,
    my_collaborations,
    participants_prefetch,
    pending_confirmations,
    visible_profiles,
)

__all__ = [
    "DASHBOARD_VERSION_KEY",
    "GRAPH_NODE_LIMIT",
    "MEMBER",
    "PUBLIC",
    "TOP_LIMIT",
    "Figure",
    "audience_of",
    "collaboration_detail_queryset",
    "collaboration_list",
    "collaboration_years",
    "collaborations_of_company",
    "collaborations_of_user",
    "collaborations_started_at_count",
    "dashboard_cache_key",
    "dashboard_cache_seconds",
    "dashboard_compute",
    "dashboard_data",
    "dashboard_graph",
    "events_attended_by",
    "follow_up_invitations",
    "my_collaborations",
    "participants_prefetch",
    "pending_confirmations",
    "visible_profiles",
]
