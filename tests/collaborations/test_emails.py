"""The ledger's emails as they arrive: plain-text subjects, with the title as it was typed."""

from __future__ import annotations

import pytest

from betacowork.messaging.sender import outbox_send_due
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
