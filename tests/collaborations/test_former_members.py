"""A member who deletes their account stays in the collaborations they took part in as a
former member: by the name kept, with the answer they gave (a confirmation stays
"confirmed", not staff-"verified"), and never in the staff's verification queue."""

from __future__ import annotations

import importlib
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse

from collaborations.models import Collaboration, Participant
from collaborations.services import (
    ParticipantSpec,
    collaboration_update,
    collaboration_verify,
    participant_confirm,
)
from members.services import account_delete
from tests.factories import CompanyFactory, UserFactory

from .conftest import form_as_sent, log

pytestmark = pytest.mark.django_db


def badges(body: str) -> dict[str, str]:
    """{participant as shown: its badge} of a collaboration's page."""
    rows = re.findall(r'<ul class="collab-participants">(.*?)</ul>', body, re.S)[0]
    out = {}
    for item in re.findall(r"<li>(.*?)</li>", rows, re.S):
        text = re.sub(r"<[^>]+>", "", item)
        text = re.sub(r"\s+", " ", text).strip()
        name, _, rest = text.partition(" — ")
        out[name] = rest.split(" ", 1)[1] if " " in rest else ""
    return out


@pytest.fixture
def eric(db):
    return UserFactory(name="Eric Rodriguez")


def test_a_former_members_confirmation_stays_theirs(client, member, eric, staff):
    company = CompanyFactory(name="BetaGroup")
    collab = log(member, eric, ParticipantSpec(role="partner", company=company), confirm=True)
    collab = collaboration_verify(collaboration=collab, staff=staff)
    assert collab.is_confirmed
    account_delete(user=eric)

    client.force_login(member)
    shown = badges(client.get(collab.get_absolute_url()).content.decode())
    assert shown["Eric Rodriguez (former member)"] == "confirmed"
    assert shown["BetaGroup"] == "verified"
    collab.refresh_from_db()
    assert collab.is_confirmed


def test_a_former_members_pending_row_is_not_for_staff_to_verify(client, member, eric, staff):
    collab = log(member, eric)
    account_delete(user=eric)
    row = collab.participants.get(name="Eric Rodriguez")
    assert not row.needs_staff

    client.force_login(staff)
    body = client.get(collab.get_absolute_url()).content.decode()
    assert badges(body)["Eric Rodriguez (former member)"] == "left before answering"
    assert "staff to verify" not in body
    assert reverse("collaborations:verify", args=[collab.pk]) not in body  # no Verify button
    collaboration_verify(collaboration=collab, staff=staff)  # e.g. the admin's bulk action
    collaboration_verify(collaboration=collab, staff=staff, approve=False)
    row.refresh_from_db()
    assert (row.state, row.verified_by) == (Participant.State.PENDING, None)


def test_a_former_member_who_took_part_for_their_company_is_not_the_company(
    client, member, other_member, staff
):
    """Katia took part for Ayomi, and Ayomi is a party too: her account goes, both rows stay
    (the second one is still staff's to verify)."""
    ayomi = CompanyFactory(name="Ayomi")
    collab = log(
        member,
        other_member,
        ParticipantSpec(role="investor", company=ayomi),
        author_company=ayomi,
        confirm=True,
    )
    account_delete(user=member)
    rows = {(p.name, p.former_member, p.needs_staff) for p in collab.participants.all()}
    assert rows == {
        ("Katia Xenophontos", True, False),
        ("Stan Jagiello", False, False),
        ("Ayomi", False, True),
    }
    client.force_login(staff)
    shown = badges(client.get(collab.get_absolute_url()).content.decode())
    assert shown["Katia Xenophontos (former member)"] == "confirmed"
    assert shown["Ayomi"] == "staff to verify"


def test_the_others_edit_without_asking_a_former_member_again(client, member, eric):
    collab = log(member, eric, UserFactory(name="Léa Dubois"), confirm=True)
    lea = collab.participants.get(name="Léa Dubois").user
    account_delete(user=eric)

    client.force_login(member)
    url = reverse("collaborations:update", args=[collab.pk])
    page = client.get(url).content.decode()
    assert "Eric Rodriguez" in page  # kept in the form by the name it had
    response = client.post(url, form_as_sent(page, value_eur="777"))
    assert response.status_code == 302, response.content.decode()[:2000]
    collab.refresh_from_db()
    assert collab.value_eur == Decimal("777")
    eric_row = collab.participants.get(name="Eric Rodriguez")
    assert (eric_row.former_member, eric_row.state) == (True, Participant.State.CONFIRMED)
    participant_confirm(participant=collab.participants.get(user=lea), user=lea)
    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.CONFIRMED  # Léa was the one to ask again


def test_a_former_members_row_can_be_removed_by_the_others(member, eric, third_member):
    collab = log(member, eric, third_member)
    account_delete(user=eric)
    collaboration_update(
        collaboration=collab,
        actor=member,
        participants=[ParticipantSpec(role="client", user=third_member)],
    )
    assert not collab.participants.filter(name="Eric Rodriguez").exists()
    assert collab.participants.filter(user=third_member).exists()


