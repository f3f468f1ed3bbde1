"""The author of a collaboration is told when another party confirms or declines it (or
withdraws their confirmation): once per answer, in the author's language, naming the party
as the page names them to the author; never an author whose account was deleted."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_send_due
from collaborations.services import (
    collaboration_update,
    collaboration_withdraw,
    participant_confirm,
    participant_decline,
)
from members.models import Visibility
from members.services import account_delete
from tests.factories import UserFactory

from .conftest import log, set_visibility

pytestmark = pytest.mark.django_db

ANSWERED = "collaborations.collaboration_answered"


@pytest.fixture
def cecil(db):
    return UserFactory(name="Cécil Schmitt")


def told(user) -> list[Outbox]:
    return list(Outbox.objects.filter(kind=ANSWERED, recipient=user).order_by("pk"))


def test_the_author_is_told_of_a_confirmation_that_makes_it_count(member, cecil):
    collab = log(member, cecil, title="Website")
    row = collab.participants.get(user=cecil)
    participant_confirm(participant=row, user=cecil)
    participant_confirm(participant=row, user=cecil)  # sent twice

    [mail] = told(member)
    assert mail.subject == "Cécil Schmitt confirmed your collaboration: Website"
    assert "Cécil Schmitt confirmed “Website”" in mail.body_text
    assert "Every party has confirmed it: it now counts" in mail.body_text
    assert collab.get_absolute_url() in mail.body_text
    assert told(cecil) == []


def test_the_author_is_told_of_a_decline(member, cecil, other_member):
    collab = log(member, cecil, other_member, title="Website")
    participant_decline(participant=collab.participants.get(user=cecil), user=cecil)

    [mail] = told(member)
    assert mail.subject == "Cécil Schmitt declined your collaboration: Website"
    assert "It will not count" in mail.body_text
    assert "edit it" in mail.body_text


def test_a_withdrawn_confirmation_is_said_so(member, cecil):
    collab = log(member, cecil, confirm=True, title="Website")
    participant_decline(participant=collab.participants.get(user=cecil), user=cecil)
    confirmed, withdrew = told(member)
    assert confirmed.subject == "Cécil Schmitt confirmed your collaboration: Website"
    assert withdrew.subject == "Cécil Schmitt withdrew their confirmation: Website"


def test_told_in_the_authors_language_naming_a_hidden_party_as_a_member(member, cecil):
    member.preferred_language = "fr"
    member.save(update_fields=["preferred_language"])
    set_visibility(cecil, Visibility.HIDDEN)
    collab = log(member, cecil)
    participant_confirm(participant=collab.participants.get(user=cecil), user=cecil)

    [mail] = told(member)
    assert mail.language == "fr"
    assert "Cécil" not in mail.subject + mail.body_text
    with translation.override("fr"):
        someone = translation.gettext("a member")
    assert mail.subject.startswith(someone[0].upper() + someone[1:])


def test_an_author_who_left_is_not_told(member, cecil):
    collab = log(member, cecil)
    account_delete(user=member)
    participant_confirm(participant=collab.participants.get(user=cecil), user=cecil)
    assert not Outbox.objects.filter(kind=ANSWERED).exists()


def test_the_author_is_not_told_of_their_own_answer(member, cecil):
    collab = log(member, cecil, confirm=True)
    collaboration_update(collaboration=collab, actor=cecil, value_eur=Decimal("10"))
    participant_decline(participant=collab.participants.get(user=member), user=member)
    assert [m.subject for m in told(member)] == [
        "Cécil Schmitt confirmed your collaboration: Website redesign"
    ]


def test_an_author_who_turned_these_emails_off_is_not_told(member, cecil):
    member.email_opt_outs = ["collaboration_answer"]
    member.save(update_fields=["email_opt_outs"])
    collab = log(member, cecil)
    participant_confirm(participant=collab.participants.get(user=cecil), user=cecil)
    assert told(member) == []


def test_an_answer_about_a_collaboration_withdrawn_since_is_not_sent(
    client, member, cecil, mailoutbox
):
    collab = log(member, cecil)
    participant_decline(participant=collab.participants.get(user=cecil), user=cecil)
    collaboration_withdraw(collaboration=collab, actor=member)
    outbox_send_due()
    assert mailoutbox == []
    [mail] = told(member)
    assert mail.status == Outbox.Status.CANCELLED
