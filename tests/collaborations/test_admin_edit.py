"""Staff's edit in the admin goes through the ledger's service, as a member's edit does (QA:
saved straight to the row, a participants-only collaboration made public, or its value
raised to €9,500,000, stayed confirmed at revision 1 — shown to anonymous visitors and counted
on the dashboard at once, nobody asked, no history entry). And the admin adds none: a
collaboration added there had no participants and stayed "proposed" forever."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from betacowork.messaging.models import Outbox
from collaborations.models import Collaboration, CollaborationHistory
from collaborations.selectors import MEMBER, dashboard_compute
from collaborations.services import collaboration_update
from tests.factories import UserFactory
from tests.html_forms import form_values

from .conftest import log

pytestmark = pytest.mark.django_db

AGAIN = "collaborations.collaboration_changed"


@pytest.fixture(autouse=True)
def _no_cache(settings):
    from django.core.cache import cache

    settings.COLLABORATIONS_DASHBOARD_CACHE = 0
    cache.clear()


def change_url(collab) -> str:
    return reverse("admin:collaborations_collaboration_change", args=[collab.pk])


def admin_save(client, collab, **changes):
    """The admin's change form as staff's browser sends it, with `changes` typed in."""
    html = client.get(change_url(collab)).content.decode()
    start = html.rindex("<form", 0, html.index('id="collaboration_form"'))
    return client.post(change_url(collab), form_values(html[start:], **changes))


def asked(collab) -> set:
    return set(Outbox.objects.filter(kind=AGAIN).values_list("recipient_id", flat=True))


def test_staff_showing_it_to_more_people_asks_every_party_again(
    client, staff, member, other_member
):
    collab = log(member, other_member, confirm=True, visibility="participants")
    client.force_login(staff)

    response = admin_save(client, collab, visibility="public")

    assert response.status_code == 302
    collab.refresh_from_db()
    assert collab.visibility == "public"
    assert collab.revision == 2
    assert collab.status == Collaboration.Status.PROPOSED  # until the parties agree
    assert asked(collab) == {member.pk, other_member.pk}  # the author too: staff is no party
    mail = Outbox.objects.get(kind=AGAIN, recipient=other_member)
    assert mail.subject.startswith("Betacowork staff changed a collaboration you are part of")
    entry = collab.history.get(action=CollaborationHistory.Action.REOPENED)
    assert entry.actor == staff
    assert entry.changes["visibility"] == ["participants", "public"]
    client.logout()
    assert client.get(collab.get_absolute_url()).status_code == 404  # not public yet


def test_staff_changing_the_value_asks_again_and_the_dashboard_waits(
    client, staff, member, other_member
):
    collab = log(member, other_member, confirm=True, value_eur=Decimal("1200"))
    assert dashboard_compute(MEMBER)["volume"] == Decimal("1200")
    client.force_login(staff)

    response = admin_save(client, collab, value_eur="9500000")

    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "asked to confirm it again" in page
    collab.refresh_from_db()
    assert collab.value_eur == Decimal("9500000")
    assert collab.revision == 2
    assert asked(collab) == {member.pk, other_member.pk}
    assert dashboard_compute(MEMBER)["total"] == 0  # no longer counted until confirmed
    history = client.get(change_url(collab)).content.decode()
    history = history[history.index('id="history-group"') :]
    assert "Edited: asked for confirmation again" in history
    assert "1,200 → 9,500,000" in history


def test_staff_fixing_a_typo_asks_nobody_as_a_members_title_edit(
    client, staff, member, other_member
):
    collab = log(member, other_member, confirm=True, title="Websit redesign")
    client.force_login(staff)

    response = admin_save(client, collab, title="Website redesign")

    assert response.status_code == 302
    collab.refresh_from_db()
    assert collab.title == "Website redesign"
    assert (collab.revision, collab.status) == (1, Collaboration.Status.CONFIRMED)
    assert not asked(collab)
    entry = collab.history.get(action=CollaborationHistory.Action.UPDATED)
    assert (entry.actor, entry.changes["title"]) == (staff, ["Websit redesign", "Website redesign"])
    # As the same edit by a party: nobody asked either.
    collaboration_update(collaboration=collab, actor=other_member, title="Web redesign")
    collab.refresh_from_db()
    assert (collab.revision, asked(collab)) == (1, set())


def test_showing_it_to_fewer_people_asks_nobody(client, staff, member, other_member):
    collab = log(member, other_member, confirm=True, visibility="public")
    client.force_login(staff)

    assert admin_save(client, collab, visibility="members").status_code == 302

    collab.refresh_from_db()
    assert (collab.visibility, collab.revision) == ("members", 1)
    assert collab.status == Collaboration.Status.CONFIRMED
    assert not asked(collab)


@pytest.mark.parametrize(
    ("field", "typed", "error"),
    [
        ("value_eur", "200000000", "the ledger accepts values up to €100,000,000"),
        ("value_eur", "-5", "The value cannot be negative."),
        (
            "start_date",
            str(timezone.localdate() + dt.timedelta(days=800)),
            "cannot start more than a year from now",
        ),
    ],
)
def test_a_wrong_value_is_said_on_the_form(
    client, staff, member, other_member, field, typed, error
):
    collab = log(member, other_member, confirm=True, value_eur=Decimal("1200"))
    client.force_login(staff)

    response = admin_save(client, collab, **{field: typed})

    assert response.status_code == 200
    assert error in response.content.decode()
    collab.refresh_from_db()
    assert (collab.value_eur, collab.revision) == (Decimal("1200"), 1)
    assert not asked(collab)


def test_where_it_began_and_its_state_are_not_typed_in_the_admin(
    client, staff, member, other_member
):
    collab = log(member, other_member, confirm=True)
    client.force_login(staff)

    admin_save(
        client, collab, origin_type="other", status="declined", revision="7", chapter="", title="X"
    )

    collab.refresh_from_db()
    assert (collab.origin_type, collab.status, collab.revision) == ("space", "confirmed", 1)


def test_the_admin_adds_none_and_points_to_the_form_that_logs_one(client, staff):
    client.force_login(staff)

    assert client.get(reverse("admin:collaborations_collaboration_add")).status_code == 403
    page = client.get(reverse("admin:collaborations_collaboration_changelist")).content.decode()
    assert reverse("admin:collaborations_collaboration_add") not in page
    assert f'href="{reverse("collaborations:create")}"' in page


def test_a_staff_box_without_acting_as_staff_only_reads_it(client, member, other_member):
    """The admin lets in who has its permissions; the ledger's edits are staff's
    (`collaborations.moderate_collaboration`): the page offers no form the service refuses."""
    collab = log(member, other_member, confirm=True)
    volunteer = UserFactory(is_staff=True, site_staff=False)
    volunteer.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_collaboration", "change_collaboration"],
            content_type__app_label="collaborations",
        )
    )
    client.force_login(volunteer)

    page = client.get(change_url(collab))
    assert page.status_code == 200
    assert 'name="title"' not in page.content.decode()
    assert client.post(change_url(collab), {"title": "Hijacked"}).status_code == 403
    collab.refresh_from_db()
    assert collab.title == "Website redesign"


def test_a_page_opened_before_a_party_s_edit_does_not_undo_it(client, staff, member, other_member):
    """Review: the admin compared what it posted with the row as it was when saved, so a page
    opened before a party's edit wrote the old title back, as staff's change, without a word."""
    collab = log(member, other_member, title="A")
    client.force_login(staff)
    html = client.get(change_url(collab)).content.decode()
    start = html.rindex("<form", 0, html.index('id="collaboration_form"'))
    stale = form_values(html[start:], description="Staff's note")
    collaboration_update(collaboration=collab, actor=member, title="Website redesign")

    response = client.post(change_url(collab), stale)

    assert response.status_code == 200  # the page again, saying why
    assert "was changed since this form was opened" in response.content.decode()
    collab.refresh_from_db()
    assert collab.title == "Website redesign"
    assert collab.description != "Staff's note"
    # Sent again from the page shown now, it is saved as sent ("saving this form again keeps
    # your version"), as the member's edit form does: a choice made knowing of the change.
    again = response.content.decode()
    start = again.rindex("<form", 0, again.index('id="collaboration_form"'))
    assert client.post(change_url(collab), form_values(again[start:])).status_code == 302
    collab.refresh_from_db()
    assert collab.title == "A"
    assert collab.description == "Staff's note"


def test_staff_fixing_a_declined_one_s_title_asks_nobody_again(client, staff, member, other_member):
    """Review: staff's typo fix reopened a declined collaboration and asked who declined it
    again — only its author's edit offers it again."""
    from collaborations.services import participant_decline

    collab = log(member, other_member)
    participant_decline(participant=collab.participants.get(user=other_member), user=other_member)
    collab.refresh_from_db()
    assert collab.status == Collaboration.Status.DECLINED
    client.force_login(staff)

    assert admin_save(client, collab, title="Website redesign, fixed").status_code == 302

    collab.refresh_from_db()
    assert collab.title == "Website redesign, fixed"
    assert collab.status == Collaboration.Status.DECLINED
    assert collab.revision == 1
    assert asked(collab) == set()