def test_accounts_deleted_before_the_marker_existed_are_found(member, eric, staff):
    """The migration that adds the marker finds the rows of accounts deleted before it, from
    the collaboration's history; a company deleted meanwhile is not taken for a member."""
    gone_company = CompanyFactory(name="Gone Ltd")
    collab = log(member, eric, ParticipantSpec(role="partner", company=gone_company))
    eric.delete()  # as an account was deleted before the step existed
    gone_company.delete()
    rows = collab.participants.filter(user__isnull=True)
    assert not rows.filter(former_member=True).exists()

    migration = importlib.import_module("collaborations.migrations.0005_participant_former_member")
    migration.former_members_mark(apps, None)
    marked = {p.name: p.former_member for p in rows}
    assert marked == {"Eric Rodriguez": True, "Gone Ltd": False}
    assert [p.name for p in rows if p.needs_staff] == ["Gone Ltd"]


def test_a_former_members_kept_name_is_for_the_parties_and_staff_only(client, member, eric, staff):
    """Deleting an account never makes a person more visible: visitors and other members
    read "a former member" on the page and in the public list; the other parties and staff
    read the name kept."""
    from members.models import Visibility

    from .conftest import set_visibility

    set_visibility(eric, Visibility.HIDDEN)
    collab = log(member, eric, confirm=True)
    account_delete(user=eric)
    for viewer in (None, UserFactory(name="Someone Else")):
        client.logout()
        if viewer:
            client.force_login(viewer)
        for url in (collab.get_absolute_url(), reverse("collaborations:list")):
            page = client.get(url).content.decode()
            assert "Eric Rodriguez" not in page, (viewer, url)
            assert "a former member" in page
    for insider in (member, staff):
        client.force_login(insider)
        assert "Eric Rodriguez" in client.get(collab.get_absolute_url()).content.decode()


def dashboard_links(body: str) -> set[str]:
    """Every place the dashboard's figures send a visitor: links, and the graph's nodes."""
    figures = body.split('class="stats collab-stats"', 1)[1]
    return set(re.findall(r'(?:href|data-url)="(/[^"]*)"', figures))


def test_the_dashboard_never_links_a_company_known_only_through_a_former_member(
    client, settings, member, other_member, eric, third_member
):
    """Eric took part for Exaprint, a company nobody else is in: once his account is gone,
    Exaprint's page is a 404 to the members who did not work with him (his company is his to
    tell). The dashboard is the same for every member, so it names Exaprint to nobody."""
    settings.COLLABORATIONS_DASHBOARD_CACHE = 0
    exaprint = CompanyFactory(name="Exaprint")
    members_only = {"visibility": Collaboration.Visibility.MEMBERS}
    log(eric, member, author_company=exaprint, confirm=True, **members_only)
    log(member, other_member, confirm=True, **members_only)  # a link that stays
    account_delete(user=eric)

    for viewer in (third_member, member):  # took no part; took part (the page is shared)
        client.force_login(viewer)
        body = client.get(reverse("collaborations:dashboard")).content.decode()
        links = dashboard_links(body)
        assert reverse("members:profile", args=[other_member.profile.slug]) in links
        for url in links:
            assert client.get(url).status_code == 200, url
        network = body.split('aria-labelledby="network"', 1)[1]
        assert "Exaprint" not in network
        assert member.profile.display_name in network
    client.force_login(third_member)
    assert client.get(reverse("members:company", args=[exaprint.slug])).status_code == 404


def shown_text(response) -> str:
    """The page's main content as it reads, tags left out and spaces collapsed."""
    main = response.content.decode().split("<main", 1)[1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main.split(">", 1)[1]))


def test_a_former_member_reads_as_a_former_member_to_the_others(client, member, eric, staff):
    """Where the collaboration is shown to those who may not read the kept name — its page,
    the list, the home page's recent ones — the deleted account is "a former member", as its
    author too, never "a member (former member)"; the parties and staff read the name kept,
    marked as a former member's."""
    collab = log(eric, member, confirm=True)  # public: on the home page too
    account_delete(user=eric)
    pages = [collab.get_absolute_url(), reverse("collaborations:list"), reverse("home")]
    for viewer in (None, UserFactory(name="Someone Else")):
        client.logout()
        if viewer:
            client.force_login(viewer)
        for url in pages:
            text = shown_text(client.get(url))
            assert "Eric Rodriguez" not in text, (viewer, url)
            assert "a former member" in text, (viewer, url)
            assert "(former member)" not in text, (viewer, url)
        text = shown_text(client.get(collab.get_absolute_url()))
        assert "Logged by a former member" in text
    for insider in (member, staff):
        client.force_login(insider)
        text = shown_text(client.get(collab.get_absolute_url()))
        assert "Eric Rodriguez (former member)" in text
        assert "a former member" not in text
