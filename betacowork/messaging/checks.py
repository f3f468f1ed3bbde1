"""Delivery checks: is a written message still worth sending? Run just before sending.

Two questions, asked of a whole batch at once:
- the recipient's: an account made inactive, or a member who turned off the preference
  that governs the row's kind, gets nothing (an unsubscribe after writing still counts);
- the kind's: `MessageKind.obsolete_reasons(rows)` in the registry (a cancelled seat, a
  moved or past event…). The registry is the one place that knows the kinds: this module
  names none of them.

`obsolete_reasons(rows)` → {row id: why it must not go}; rows not named are sent.
"""

from __future__ import annotations

from collections import defaultdict

from .kinds import kind_for, preference_of
from .models import Outbox
from .preferences import wants_email


def obsolete_reasons(rows: list[Outbox]) -> dict[int, str]:
    reasons: dict[int, str] = {}
    by_kind: dict[str, list[Outbox]] = defaultdict(list)
    for row in rows:
        by_kind[row.kind].append(row)
        preference = preference_of(row.kind)
        recipient = row.recipient
        if recipient is None or preference is None:
            continue
        if not recipient.is_active:
            reasons[row.pk] = "Recipient account is inactive."
        elif not wants_email(recipient, preference):
            reasons[row.pk] = "Recipient unsubscribed from this kind of message."
    for key, kind_rows in by_kind.items():
        kind = kind_for(key)
        todo = [r for r in kind_rows if r.pk not in reasons]
        if kind is not None and todo:
            reasons.update(kind.obsolete_reasons(todo))
    return reasons
