"""The author withdraws a collaboration logged by mistake while no other party has confirmed
it: it is deleted, leaves everyone's pending lists and is asked of nobody any more. Once
another party confirmed a version of it, it is the ledger's: edited, never withdrawn."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_send_due
from collaborations.models import Collaboration
from collaborations.selectors import MEMBER, dashboard_compute, pending_confirmations
from collaborations.services import collaboration_update, participant_confirm, participant_decline
from tests.factories import UserFactory

from .conftest import log

pytestmark = pytest.mark.django_db


@pytest.fixture
def cecil(db):
    return UserFactory(name="Cécil Schmitt")


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _withdraw_form(page: str, collab) -> str | None:
    url = reverse("collaborations:withdraw", args=[collab.pk])
    found = re.search(rf'<form[^>]*action="{url}"[^>]*>', page)
    return found.group(0) if found else None


def test_the_author_withdraws_what_nobody_confirmed(client, member, cecil, mailoutbox):
    collab = log(member, cecil, title="Logged by mistake")
    client.force_login(member)
    page = client.get(collab.get_absolute_url()).content.decode()
    form = _withdraw_form(page, collab)
    assert form is not None
    assert "data-confirm=" in form

    response = client.post(reverse("collaborations:withdraw", args=[collab.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("collaborations:mine")
    assert "Withdrawn" in _text(response)
    assert "Logged by mistake" not in _text(response)
    assert not Collaboration.objects.filter(pk=collab.pk).exists()
    assert list(pending_confirmations(user=cecil)) == []
    client.force_login(cecil)
    assert "Logged by mistake" not in client.get("/").content.decode()
    # The request written when it was logged is not sent any more.
    assert outbox_send_due() == 0
    assert mailoutbox == []
    assert Outbox.objects.get(recipient=cecil).status != "sent"
    assert dashboard_compute(MEMBER)["total"] == 0


def test_a_declined_one_nobody_confirmed_can_be_withdrawn(client, member, cecil):
    collab = log(member, cecil)
    participant_decline(participant=collab.participants.get(user=cecil), user=cecil)
    client.force_login(member)
    assert _withdraw_form(client.get(collab.get_absolute_url()).content.decode(), collab)
    client.post(reverse("collaborations:withdraw", args=[collab.pk]))
    assert not Collaboration.objects.filter(pk=collab.pk).exists()


def test_once_another_party_confirmed_it_cannot_be_withdrawn(client, member, cecil, other_member):
    collab = log(member, cecil, other_member)
    client.force_login(member)
    page = client.get(collab.get_absolute_url()).content.decode()  # opened before Stan confirms
    assert _withdraw_form(page, collab)
    participant_confirm(participant=collab.participants.get(user=other_member), user=other_member)

    assert _withdraw_form(client.get(collab.get_absolute_url()).content.decode(), collab) is None
    response = client.post(reverse("collaborations:withdraw", args=[collab.pk]))

    assert response.status_code == 409
    assert "can no longer be withdrawn" in _text(response)
    assert Collaboration.objects.filter(pk=collab.pk).exists()


def test_confirmed_once_and_asked_again_it_cannot_be_withdrawn(client, member, cecil):
    collab = log(member, cecil, confirm=True, value_eur=Decimal("100"))
    collaboration_update(collaboration=collab, actor=member, value_eur=Decimal("200"))
    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.PROPOSED
    client.force_login(member)
    assert _withdraw_form(client.get(collab.get_absolute_url()).content.decode(), collab) is None
    assert client.post(reverse("collaborations:withdraw", args=[collab.pk])).status_code == 409
    assert Collaboration.objects.filter(pk=collab.pk).exists()


def test_only_its_author_withdraws_it(client, member, cecil, other_member):
    collab = log(member, cecil)
    url = reverse("collaborations:withdraw", args=[collab.pk])
    assert client.post(url).status_code == 302  # anonymous: to the login page
    client.force_login(cecil)
    assert _withdraw_form(client.get(collab.get_absolute_url()).content.decode(), collab) is None
    assert client.post(url).status_code == 403
    client.force_login(other_member)  # not a party: it is not found
    assert client.post(url).status_code == 404
    assert client.get(url).status_code == 405
    assert Collaboration.objects.filter(pk=collab.pk).exists()


def test_a_confirmation_sent_as_its_author_withdraws_it_says_there_is_nothing_to_answer(
    client, member, cecil, monkeypatch
):
    """Review: the confirmation read its participation, then waited for the lock the author's
    withdrawal held; the collaboration gone, its read under the lock was a 500."""
    from collaborations.services import collaboration_withdraw
    from collaborations.views import answers

    collab = log(member, cecil)
    participant = collab.participants.get(user=cecil)

    def withdrawn_first(**kwargs):  # the author's withdrawal commits first
        collaboration_withdraw(collaboration=collab, actor=member)
        return participant_confirm(**kwargs)

    monkeypatch.setattr(answers.ParticipantConfirmView, "service", staticmethod(withdrawn_first))
    client.force_login(cecil)
    response = client.post(
        reverse("collaborations:confirm", args=[participant.pk]),
        {"collaboration": collab.pk, "revision": collab.revision},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("collaborations:mine")
    assert not Collaboration.objects.filter(pk=collab.pk).exists()
    page = client.get(response["Location"]).content.decode()
    assert "no longer lists you as a party" in page
