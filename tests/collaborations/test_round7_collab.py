"""Round 7 fixes in the collaboration ledger: the pages' heading outline; a collaboration a
former member left unanswered no longer waits for them forever; migration 0005 can be
reversed once a former member and their company share a collaboration."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from collaborations.models import Collaboration, CollaborationHistory, Participant
from collaborations.services import (
    ParticipantSpec,
    collaboration_update,
    participant_confirm,
)
from members.services import account_delete
from tests.factories import CompanyFactory, UserFactory
from tests.members.test_round7_members import heading_skips

from .conftest import attend, log, make_past_event

# Heading outline -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_collaborations_page_goes_down_one_level_at_a_time(
    client, member, other_member, third_member, staff
):
    """Each page a GET of collaborations/urls.py draws as HTML, with cards in every list; "my
    collaborations" with a confirmation waiting (Katia) and without (Stan)."""
    event = make_past_event(title="Betacooks")
    attend(event, member)
    confirmed = log(member, other_member, confirm=True, origin_type="event", origin_event=event)
    log(other_member, member, title="Coaching")  # waits for Katia's answer
    log(member, third_member, title="Still proposed")
    pages = {
        "list": reverse("collaborations:list"),
        "mine": reverse("collaborations:mine"),
        "create": reverse("collaborations:create"),
        "dashboard": reverse("collaborations:dashboard"),
        "detail": confirmed.get_absolute_url(),
        "update": reverse("collaborations:update", args=[confirmed.pk]),
    }
    found = {}
    for viewer in (member, other_member, staff):
        client.force_login(viewer)
        for name, url in pages.items():
            if name == "update" and viewer == staff:
                continue  # staff edit in the admin: the page answers 403 (not a party)
            response = client.get(url)
            assert response.status_code == 200, (name, response.status_code)
            found[(viewer.name, name)] = heading_skips(response.content.decode())
    client.logout()
    for name in ("list", "dashboard", "detail"):
        found[("visitor", name)] = heading_skips(client.get(pages[name]).content.decode())
    assert found == {key: [] for key in found}


@pytest.mark.django_db
def test_the_lists_keep_their_cards_as_they_were(client, member, other_member):
    """The cards keep their h3 (and their look): a heading above them, read by screen
    readers and not shown, is the level in between."""
    log(member, other_member, confirm=True)
    log(other_member, member, title="Coaching")
    client.force_login(member)
    for url in (reverse("collaborations:list"), reverse("collaborations:mine")):
        body = client.get(url).content.decode()
        assert '<h2 class="visually-hidden">' in body
        assert '<h3><a href="' in body


# A former member who left before answering --------------------------------------------------


@pytest.fixture
def eric(db):
    return UserFactory(name="Eric Rodriguez")


@pytest.mark.django_db
def test_a_collaboration_left_unanswered_stops_waiting(client, member, eric):
    """Katia logged a collaboration with Eric; Eric deletes his account without answering. He
    can never confirm it, and only confirmed collaborations count (nobody inflates the figures
    alone): it is closed as not confirmed — declined — not left "waiting for confirmation"."""
    collab = log(member, eric)
    assert collab.status == Collaboration.Status.PROPOSED
    account_delete(user=eric)

    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.DECLINED
    assert collab.confirmed_at is None
    entry = collab.history.latest("pk")
    assert (entry.action, entry.changes) == (
        CollaborationHistory.Action.STATUS,
        {"status": ["proposed", "declined"]},
    )
    row = collab.participants.get(name="Eric Rodriguez")  # kept as he left it
    assert (row.former_member, row.state) == (True, Participant.State.PENDING)

    client.force_login(member)
    body = client.get(collab.get_absolute_url()).content.decode()
    assert "left before answering" in body
    assert "cannot be confirmed as it is" in body
    assert "Edit it to remove them" in body  # Katia, the author, may


@pytest.mark.django_db
def test_the_others_are_no_longer_asked_to_confirm(client, member, eric, third_member):
    collab = log(member, eric, third_member)
    account_delete(user=eric)
    client.force_login(third_member)
    mine = client.get(reverse("collaborations:mine")).content.decode()
    assert "Waiting for your confirmation" not in mine
    detail = client.get(collab.get_absolute_url()).content.decode()
    assert (
        reverse("collaborations:confirm", args=[collab.participants.get(user=third_member).pk])
        not in detail
    )
    assert "Edit it to remove them" not in detail  # Jérémie is no author


