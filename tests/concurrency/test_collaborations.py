"""The collaboration ledger meeting a deletion or another answer at the same moment: the
dashboard's tallies stay equal to a recount, nobody gets a database error (a 500).

Where the race needs one request to be at a given step when the other arrives, the test holds
it there (a test-only pause inside its transaction, locks held, as a slow request would):
then the interleaving is the same on every run instead of once in a while.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError

from collaborations.models import Collaboration, Participant
from collaborations.services import (
    collaboration_update,
    confirmations,
    participant_confirm,
    participant_decline,
)
from members import hooks
from members.models import User
from members.services import account_delete
from tests.collaborations.conftest import attend, log, make_past_event
from tests.collaborations.test_summary_concurrency import _maintained_equals_recount
from tests.factories import UserFactory

from .conftest import PG_RACE, together

pytestmark = PG_RACE

HOLD = 0.5  # seconds a request is held at its step, locks kept


@pytest.fixture
def answered_and_held(monkeypatch):
    """An answer (confirm/decline) held after it changed the status, before it commits;
    the returned event is set once it is there."""
    there = threading.Event()
    original = confirmations.status_recompute

    def slow(collab, **kwargs):
        original(collab, **kwargs)
        there.set()
        time.sleep(HOLD)

    monkeypatch.setattr(confirmations, "status_recompute", slow)
    return there


@pytest.fixture
def deletion_held_after_step_30(monkeypatch):
    """An account deletion held just after the collaborations step (order 30), before the
    user row goes; the returned event is set once it is there."""
    there = threading.Event()

    def pause(*, user):
        there.set()
        time.sleep(HOLD)

    step = hooks.Step(order=31, name="tests.pause", run=pause)
    monkeypatch.setitem(hooks._steps["account_delete"], "tests.pause", step)
    return there


def _after(event: threading.Event, call):
    def run():
        event.wait(timeout=3)
        return call()

    return run


def test_an_event_deleted_while_its_collaboration_is_confirmed_keeps_the_tallies(
    answered_and_held,
):
    author, other = UserFactory.create_batch(2)
    event = make_past_event(title="Betacooks")
    attend(event, author)
    attend(event, other)
    collab = log(author, other, origin_type="event", origin_event=event, value_eur=1000)
    pending = collab.participants.get(user=other)

    _results, errors = together(
        lambda: participant_confirm(participant=pending, user=other),
        _after(answered_and_held, event.delete),  # staff delete the event in the admin
    )

    assert errors == []
    collab.refresh_from_db()
    assert collab.is_confirmed
    assert collab.origin_event_id is None
    assert _maintained_equals_recount()


def test_an_author_deleting_their_account_while_the_other_party_confirms(answered_and_held):
    author, other = UserFactory.create_batch(2)
    collab = log(author, other, value_eur=500)
    pending = collab.participants.get(user=other)

    _results, errors = together(
        lambda: participant_confirm(participant=pending, user=other),
        _after(answered_and_held, lambda: account_delete(user=author)),
    )

    assert errors == []
    assert not User.objects.filter(pk=author.pk).exists()
    collab.refresh_from_db()
    assert collab.is_confirmed
    assert _maintained_equals_recount()


def test_withdrawing_in_one_tab_while_deleting_the_account_in_another(
    deletion_held_after_step_30,
):
    """The author declines their collaboration (asked again after the other party's edit: an
    author never withdraws the confirmation logging it gave, `rules.may_decline`) while their
    account is being deleted: the deletion wins, the decline is refused with a clear message
    — never a deadlock."""
    author, other = UserFactory.create_batch(2)
    collab = log(author, other, confirm=True, value_eur=100)
    collaboration_update(collaboration=collab, actor=other, value_eur=200)
    mine = collab.participants.get(user=author)

    _results, errors = together(
        lambda: account_delete(user=author),
        _after(
            deletion_held_after_step_30,
            lambda: participant_decline(participant=mine, user=author),
        ),
    )

    assert not [e for e in errors if isinstance(e, DatabaseError)], errors
    assert [type(e) for e in errors] in ([], [PermissionDenied])
    assert not User.objects.filter(pk=author.pk).exists()
    assert Participant.objects.get(pk=mine.pk).former_member
    assert _maintained_equals_recount()


def test_a_member_confirming_while_deleting_their_account():
    author, other = UserFactory.create_batch(2)
    for _ in range(3):  # a race shows up only sometimes: try a few times
        collab = log(author, other, value_eur=100)
        pending = collab.participants.get(user=other)
        _results, errors = together(
            lambda p=pending, u=other: participant_confirm(participant=p, user=u),
            lambda u=other: account_delete(user=u),
        )
        assert not [e for e in errors if isinstance(e, DatabaseError)], errors
        assert _maintained_equals_recount()
        other = UserFactory()


def test_confirm_and_decline_by_two_parties_at_once():
    author, a, b = UserFactory.create_batch(3)
    for _ in range(3):
        collab = log(author, a, b, kind="hire")
        pa, pb = (collab.participants.get(user=u) for u in (a, b))
        _results, errors = together(
            lambda p=pa: participant_confirm(participant=p, user=a),
            lambda p=pb: participant_decline(participant=p, user=b),
        )
        assert errors == []
        collab.refresh_from_db()
        assert collab.status == Collaboration.Status.DECLINED
        assert _maintained_equals_recount()


def test_a_confirmation_meeting_an_edit_of_the_value():
    """The other party confirms the version they saw while the author changes its value:
    either the confirmation came first and the edit asks them again, or it is refused as
    stale — the collaboration is never confirmed at a value they did not see."""
    author, other = UserFactory.create_batch(2)
    for _ in range(3):
        collab = log(author, other, value_eur=100)
        pending = collab.participants.get(user=other)
        seen = collab.revision
        _results, errors = together(
            lambda p=pending, r=seen: participant_confirm(participant=p, user=other, revision=r),
            lambda c=collab: collaboration_update(collaboration=c, actor=author, value_eur=900),
        )
        assert all(isinstance(e, ValidationError) for e in errors), errors
        collab.refresh_from_db()
        assert collab.value_eur == 900
        assert collab.status == Collaboration.Status.PROPOSED
        assert collab.participants.get(user=other).state == Participant.State.PENDING
        assert _maintained_equals_recount()
