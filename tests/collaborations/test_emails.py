"""The ledger's emails as they arrive: plain-text subjects, with the title as it was typed."""

from __future__ import annotations

import pytest
from django.utils import translation

from betacowork.messaging.sender import outbox_send_due
from collaborations.models import Collaboration, Participant
from collaborations.services import ParticipantSpec
from collaborations.tasks import event_followups_send

from .conftest import attend, log, make_past_event

pytestmark = pytest.mark.django_db

TITLE = 'Katia\'s "blog" & <shop> redesign'


def test_a_request_to_confirm_has_the_title_as_typed_in_its_subject(
    member, other_member, mailoutbox
):
    member.name = "Katia O'Brien & Co"
    member.save(update_fields=["name"])
    log(member, other_member, title=TITLE)
    assert outbox_send_due() == 1
    [mail] = mailoutbox
    assert mail.to == [other_member.email]
    assert mail.subject == f"Katia O'Brien & Co logged a collaboration with you: {TITLE}"
    assert "&#x27;" not in mail.subject
    assert "&amp;" not in mail.subject


def test_the_follow_up_after_an_event_has_the_title_as_typed_in_its_subject(member, mailoutbox):
    event = make_past_event(title="Beer & Pitch at Katia's", days_ago=2)
    attend(event, member)
    assert event_followups_send() == 1
    assert outbox_send_due() == 1
    [mail] = mailoutbox
    assert mail.subject == (
        "After Beer & Pitch at Katia's: did you meet someone you will work with?"
    )


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("en", "with you as hire."),
        ("fr", "Votre rôle\u00a0: recrue."),
        ("nl", "Jouw rol: nieuwe medewerker."),
    ],
)
def test_a_request_to_confirm_names_the_person_hired_as_a_person(
    member, other_member, mailoutbox, language, says
):
    """ "Hire" is both a kind (the hiring: Embauche, Aanwerving) and a participant's role (the
    person hired): each language has a word for each, in a sentence that fits any role."""
    other_member.preferred_language = language
    other_member.save(update_fields=["preferred_language"])
    log(
        member,
        ParticipantSpec(role=Participant.Role.HIRE, user=other_member),
        kind=Collaboration.Kind.HIRE,
        author_role=Participant.Role.EMPLOYER,
    )
    assert outbox_send_due() == 1
    [mail] = mailoutbox
    assert says in mail.body
    with translation.override(language):
        kind = str(Collaboration.Kind.HIRE.label)
        role = str(Participant.Role.HIRE.label)
    assert (kind, role) == {
        "en": ("Hire", "Hire"),
        "fr": ("Embauche", "Recrue"),
        "nl": ("Aanwerving", "Nieuwe medewerker"),
    }[language]
