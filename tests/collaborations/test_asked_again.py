"""After an edit, the others are asked to confirm again in words that fit: the editor is
named (as the page names them to the reader), never "<author> logged it with you"."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from betacowork.messaging.models import Outbox
from collaborations.models import Participant
from collaborations.services import ParticipantSpec, collaboration_update
from members.models import Visibility
from tests.factories import UserFactory

from .conftest import log, set_visibility

pytestmark = pytest.mark.django_db

AGAIN = "collaborations.collaboration_changed"


@pytest.fixture
def lina(db):
    return UserFactory(name="Lina Hendrickx")


@pytest.fixture
def simon(db):
    return UserFactory(name="Simon Peeters")


def asked_again(user) -> Outbox:
    return Outbox.objects.get(kind=AGAIN, recipient=user)


def test_a_participants_edit_names_them_not_the_author(member, lina, simon):
    collab = log(member, lina, simon, confirm=True, title="Website redesign", value_eur=100)
    collaboration_update(collaboration=collab, actor=lina, value_eur=Decimal("500"))

    for user in (simon, member):  # the other party, and the author
        mail = asked_again(user)
        assert mail.subject == (
            "Lina Hendrickx changed a collaboration you are part of: Website redesign"
        )
        assert "Lina Hendrickx changed the collaboration “Website redesign”" in mail.body_text
        assert "Changed: value (€)" in mail.body_text
        assert "confirm it again" in mail.body_text
        assert "logged" not in mail.subject + mail.body_text
    assert not Outbox.objects.filter(recipient=lina, kind=AGAIN).exists()


def test_the_author_is_never_told_they_logged_it_with_themselves(member, other_member):
    cecil = UserFactory(name="Cécil Schmitt")
    collab = log(cecil, member, other_member, confirm=True)
    collaboration_update(collaboration=collab, actor=member, value_eur=Decimal("900"))
    mail = asked_again(cecil)
    assert mail.subject.startswith("Katia Xenophontos changed a collaboration you are part of")
    assert "Cécil Schmitt" not in mail.subject + mail.body_text


def test_a_hidden_editor_is_a_member_in_the_readers_language(member, other_member):
    other_member.preferred_language = "fr"
    other_member.save(update_fields=["preferred_language"])
    collab = log(member, other_member, confirm=True)
    set_visibility(member, Visibility.HIDDEN)
    collaboration_update(collaboration=collab, actor=member, value_eur=Decimal("900"))
    mail = asked_again(other_member)
    assert mail.language == "fr"
    assert "Katia" not in mail.subject + mail.body_text
    with translation.override("fr"):
        someone = translation.gettext("a member")
    assert mail.subject.startswith(someone[0].upper() + someone[1:])


def test_a_party_added_by_an_edit_is_told_who_added_them(member, other_member, third_member):
    collab = log(member, other_member, confirm=True)
    kept = collab.participants.get(user=other_member)
    collaboration_update(
        collaboration=collab,
        actor=member,
        participants=[
            ParticipantSpec(role=kept.role, user=other_member),
            ParticipantSpec(role=Participant.Role.PARTNER, user=third_member),
        ],
    )
    added = asked_again(third_member)
    assert added.subject == "Katia Xenophontos added you to a collaboration: Website redesign"
    assert "added you to “Website redesign” on Betacowork, as partner" in added.body_text
    changed = asked_again(other_member)
    assert "Changed: participants" in changed.body_text


def test_the_first_request_is_as_it_was(member, other_member):
    log(member, other_member, title="Website redesign")
    mail = Outbox.objects.get(recipient=other_member)
    assert mail.kind == "collaborations.collaboration_request"
    assert mail.subject == "Katia Xenophontos logged a collaboration with you: Website redesign"
