"""Two participants confirming at the same moment: the collaboration ends up confirmed."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections

from collaborations.models import Collaboration
from collaborations.services import participant_confirm
from tests.factories import UserFactory

from .conftest import log

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_confirmations_confirm_the_collaboration():
    author, a, b = UserFactory.create_batch(3)
    for _ in range(3):  # a race shows up only sometimes: try a few times
        collab = log(author, a, b)
        rows = {p.user_id: p for p in collab.participants.filter(user__in=[a, b])}
        barrier = threading.Barrier(2)
        errors = []

        def confirm(user, rows=rows, barrier=barrier, errors=errors):
            try:
                barrier.wait(timeout=10)
                participant_confirm(participant=rows[user.pk], user=user)
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                close_old_connections()

        threads = [threading.Thread(target=confirm, args=(u,)) for u in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert not errors
        collab.refresh_from_db()
        assert collab.status == Collaboration.Status.CONFIRMED
        assert collab.history.filter(action="status").count() == 1