@pytest.mark.django_db
def test_an_answer_given_before_leaving_changes_nothing(member, eric, third_member):
    """Eric confirmed, then left: the collaboration still waits for Jérémie, who can confirm."""
    collab = log(member, eric, third_member)
    participant_confirm(participant=collab.participants.get(user=eric), user=eric)
    account_delete(user=eric)
    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.PROPOSED
    participant_confirm(participant=collab.participants.get(user=third_member), user=third_member)
    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.CONFIRMED


@pytest.mark.django_db
def test_editing_without_removing_them_keeps_it_declined(member, eric, third_member):
    collab = log(member, eric, third_member)
    account_delete(user=eric)
    collaboration_update(collaboration=collab, actor=member, title="Website and shop")
    collab.refresh_from_db()
    assert (collab.title, collab.status) == ("Website and shop", Collaboration.Status.DECLINED)


@pytest.mark.django_db
def test_the_author_removes_them_or_names_their_company_and_it_is_asked_again(
    member, eric, third_member, staff
):
    collab = log(member, eric, third_member)
    account_delete(user=eric)
    ayomi = CompanyFactory(name="Ayomi")
    kept = collab.participants.get(user=third_member)
    collaboration_update(
        collaboration=collab,
        actor=member,
        participants=[
            ParticipantSpec(role=kept.role, participant_id=kept.pk, shown_as=kept.name),
            ParticipantSpec(role="client", company=ayomi),
        ],
    )
    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.PROPOSED
    assert not collab.participants.filter(former_member=True).exists()
    participant_confirm(participant=collab.participants.get(user=third_member), user=third_member)
    from collaborations.services import collaboration_verify

    collab = collaboration_verify(collaboration=collab, staff=staff)
    assert collab.status == Collaboration.Status.CONFIRMED


@pytest.mark.django_db
def test_the_author_leaving_changes_nothing_for_the_others(member, eric):
    """The author's own row is a confirmation: the collaboration still waits for Eric."""
    collab = log(member, eric)
    account_delete(user=member)
    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.PROPOSED
    participant_confirm(participant=collab.participants.get(user=eric), user=eric)
    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.CONFIRMED


# Migration 0005 backwards -------------------------------------------------------------------

BEFORE_MARKER = [("collaborations", "0004_dashboard_snapshot")]
WITH_MARKER = [("collaborations", "0005_participant_former_member")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection)._create_project_state(with_applied_migrations=True).apps


def _leaves():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def migrator(transactional_db):
    yield _migrate
    _migrate(_leaves())


def _shared_collaboration(apps) -> dict:
    """As 0005 leaves the ledger: Katia took part for Ayomi and deleted her account, Ayomi is a
    party too (allowed since 0005: a former member is not the company); in another
    collaboration two former members took part for the same company."""
    User = apps.get_model("members", "User")
    Company = apps.get_model("members", "Company")
    Collab = apps.get_model("collaborations", "Collaboration")
    Participant = apps.get_model("collaborations", "Participant")
    History = apps.get_model("collaborations", "CollaborationHistory")
    stan = User.objects.create(email="stan@example.test", name="Stan Jagiello")
    ayomi = Company.objects.create(name="Ayomi", slug="ayomi")
    made = {}
    for title, rows in {
        "Seed round": [
            ("Katia Xenophontos", "investor", True, ayomi),
            ("Ayomi", "investor", False, ayomi),
        ],
        "Two of Ayomi": [
            ("Katia Xenophontos", "partner", True, ayomi),
            ("Léa Dubois", "partner", True, ayomi),
        ],
    }.items():
        collab = Collab.objects.create(
            title=title, kind="investment", start_date=date(2025, 3, 1), author_name="Stan"
        )
        Participant.objects.create(collaboration=collab, user=stan, name="Stan", role="client")
        for name, role, former, company in rows:
            Participant.objects.create(
                collaboration=collab, company=company, name=name, role=role, former_member=former
            )
        History.objects.create(
            collaboration=collab,
            action="created",
            changes={
                "participants": [
                    None,
                    [{"name": "Stan", "role": "client", "kind": "member"}]
                    + [
                        {"name": n, "role": r, "kind": "member" if f else "company"}
                        for n, r, f, _c in rows
                    ],
                ]
            },
        )
        made[title] = collab.pk
    return made


