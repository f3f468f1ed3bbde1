"""The staff's queue: collaborations waiting for staff to verify a party no member speaks for
(a company, an outside organisation) are found — on the staff's home page, in the admin's
list by a filter and a column — and verified there in bulk."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from collaborations.models import Collaboration, Participant
from collaborations.services import ParticipantSpec, collaboration_verify, participant_decline
from tests.factories import UserFactory

from .conftest import log

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:collaborations_collaboration_changelist"
QUEUE_NOTE = "waiting for staff to verify"


def _org(name: str = "Acme Corp") -> ParticipantSpec:
    return ParticipantSpec(role=Participant.Role.CLIENT, organisation=name)


@pytest.fixture
def ledger(member, other_member, company, staff):
    """Katia's collaborations: two wait for staff (a company; an outside organisation and
    Stan), one waits for Stan only, one staff verified, one Stan declined."""
    company_one = log(member, ParticipantSpec(role="investor", company=company), title="Ayomi")
    org_and_member = log(member, _org(), other_member, title="Acme and Stan")
    member_only = log(member, other_member, title="Stan only")
    verified = log(member, _org("Homeexchange"), title="Verified")
    collaboration_verify(collaboration=verified, staff=staff)
    declined = log(member, other_member, _org("Gone"), title="Declined")
    participant_decline(participant=declined.participants.get(user=other_member), user=other_member)
    return {
        "waiting": [company_one, org_and_member],
        "not": [member_only, verified, declined],
    }


def _listed_titles(response) -> set[str]:
    return set(re.findall(r'<th class="field-title"><a href="[^"]+">([^<]+)</a>', response))


def test_the_admin_list_filters_the_collaborations_awaiting_staff(client, staff, ledger):
    client.force_login(staff)
    everything = client.get(reverse(CHANGELIST)).content.decode()
    assert "Awaiting staff verification" in everything  # the filter is offered
    assert _listed_titles(everything) == {
        "Ayomi",
        "Acme and Stan",
        "Stan only",
        "Verified",
        "Declined",
    }

    queue = client.get(reverse(CHANGELIST), {"awaiting_staff": "yes"})
    assert queue.status_code == 200
    assert _listed_titles(queue.content.decode()) == {"Ayomi", "Acme and Stan"}


def test_the_admin_list_has_a_column_saying_who_awaits_staff(client, staff, ledger):
    client.force_login(staff)
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert "awaiting staff verification" in page.lower()
    rows = re.findall(r"<tr>(.*?)</tr>", page, flags=re.S)
    marks = {}
    for row in rows:
        title = re.search(r'<th class="field-title"><a href="[^"]+">([^<]+)</a>', row)
        cell = re.search(r'<td class="field-awaiting_staff">.*?alt="(True|False)"', row, re.S)
        if title and cell:
            marks[title[1]] = cell[1] == "True"
    assert marks == {
        "Ayomi": True,
        "Acme and Stan": True,
        "Stan only": False,
        "Verified": False,
        "Declined": False,
    }


def test_staff_see_on_their_home_page_how_many_wait_and_where(client, staff, ledger):
    client.force_login(staff)
    page = client.get(reverse("home")).content.decode()
    assert "2 collaborations are waiting for staff to verify them" in page
    link = reverse(CHANGELIST) + "?awaiting_staff=yes"
    assert f'href="{link}"' in page

    for collab in ledger["waiting"]:
        collaboration_verify(collaboration=collab, staff=staff)
    assert QUEUE_NOTE not in client.get(reverse("home")).content.decode()


def test_members_and_staff_without_the_admins_list_are_not_shown_the_queue(client, member, ledger):
    client.force_login(member)
    assert QUEUE_NOTE not in client.get(reverse("home")).content.decode()
    client.logout()
    assert QUEUE_NOTE not in client.get(reverse("home")).content.decode()
    # Staff the admin does not let into the collaborations' list: no link to a 403.
    helpdesk = UserFactory(name="Helpdesk Hanne", is_staff=True)
    client.force_login(helpdesk)
    assert QUEUE_NOTE not in client.get(reverse("home")).content.decode()
    helpdesk.user_permissions.add(Permission.objects.get(codename="view_collaboration"))
    helpdesk = type(helpdesk).objects.get(pk=helpdesk.pk)  # permissions are cached
    client.force_login(helpdesk)
    assert "2 collaborations are waiting" in client.get(reverse("home")).content.decode()


def test_a_member_cannot_open_the_admins_queue(client, member, ledger):
    url = reverse(CHANGELIST) + "?awaiting_staff=yes"
    response = client.get(url)
    assert response.status_code == 302
    assert "login" in response["Location"]
    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_bulk_action_verifies_the_waiting_ones_and_says_which_still_wait(
    client, staff, other_member, ledger
):
    client.force_login(staff)
    selected = [c.pk for c in ledger["waiting"] + ledger["not"]]
    response = client.post(
        reverse(CHANGELIST),
        {"action": "verify_parties", "_selected_action": selected},
        follow=True,
    )
    page = response.content.decode()
    assert "1 collaboration is now confirmed." in page
    assert "1 verified collaboration still waits for a member to confirm it." in page
    company_one, org_and_member = ledger["waiting"]
    company_one.refresh_from_db()
    org_and_member.refresh_from_db()
    assert company_one.status == Collaboration.Status.CONFIRMED
    assert org_and_member.status == Collaboration.Status.PROPOSED  # Stan has not answered
    assert org_and_member.participants.get(organisation="Acme Corp").verified_by == staff
    declined = ledger["not"][2]
    declined.refresh_from_db()
    assert declined.status == Collaboration.Status.DECLINED  # not verified: nothing waited
    assert declined.participants.get(organisation="Gone").state == Participant.State.PENDING
    queue = client.get(reverse(CHANGELIST), {"awaiting_staff": "yes"}).content.decode()
    assert _listed_titles(queue) == set()
