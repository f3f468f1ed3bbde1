"""Writes of the collaboration ledger. Every state change records a history entry, writes the
emails it causes to the outbox and keeps the dashboard's tallies right, in the same
transaction. By concern: `ledger` (log, edit, withdraw), `confirmations` (confirm, decline,
verify), `followups` (after an event), `summary` (the dashboard's tallies), `snapshot` (its
stored rendering), `validation`, `common`.
"""

from ..selectors.dashboard import DASHBOARD_VERSION_KEY
from .common import (
    RECONFIRM_FIELDS,
    REQUEST_KIND,
    TRACKED_FIELDS,
    place_of,
    site_url,
)
from .confirmations import (
    can_decline,
    collaboration_verify,
    participant_confirm,
    participant_decline,
    participants_keep_for_deleted_user,
)
from .followups import (
    FOLLOW_UP_KIND,
    FOLLOW_UP_WINDOW_DAYS,
    collaboration_follow_up_url,
    event_followups_write,
)
from .ledger import (
    can_edit,
    can_moderate,
    can_withdraw,
    collaboration_create,
    collaboration_update,
    collaboration_withdraw,
    edit_asked_again,
    removals_refused,
    stale_edit_error,
)
from .snapshot import (
    SNAPSHOT_MAX_AGE,
    dashboard_generation_bump,
    dashboard_invalidate,
    dashboard_snapshot_store,
)
from .summary import summary_rebuild, summary_tracking
from .validation import (
    EARLIEST_START,
    MAX_DAYS_AHEAD,
    MAX_PARTICIPANTS,
    ParticipantSpec,
    attended_event_ids,
    own_company_refusal,
    validate_fields,
)

__all__ = [
    "DASHBOARD_VERSION_KEY",
    "EARLIEST_START",
    "FOLLOW_UP_KIND",
    "FOLLOW_UP_WINDOW_DAYS",
    "MAX_DAYS_AHEAD",
    "MAX_PARTICIPANTS",
    "RECONFIRM_FIELDS",
    "REQUEST_KIND",
    "SNAPSHOT_MAX_AGE",
    "TRACKED_FIELDS",
    "ParticipantSpec",
    "attended_event_ids",
    "can_decline",
    "can_edit",
    "can_moderate",
    "can_withdraw",
    "collaboration_create",
    "collaboration_follow_up_url",
    "collaboration_update",
    "collaboration_verify",
    "collaboration_withdraw",
    "dashboard_generation_bump",
    "dashboard_invalidate",
    "dashboard_snapshot_store",
    "edit_asked_again",
    "event_followups_write",
    "own_company_refusal",
    "participant_confirm",
    "participant_decline",
    "participants_keep_for_deleted_user",
    "place_of",
    "removals_refused",
    "site_url",
    "stale_edit_error",
    "summary_rebuild",
    "summary_tracking",
    "validate_fields",
]
