"""Every state change of events and registrations, each in one transaction.

Registration correctness: `event_register` and `registration_cancel` lock the event row
(`select_for_update`) before counting confirmed seats, so concurrent requests queue on that
row and exactly `capacity` people end up confirmed. On SQLite `select_for_update` is a no-op,
but the settings open IMMEDIATE transactions, which take the database write lock at BEGIN and
so serialise writers just the same.

Emails caused by a change are outbox rows written in the same transaction (betacowork.messaging),
so a rolled-back change never sends anything and a committed one is never forgotten.
Every message about an event uses the topic ``event:<pk>``.

The services are split by concern and re-exported here (callers keep writing
`from events import services`): `common` (helpers), `registration` (the seat queue, the
waitlist), `cancellation` (cancelling, the waitlist moving up), `checkin` (the door),
`creation` (create, duplicate), `lifecycle` (publish, edit, cancel), `status` (which status
an event may take), `series`, `calendar`.
"""

from .calendar import (  # noqa: F401
    calendar_token_create,
    calendar_token_regenerate,
)
from .cancellation import (  # noqa: F401
    _promote_waitlisted,
    registration_cancel,
)
from .checkin import (  # noqa: F401
    registration_check_in,
    registration_check_in_undo,
)
from .common import (  # noqa: F401
    GUEST_CANCEL_SALT,
    LANGUAGES,
    SCHEDULE_FIELDS,
    TZ,
    _ics_attachment,
    _registration_message,
    absolute_url,
    event_topic,
    guest_cancel_token,
    guest_cancel_url,
    registration_from_token,
    registration_language,
    waitlist_position,
    waitlist_positions,
)
from .creation import (  # noqa: F401
    EVENT_CREATE_FIELDS,
    EVENT_UPDATE_FIELDS,
    SERIES_FIELDS,
    _whitelisted,
    event_create,
    event_default_end,
    event_duplicate,
    event_unique_slug,
)
from .lifecycle import (  # noqa: F401
    _notify_cancelled,
    event_announce,
    event_cancel,
    event_move_check,
    event_publish,
    event_update,
    window_follow_start,
    window_moved_note,
)
from .registration import (  # noqa: F401
    LOCKED_FIELDS,
    REGISTRATION_LOCK_ENABLED,
    REGISTRATION_RACE_PAUSE_SECONDS,
    _lock_event,
    _lock_event_lean,
    event_register,
    registration_refusal,
    registrations_claim_for_user,
)
from .series import (  # noqa: F401
    SeriesResult,
    series_generate,
    series_generate_all,
    series_occurrence_times,
    series_rule,
    series_save,
)
from .series_follow import SeriesFollowed, series_follow  # noqa: F401
from .status import (  # noqa: F401
    draft_never_held,
    event_status_check,
)
