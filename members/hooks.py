"""Explicit hooks: what the other apps do when an account signs in, confirms an address, or
is deleted — each in a stated order.

`members` owns accounts and never imports the apps above it, yet deleting an account must
free its seats and stop its reminders (events) before the account goes, and confirming an
email address must give a former guest their registrations. Each app registers its steps in
its `AppConfig.ready()`; members runs them in `order` (then name):

- `account_delete` — run by `members.services.account_delete` (the one way an account is
  deleted, the admin's delete included), inside its transaction, before the user row goes:
    10 events.reminders       reminders still to come for their confirmed seats are written
                              as cancelled (no sweep may send one to the address later)
    20 events.registrations   upcoming seats are cancelled; the waitlist moves up (emails)
    30 collaborations.participants   their rows in collaborations are marked a former
                              member's (kept as they were: not a party staff must verify);
                              a collaboration they left unanswered is declined (it could
                              never be confirmed)
    90 messaging.outbox       messages not yet sent to this person are cancelled
  then the user row is deleted: what others keep (past registrations, collaborations, sent
  messages) is SET_NULL with a name snapshot; what is only theirs (profile, memberships,
  speed-networking seats, requests and meetings, calendar token) is deleted with it.
- `signed_in` — run by `members.signals.signed_in` for every login (allauth's and the
  admin's both send Django's `user_logged_in`):
    10 members.unhide_imported    people imported by staff, and accounts that signed
                                  themselves up (hidden by `members.signals.signed_up`),
                                  become visible at first login
- `email_confirmed` — run by `members.signals.address_confirmed` (allauth's
  `email_confirmed`):
    10 events.claim_guest_registrations   seats booked as a guest with that address join
                                          the account

Framework signals are received in one place (members/signals.py) and turned into these
ordered steps; signals stay for cache and search invalidation only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    order: int
    name: str
    run: Callable


_steps: dict[str, dict[str, Step]] = {"account_delete": {}, "signed_in": {}, "email_confirmed": {}}


def _register(moment: str, *, order: int, name: str, run: Callable) -> None:
    _steps[moment][name] = Step(order=order, name=name, run=run)


def steps_for(moment: str) -> list[Step]:
    return sorted(_steps[moment].values(), key=lambda s: (s.order, s.name))


def register_account_delete_step(*, order: int, name: str, run: Callable) -> None:
    """Run `run(user=...)` when an account is deleted, after steps of a lower `order`."""
    _register("account_delete", order=order, name=name, run=run)


def register_signed_in_step(*, order: int, name: str, run: Callable) -> None:
    """Run `run(user=..., request=...)` after every login."""
    _register("signed_in", order=order, name=name, run=run)


def register_email_confirmed_step(*, order: int, name: str, run: Callable) -> None:
    """Run `run(user=..., email=...)` when a member confirms an email address."""
    _register("email_confirmed", order=order, name=name, run=run)


def account_delete_steps() -> list[Step]:
    return steps_for("account_delete")


def run_signed_in(*, user, request) -> None:
    for step in steps_for("signed_in"):
        step.run(user=user, request=request)


def run_email_confirmed(*, user, email: str) -> None:
    for step in steps_for("email_confirmed"):
        step.run(user=user, email=email)
