"""A decline is final for the version it answered, and the author does not withdraw: what a
party sees when a page opened before (or a hand-made request) tries otherwise."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from collaborations.models import Collaboration, Participant
from collaborations.selectors import MEMBER, dashboard_compute
from collaborations.services import collaboration_update

from .conftest import log

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    html = response.content.decode()
    main = html.split("<main", 1)[-1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def _counted() -> int:
    return dashboard_compute(MEMBER)["total"]


def test_a_withdrawal_is_not_undone_by_sending_an_older_confirm_form_again(
    client, member, other_member
):
    """Léa withdraws from a confirmed collaboration, then goes Back and sends the Confirm
    form of the page she had before: she is told her decline is final, nothing changes, and
    the dashboard does not count it again. Once Katia edits it, Léa is asked again and may
    confirm the new version."""
    collab = log(member, other_member, confirm=True, value_eur=Decimal("500"))
    row = collab.participants.get(user=other_member)
    client.force_login(other_member)
    assert _counted() == 1
    sent = {"collaboration": str(collab.pk), "revision": str(collab.revision)}
    client.post(reverse("collaborations:decline", args=[row.pk]), {"collaboration": collab.pk})
    assert _counted() == 0

    response = client.post(reverse("collaborations:confirm", args=[row.pk]), sent)

    assert response.status_code == 409
    text = _text(response)
    assert "You declined this collaboration, and that answer is final" in text
    assert "Thank you" not in text
    row.refresh_from_db()
    collab.refresh_from_db()
    assert row.state == Participant.State.DECLINED
    assert collab.status == Collaboration.Status.DECLINED
    assert _counted() == 0

    # An edit asks her again: the new version's page confirms, and it counts again.
    collaboration_update(collaboration=collab, actor=member, value_eur=Decimal("600"))
    collab.refresh_from_db()
    response = client.post(
        reverse("collaborations:confirm", args=[row.pk]),
        {"collaboration": str(collab.pk), "revision": str(collab.revision)},
        follow=True,
    )
    assert "Thank you: you confirmed this collaboration." in _text(response)
    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.CONFIRMED
    assert _counted() == 1


def test_one_who_declined_before_answering_cannot_confirm_either(client, member, other_member):
    collab = log(member, other_member)
    row = collab.participants.get(user=other_member)
    client.force_login(other_member)
    sent = {"collaboration": str(collab.pk), "revision": str(collab.revision)}
    client.post(reverse("collaborations:decline", args=[row.pk]), {"collaboration": collab.pk})

    response = client.post(reverse("collaborations:confirm", args=[row.pk]), sent)

    assert response.status_code == 409
    row.refresh_from_db()
    assert row.state == Participant.State.DECLINED


def test_the_author_is_neither_offered_nor_allowed_a_withdrawal(client, member, other_member):
    """Katia logged it (her confirmation): her page offers no Withdraw button, and the decline
    sent by hand is refused with why, nothing changed — while Léa, who confirmed it, may."""
    collab = log(member, other_member, confirm=True)
    mine = collab.participants.get(user=member)
    client.force_login(member)
    action = reverse("collaborations:decline", args=[mine.pk])
    assert f'action="{action}"' not in client.get(collab.get_absolute_url()).content.decode()

    response = client.post(action, {"collaboration": collab.pk})

    assert response.status_code == 403
    assert "You logged this collaboration: you cannot withdraw from it." in _text(response)
    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.CONFIRMED
    assert _counted() == 1

    theirs = collab.participants.get(user=other_member)
    client.force_login(other_member)
    action = reverse("collaborations:decline", args=[theirs.pk])
    assert f'action="{action}"' in client.get(collab.get_absolute_url()).content.decode()
    assert client.post(action, {"collaboration": collab.pk}).status_code == 302
    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.DECLINED


def test_the_author_asked_again_after_another_partys_edit_may_decline(client, member, other_member):
    """Léa changed the value of a confirmed collaboration: Katia, its author, is asked about
    the new version like anyone, and her page's Decline button declines it."""
    collab = log(member, other_member, confirm=True, value_eur=Decimal("500"))
    collaboration_update(collaboration=collab, actor=other_member, value_eur=Decimal("5000"))
    mine = collab.participants.get(user=member)
    client.force_login(member)
    action = reverse("collaborations:decline", args=[mine.pk])
    assert f'action="{action}"' in client.get(collab.get_absolute_url()).content.decode()

    assert client.post(action, {"collaboration": collab.pk}).status_code == 302

    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.DECLINED