def test_migration_0005_reverses_with_a_former_member_and_their_company_together(migrator):
    """`manage.py migrate collaborations 0004` restored the old "a company once per
    collaboration" constraint over a former member's row and their company's: IntegrityError.
    Backwards, a former member's row gives up its company where it would clash (the name, the
    role and the answer stay); forwards again, the marker is found from the history."""
    made = _shared_collaboration(migrator(WITH_MARKER))

    old = migrator(BEFORE_MARKER)  # raised IntegrityError before the fix
    Participant = old.get_model("collaborations", "Participant")
    rows = {
        (p.collaboration.title, p.name): p.company_id
        for p in Participant.objects.select_related("collaboration").exclude(name="Stan")
    }
    ayomi = old.get_model("members", "Company").objects.get(name="Ayomi").pk
    assert rows == {
        ("Seed round", "Katia Xenophontos"): None,
        ("Seed round", "Ayomi"): ayomi,  # the company keeps its row
        ("Two of Ayomi", "Katia Xenophontos"): ayomi,  # the first of the two keeps it
        ("Two of Ayomi", "Léa Dubois"): None,
    }

    new = migrator(_leaves())
    Participant = new.get_model("collaborations", "Participant")
    marked = {
        (p.collaboration_id, p.name): p.former_member
        for p in Participant.objects.exclude(name="Stan")
    }
    assert marked == {
        (made["Seed round"], "Katia Xenophontos"): True,
        (made["Seed round"], "Ayomi"): False,
        (made["Two of Ayomi"], "Katia Xenophontos"): True,
        (made["Two of Ayomi"], "Léa Dubois"): True,
    }


BEFORE_DECLINING = [("collaborations", "0006_dashboard_tally_organisation")]
DECLINING = [("collaborations", "0007_decline_left_unanswered")]


def test_migration_0007_declines_what_a_former_member_left_unanswered_before_the_rule(migrator):
    """Accounts deleted before today's rule left collaborations waiting for an answer that
    can never come: 0007 declines them, with the status entry the rule writes; one the
    former member had answered, and one already declined, stay as they are."""
    apps = migrator(BEFORE_DECLINING)
    User = apps.get_model("members", "User")
    Collab = apps.get_model("collaborations", "Collaboration")
    Participant = apps.get_model("collaborations", "Participant")
    stan = User.objects.create(email="stan@example.test", name="Stan Jagiello")
    made = {}
    for title, (status, former_state) in {
        "Left unanswered": ("proposed", "pending"),
        "Answered before leaving": ("proposed", "confirmed"),
        "Declined already": ("declined", "pending"),
    }.items():
        collab = Collab.objects.create(
            title=title, kind="service", start_date=date(2025, 3, 1), status=status, revision=2
        )
        Participant.objects.create(collaboration=collab, user=stan, name="Stan", state="pending")
        Participant.objects.create(
            collaboration=collab,
            name="Katia",
            former_member=True,
            state=former_state,
            confirmed_at=None if former_state == "pending" else timezone.now(),
        )
        made[title] = collab.pk

    apps = migrator(DECLINING)
    Collab = apps.get_model("collaborations", "Collaboration")
    History = apps.get_model("collaborations", "CollaborationHistory")
    assert dict(Collab.objects.values_list("title", "status")) == {
        "Left unanswered": "declined",
        "Answered before leaving": "proposed",
        "Declined already": "declined",
    }
    entries = History.objects.values_list("collaboration_id", "action", "changes", "revision")
    assert list(entries) == [
        (made["Left unanswered"], "status", {"status": ["proposed", "declined"]}, 2)
    ]


@pytest.mark.django_db
def test_a_request_still_queued_is_not_sent_once_it_cannot_be_confirmed(
    member, eric, third_member, mailoutbox
):
    """Jérémie's request to confirm was still in the outbox (mail server down) when Eric left
    without answering: it is not sent, and the delivery log says why."""
    from betacowork.messaging.models import Outbox
    from betacowork.messaging.sender import outbox_send_due

    log(member, eric, third_member)
    request = Outbox.objects.get(recipient=third_member)
    assert request.status == Outbox.Status.PENDING
    account_delete(user=eric)
    outbox_send_due()
    request.refresh_from_db()
    assert (request.status, request.last_error) == (
        Outbox.Status.CANCELLED,
        "Collaboration declined meanwhile.",
    )
    assert not [m for m in mailoutbox if third_member.email in m.to]
