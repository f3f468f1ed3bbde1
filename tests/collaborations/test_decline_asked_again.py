"""An author's edit of a declined collaboration asks again who declined it, whatever it
changed (a decline is final for the version it answered, not for the next one); those who
confirmed keep their answer unless the change asks everybody again. Declining asks first."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from betacowork.messaging.models import Outbox
from collaborations.models import Collaboration, CollaborationHistory, Participant
from collaborations.services import participant_confirm, participant_decline
from members.services import account_delete
from tests.factories import UserFactory

from .conftest import form_as_sent, log

pytestmark = pytest.mark.django_db

AGAIN = "collaborations.collaboration_changed"


@pytest.fixture
def cecil(db):
    return UserFactory(name="Cécil Schmitt")


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _edit(client, collab, **changes):
    url = reverse("collaborations:update", args=[collab.pk])
    page = client.get(url).content.decode()
    return client.post(url, form_as_sent(page, **changes), follow=True)


def test_correcting_the_title_asks_the_decliner_again(client, member, cecil):
    collab = log(member, cecil, title="Website")
    participant_decline(participant=collab.participants.get(user=cecil), user=cecil)
    client.force_login(member)

    response = _edit(client, collab, title="Website redesign")

    assert "Those who declined it are asked to confirm it again" in _text(response)
    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.PROPOSED
    assert collab.revision == 2
    assert collab.history.latest("pk").action == CollaborationHistory.Action.STATUS
    row = collab.participants.get(user=cecil)
    assert row.state == Participant.State.PENDING
    mail = Outbox.objects.get(kind=AGAIN, recipient=cecil)
    assert "Changed: title" in mail.body_text

    client.force_login(cecil)
    page = client.get(collab.get_absolute_url()).content.decode()
    assert reverse("collaborations:confirm", args=[row.pk]) in page
    participant_confirm(participant=row, user=cecil, revision=collab.revision)
    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.CONFIRMED


def test_who_confirmed_keeps_their_answer_when_only_the_title_changed(
    client, member, cecil, other_member
):
    collab = log(member, cecil, other_member)
    participant_confirm(participant=collab.participants.get(user=other_member), user=other_member)
    participant_decline(participant=collab.participants.get(user=cecil), user=cecil)
    client.force_login(member)

    _edit(client, collab, title="Website, corrected")

    states = dict(collab.participants.values_list("user__name", "state"))
    assert states == {
        "Katia Xenophontos": "confirmed",
        "Stan Jagiello": "confirmed",
        "Cécil Schmitt": "pending",
    }
    assert not Outbox.objects.filter(kind=AGAIN, recipient=other_member).exists()
    participant_confirm(participant=collab.participants.get(user=cecil), user=cecil)
    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.CONFIRMED


def test_an_edit_asks_nobody_when_nobody_can_answer(client, member, cecil):
    """Declined because a participant left before answering: asking the others again would
    not make it count (the page says to remove them); the title is saved, as it was."""
    collab = log(member, cecil, title="Website")
    account_delete(user=cecil)
    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.DECLINED
    client.force_login(member)

    response = _edit(client, collab, title="Website redesign")

    assert "Saved." in _text(response)
    collab.refresh_from_db()
    assert (collab.title, collab.revision) == ("Website redesign", 1)
    assert collab.status == Collaboration.Status.DECLINED


def test_decline_asks_first_as_withdraw_does(client, member, cecil):
    collab = log(member, cecil)
    row = collab.participants.get(user=cecil)
    client.force_login(cecil)
    page = client.get(collab.get_absolute_url()).content.decode()
    decline = reverse("collaborations:decline", args=[row.pk])
    form = re.search(rf'<form[^>]*action="{decline}"[^>]*>', page).group(0)
    assert "data-confirm=" in form
