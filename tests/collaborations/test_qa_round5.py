"""Audit, round 5: what a member logging a collaboration, one asked to confirm it, a member
not involved, a visitor and staff would notice in the ledger."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from betacowork.messaging.models import Outbox
from collaborations.models import Collaboration, Participant
from collaborations.services import (
    ParticipantSpec,
    collaboration_update,
    participant_confirm,
    participant_decline,
)

from .conftest import form_as_sent, log, set_visibility

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    """The page's main content as a reader sees it: tags out, whitespace folded."""
    html = response.content.decode()
    main = html.split("<main", 1)[-1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def _history(response) -> str:
    html = response.content.decode()
    section = html.split('id="history-title"', 1)[1].split("</section>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))


# --- Confirming what another party declined meanwhile (two tabs) ------------------------------


def test_confirming_what_another_party_declined_meanwhile_does_not_say_thank_you(
    client, member, other_member, third_member
):
    """Stan opens the page and clicks "Confirm" after Jérémie declined in the meantime: he is
    not thanked as if it counted; he is told another party declined it."""
    collab = log(member, other_member, third_member)
    participant_decline(participant=collab.participants.get(user=third_member), user=third_member)
    row = collab.participants.get(user=other_member)
    client.force_login(other_member)

    response = client.post(
        reverse("collaborations:confirm", args=[row.pk]), {"revision": collab.revision}, follow=True
    )

    text = _text(response)
    assert "Thank you: you confirmed" not in text
    assert "another party declined this collaboration" in text
    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.DECLINED


def test_confirming_an_open_collaboration_still_thanks(client, member, other_member):
    collab = log(member, other_member)
    row = collab.participants.get(user=other_member)
    client.force_login(other_member)
    response = client.post(
        reverse("collaborations:confirm", args=[row.pk]), {"revision": collab.revision}, follow=True
    )
    assert "Thank you: you confirmed this collaboration." in _text(response)


# --- The history says what changed in words, not field names ----------------------------------


@pytest.mark.parametrize("language", ["en", "fr", "nl"])
def test_the_history_names_what_changed_in_the_readers_language(
    client, member, other_member, language
):
    collab = log(member, other_member, value_eur=Decimal("1000"))
    collaboration_update(
        collaboration=collab,
        actor=member,
        value_eur=Decimal("2000"),
        visibility=Collaboration.Visibility.MEMBERS,
    )
    member.preferred_language = language
    member.save(update_fields=["preferred_language"])
    client.force_login(member)

    history = _history(client.get(collab.get_absolute_url()))

    assert "value_eur" not in history
    with translation.override(language):
        value = str(Collaboration._meta.get_field("value_eur").verbose_name)
        visibility = str(Collaboration._meta.get_field("visibility").verbose_name)
    assert f"({value}, {visibility})" in history


def test_the_history_says_which_status_it_changed_to(client, member, other_member, third_member):
    collab = log(member, other_member, third_member)
    participant_decline(participant=collab.participants.get(user=third_member), user=third_member)
    client.force_login(member)

    history = _history(client.get(collab.get_absolute_url()))

    assert re.search(r"Status changed · Jérémie Marti \(Declined\)", history), history


def test_the_history_names_a_change_of_participants(client, member, other_member, third_member):
    collab = log(member, other_member)
    collaboration_update(
        collaboration=collab,
        actor=member,
        participants=[
            ParticipantSpec(role=Participant.Role.CLIENT, user=other_member),
            ParticipantSpec(role=Participant.Role.CLIENT, user=third_member),
        ],
    )
    member.preferred_language = "nl"
    member.save(update_fields=["preferred_language"])
    client.force_login(member)
    with translation.override("nl"):
        label = str(Participant._meta.verbose_name_plural)
    assert label != "participants"
    assert f"({label})" in _history(client.get(collab.get_absolute_url()))


# --- A hidden author is "a member" on the lists of requests and in the email, as on the page --


@pytest.mark.parametrize("page", ["mine", "home"])
def test_the_requests_to_confirm_do_not_name_a_hidden_author(
    client, member, other_member, hidden, page
):
    collab = log(member, other_member)
    set_visibility(member, hidden)
    client.force_login(other_member)

    text = _text(client.get(reverse("collaborations:mine") if page == "mine" else "/"))

    assert collab.title in text
    assert "Katia" not in text
    assert "logged by a member" in text
    # The collaboration's own page says the same.
    assert "Logged by a member" in _text(client.get(collab.get_absolute_url()))


def test_the_requests_to_confirm_name_a_visible_author(client, member, other_member):
    log(member, other_member)
    client.force_login(other_member)
    assert "logged by Katia Xenophontos" in _text(client.get(reverse("collaborations:mine")))


def test_the_request_email_does_not_name_a_hidden_author(member, other_member, hidden):
    other_member.preferred_language = "fr"
    other_member.save(update_fields=["preferred_language"])
    set_visibility(member, hidden)

    log(member, other_member)

    email = Outbox.objects.get(kind="collaborations.collaboration_request")
    assert email.to_email == other_member.email
    assert email.language == "fr"
    assert "Katia" not in email.subject + email.body_text
    with translation.override("fr"):
        someone = translation.gettext("a member")
    assert email.subject.startswith(someone[0].upper() + someone[1:])


def test_the_request_email_names_a_visible_author(member, other_member):
    log(member, other_member)
    email = Outbox.objects.get(kind="collaborations.collaboration_request")
    assert email.subject.startswith("Katia Xenophontos logged a collaboration with you")


# --- Editing a declined collaboration so that it is asked again says so -----------------------


def test_an_edit_that_asks_everybody_again_after_a_decline_says_so(client, member, other_member):
    collab = log(member, other_member, value_eur=Decimal("1000"))
    participant_decline(participant=collab.participants.get(user=other_member), user=other_member)
    client.force_login(member)
    page = client.get(reverse("collaborations:update", args=[collab.pk])).content.decode()
    sent = form_as_sent(page, value_eur="1500")
    response = client.post(reverse("collaborations:update", args=[collab.pk]), sent, follow=True)

    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.PROPOSED
    assert "the others confirm it again" in _text(response)


def test_an_edit_that_asks_nobody_just_says_saved(client, member, other_member):
    collab = log(member, other_member)
    participant_confirm(participant=collab.participants.get(user=other_member), user=other_member)
    client.force_login(member)
    page = client.get(reverse("collaborations:update", args=[collab.pk])).content.decode()
    sent = form_as_sent(page, title="Website redesign, phase 1")
    response = client.post(reverse("collaborations:update", args=[collab.pk]), sent, follow=True)
    text = _text(response)
    assert "Saved." in text
    assert "confirm it again" not in text


# --- A member who confirmed can withdraw, from the page -----------------------------------------


def test_a_member_who_confirmed_can_withdraw_from_the_page(client, member, other_member):
    collab = log(member, other_member, confirm=True)
    row = collab.participants.get(user=other_member)
    client.force_login(other_member)
    action = reverse("collaborations:decline", args=[row.pk])

    page = client.get(collab.get_absolute_url()).content.decode()
    assert f'action="{action}"' in page
    assert "Withdraw my confirmation" in page
    # It cannot be taken back: the browser asks first (site.js, `data-confirm`).
    form = page.split(f'action="{action}"', 1)[1].split(">", 1)[0]
    assert 'data-confirm="Withdraw your confirmation?' in form

    response = client.post(action, follow=True)

    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.DECLINED
    assert "this collaboration will not count" in _text(response)
    # Declined: nothing left to withdraw, nor to confirm.
    page = response.content.decode()
    assert "Withdraw my confirmation" not in page
    assert reverse("collaborations:confirm", args=[row.pk]) not in page


def test_who_has_not_answered_is_offered_confirm_and_decline_not_withdraw(
    client, member, other_member
):
    collab = log(member, other_member)
    client.force_login(other_member)
    page = client.get(collab.get_absolute_url()).content.decode()
    assert "Withdraw my confirmation" not in page
    row = collab.participants.get(user=other_member)
    assert reverse("collaborations:confirm", args=[row.pk]) in page
    assert reverse("collaborations:decline", args=[row.pk]) in page
    client.force_login(member)  # the author confirmed by logging it: they edit it instead
    assert "Withdraw my confirmation" not in client.get(collab.get_absolute_url()).content.decode()


# --- Staff verifying from a page opened before a party declined --------------------------------


def test_verifying_what_a_party_declined_meanwhile_does_not_say_verified(
    client, member, other_member, company, staff
):
    """Staff open the page, a member declines, staff click "Verify": not "Verified." as if the
    collaboration counted now."""
    collab = log(member, other_member, ParticipantSpec(role="investor", company=company))
    participant_decline(participant=collab.participants.get(user=other_member), user=other_member)
    client.force_login(staff)
    url = reverse("collaborations:verify", args=[collab.pk])
    text = _text(client.post(url, {"decision": "approve"}, follow=True))
    assert "Verified." not in text
    assert "another party declined this collaboration" in text
    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.DECLINED


def test_verifying_an_open_collaboration_says_verified(client, member, company, staff):
    collab = log(member, ParticipantSpec(role="investor", company=company))
    client.force_login(staff)
    url = reverse("collaborations:verify", args=[collab.pk])
    assert "Verified." in _text(client.post(url, {"decision": "approve"}, follow=True))
    collab.refresh_from_db()
    assert collab.is_confirmed
