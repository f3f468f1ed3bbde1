"""Explicit hooks: what the other apps do when an account is deleted, in a stated order.

`members` never imports the apps above it, yet deleting an account must free its seats and
stop its reminders (events) before the account goes. Each app registers its steps in its
`AppConfig.ready()`; `members.services.account_delete` — the one way an account is
deleted, the admin's delete included — runs them in `order`, inside its transaction, before
deleting the user row. Signals stay for cache and search invalidation only.

Today's steps, in order (see `account_delete_steps()`):
  10 events.reminders       reminders still to come for their confirmed seats are written
                            as cancelled (no sweep may send one to the address later)
  20 events.registrations   upcoming seats are cancelled; the waitlist moves up (emails)
  90 members.outbox         messages not yet sent to this person are cancelled
then the user row is deleted: what others keep (past registrations, collaborations, sent
messages) is SET_NULL with a name snapshot; what is only theirs (profile, memberships,
speed-networking seats, requests and meetings, calendar token) is deleted with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    order: int
    name: str
    run: Callable  # (*, user) -> None


_account_delete: dict[str, Step] = {}


def register_account_delete_step(*, order: int, name: str, run: Callable) -> None:
    """Run `run(user=...)` when an account is deleted, after steps of a lower `order`."""
    _account_delete[name] = Step(order=order, name=name, run=run)


def account_delete_steps() -> list[Step]:
    return sorted(_account_delete.values(), key=lambda s: (s.order, s.name))
