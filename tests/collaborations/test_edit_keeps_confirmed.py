"""An edit does not remove a member who confirmed the collaboration (rules.may_remove), and
only a member still in it is offered its Edit form (rules.may_edit)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from betacowork.messaging.models import Outbox
from collaborations.models import Collaboration, Participant
from collaborations.services import ParticipantSpec, collaboration_update, participant_confirm

from .conftest import form_as_sent, log

pytestmark = pytest.mark.django_db


def _row_of(page: str, name: str) -> str:
    """The formset row ("participants-N") whose member field shows `name`."""
    return next(k.removesuffix("-member") for k, v in form_as_sent(page).items() if v == name)


def _field_error(response, row: str) -> str:
    html = response.content.decode()
    return html.split(f'id="id_{row}-member_error"', 1)[1].split("</ul>", 1)[0]


def test_a_participant_cannot_remove_the_author_by_editing(
    client, member, other_member, third_member
):
    """QA: Stan confirmed Katia's collaboration, then saved its form with Katia's row blanked:
    she was removed without being told, then offered an Edit form that refused her. Now the
    form says why on her row and nothing changes; Stan's other edits still save."""
    collab = log(member, other_member, third_member, confirm=True)
    url = reverse("collaborations:update", args=[collab.pk])
    client.force_login(other_member)
    page = client.get(url).content.decode()
    row = _row_of(page, "Katia Xenophontos")
    mails = Outbox.objects.count()

    response = client.post(url, form_as_sent(page, **{f"{row}-member": "", f"{row}-role": ""}))

    assert response.status_code == 400
    assert (
        "Katia Xenophontos confirmed this collaboration: an edit cannot remove them."
        in _field_error(response, row)
    )
    collab.refresh_from_db()
    assert collab.participants.filter(user=member).exists()
    assert collab.status == Collaboration.Status.CONFIRMED
    assert collab.revision == 1
    assert Outbox.objects.count() == mails

    response = client.post(url, form_as_sent(page, title="Website redesign, phase 2"))
    assert response.status_code == 302, response.content.decode()[:2000]
    collab.refresh_from_db()
    assert collab.title == "Website redesign, phase 2"


def test_the_author_removes_who_has_not_answered_not_who_confirmed(
    client, member, other_member, third_member
):
    """Katia picked Jérémie by mistake: she may take him off while he has not answered — not
    Stan, who confirmed."""
    collab = log(member, other_member, third_member)
    stan = collab.participants.get(user=other_member)
    participant_confirm(participant=stan, user=other_member)
    url = reverse("collaborations:update", args=[collab.pk])
    client.force_login(member)
    page = client.get(url).content.decode()

    row = _row_of(page, "Stan Jagiello")
    response = client.post(url, form_as_sent(page, **{f"{row}-member": "", f"{row}-role": ""}))
    assert response.status_code == 400
    assert "Stan Jagiello confirmed this collaboration" in _field_error(response, row)
    assert collab.participants.filter(user=other_member).exists()

    row = _row_of(page, "Jérémie Marti")
    response = client.post(url, form_as_sent(page, **{f"{row}-member": "", f"{row}-role": ""}))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not collab.participants.filter(user=third_member).exists()


def test_an_author_no_longer_in_it_is_offered_no_edit_form(client, member, other_member):
    """A collaboration whose author's row an earlier edit removed (before this rule): the page
    shows her no Edit link and the form is refused, as its saving would be — while a member
    still in it is offered both."""
    collab = log(member, other_member)
    edit = reverse("collaborations:update", args=[collab.pk])
    client.force_login(member)
    assert f'href="{edit}"' in client.get(collab.get_absolute_url()).content.decode()
    assert client.get(edit).status_code == 200

    Participant.objects.filter(collaboration=collab, user=member).delete()

    assert f'href="{edit}"' not in client.get(collab.get_absolute_url()).content.decode()
    assert client.get(edit).status_code == 403


def test_the_service_refuses_removing_who_confirmed(member, other_member, third_member):
    """The rule holds under the lock too (a form checked before they confirmed, a request by
    hand): nothing is changed; one who has not answered is removed."""
    collab = log(member, other_member, third_member)
    participant_confirm(participant=collab.participants.get(user=other_member), user=other_member)
    only = {
        "jérémie": [ParticipantSpec(role=Participant.Role.CLIENT, user=third_member)],
        "stan": [ParticipantSpec(role=Participant.Role.CLIENT, user=other_member)],
    }

    with pytest.raises(ValidationError) as refused:
        collaboration_update(collaboration=collab, actor=member, participants=only["jérémie"])
    assert refused.value.code == "party_kept"
    assert collab.participants.filter(user=other_member).exists()

    collaboration_update(collaboration=collab, actor=member, participants=only["stan"])
    assert not collab.participants.filter(user=third_member).exists()
