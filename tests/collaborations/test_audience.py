"""Who can see a confirmed collaboration is what its parties agreed to: showing it to more
people asks the others again, and until they confirm it is shown no wider than before;
showing it to fewer people needs nobody's consent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from betacowork.messaging.models import Outbox
from collaborations.models import Collaboration, Participant
from collaborations.selectors import PUBLIC, dashboard_compute
from collaborations.services import collaboration_update, participant_confirm

from .conftest import form_as_sent, log

pytestmark = pytest.mark.django_db

# The first request, and the one asking again after an edit.
REQUEST_KINDS = ["collaborations.collaboration_request", "collaborations.collaboration_changed"]
PARTICIPANTS = Collaboration.Visibility.PARTICIPANTS
MEMBERS = Collaboration.Visibility.MEMBERS
PUBLIC_ = Collaboration.Visibility.PUBLIC


def hired(member, other_member, *, visibility) -> Collaboration:
    """A confirmed hire worth €8,000 that `member` logged, `other_member` the hire."""
    return log(
        member,
        other_member,
        confirm=True,
        title="Part-time hire",
        kind="hire",
        value_eur=Decimal("8000"),
        visibility=visibility,
    )


def edit_through_the_form(client, collab, **changes):
    url = reverse("collaborations:update", args=[collab.pk])
    data = form_as_sent(client.get(url).content.decode(), **changes)
    return client.post(url, data, follow=True)


def test_the_hire_cannot_publish_a_participants_only_collaboration_alone(
    client, member, other_member
):
    collab = hired(member, other_member, visibility=PARTICIPANTS)
    assert client.get(collab.get_absolute_url()).status_code == 404  # a visitor
    requests_before = Outbox.objects.filter(kind__in=REQUEST_KINDS, recipient=member).count()

    client.force_login(other_member)
    page = edit_through_the_form(client, collab, visibility="public")
    assert page.status_code == 200
    assert "only its participants see it" in page.content.decode()

    client.logout()
    assert client.get(collab.get_absolute_url()).status_code == 404  # still not public
    assert "Part-time hire" not in client.get(reverse("collaborations:list")).content.decode()
    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.PROPOSED
    # The employer is asked to agree, by email.
    assert Outbox.objects.filter(kind__in=REQUEST_KINDS, recipient=member).count() == (
        requests_before + 1
    )

    participant_confirm(participant=collab.participants.get(user=member), user=member)
    page = client.get(collab.get_absolute_url())
    assert page.status_code == 200  # public now that both agreed
    assert "Part-time hire" in page.content.decode()


@pytest.mark.parametrize(
    ("before", "after"),
    [(PARTICIPANTS, MEMBERS), (PARTICIPANTS, PUBLIC_), (MEMBERS, PUBLIC_)],
)
def test_showing_it_to_more_people_asks_the_others_again(member, other_member, before, after):
    collab = hired(member, other_member, visibility=before)
    collaboration_update(collaboration=collab, actor=other_member, visibility=after)
    collab.refresh_from_db()
    assert collab.visibility == after
    assert collab.status == Collaboration.Status.PROPOSED
    assert collab.participants.get(user=member).state == Participant.State.PENDING
    assert collab.participants.get(user=other_member).state == Participant.State.CONFIRMED
    assert collab.history.last().action == "status"
    assert collab.history.filter(action="reopened").count() == 1


@pytest.mark.parametrize(
    ("before", "after"),
    [(PUBLIC_, MEMBERS), (PUBLIC_, PARTICIPANTS), (MEMBERS, PARTICIPANTS)],
)
def test_showing_it_to_fewer_people_needs_no_one(client, member, other_member, before, after):
    collab = hired(member, other_member, visibility=before)
    client.force_login(other_member)
    page = edit_through_the_form(client, collab, visibility=after)
    assert page.status_code == 200
    assert "Saved." in page.content.decode()
    collab.refresh_from_db()
    assert collab.visibility == after
    assert collab.status == Collaboration.Status.CONFIRMED
    assert collab.participants.get(user=member).state == Participant.State.CONFIRMED
    client.logout()
    assert client.get(collab.get_absolute_url()).status_code == 404  # no longer public


def test_until_they_confirm_it_leaves_the_public_dashboards_graph(member, other_member):
    collab = hired(member, other_member, visibility=PARTICIPANTS)
    member.profile.visibility = other_member.profile.visibility = "public"
    member.profile.save()
    other_member.profile.save()
    assert dashboard_compute(PUBLIC)["graph"]["edges"] == []
    collaboration_update(collaboration=collab, actor=other_member, visibility=PUBLIC_)
    assert dashboard_compute(PUBLIC)["graph"]["edges"] == []  # not public yet
    participant_confirm(participant=collab.participants.get(user=member), user=member)
    assert len(dashboard_compute(PUBLIC)["graph"]["edges"]) == 1
