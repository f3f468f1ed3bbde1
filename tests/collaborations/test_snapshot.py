"""The dashboard's stored snapshot: an uncached visit reads one row, and whatever changes what
the page shows — a confirmation, a hidden profile, a renamed event — is on the next visit
once it commits, never an older drawing (collaborations.services.snapshot)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from collaborations.models import DashboardGeneration, DashboardSnapshot, Participant
from collaborations.selectors import dashboard_snapshot_read
from collaborations.services import (
    SNAPSHOT_MAX_AGE,
    dashboard_generation_bump,
    dashboard_snapshot_store,
    participant_confirm,
)
from collaborations.views import reports as views
from members.models import Visibility

from .conftest import attend, log, make_past_event, set_visibility

pytestmark = pytest.mark.django_db

URL = "/collaborations/dashboard/"


@pytest.fixture(autouse=True)
def _no_cache(settings):
    settings.COLLABORATIONS_DASHBOARD_CACHE = 0  # the shared cache off: the snapshot alone


def total(response) -> int:
    assert response.status_code == 200
    found = re.search(r"<strong>(\d+)</strong>", response.content.decode())
    return int(found[1])


def figures(response) -> str:
    """The figures section of the page (from the first figure to the end of the graph)."""
    body = response.content.decode()
    return body[body.index('<ul class="stats collab-stats">') : body.index("</main>")]


def confirm_rest(collab) -> None:
    for p in collab.participants.filter(state=Participant.State.PENDING, user__isnull=False):
        participant_confirm(participant=p, user=p.user)


def test_a_second_visit_reads_the_stored_figures_in_one_query(client, member, other_member):
    log(member, other_member, confirm=True, title="Website")
    set_visibility(member, Visibility.PUBLIC)
    set_visibility(other_member, Visibility.PUBLIC)
    with CaptureQueriesContext(connection) as drawn:
        first = client.get(URL)
    with CaptureQueriesContext(connection) as stored:
        second = client.get(URL)
    assert total(first) == total(second) == 1
    assert figures(second) == figures(first)
    assert member.profile.display_name in figures(second)
    sql = [q["sql"] for q in stored.captured_queries]
    assert [s for s in sql if "dashboardsnapshot" in s.lower()] == [sql[-1]]
    assert not [s for s in sql if "dashboardtally" in s.lower()]
    assert len(stored.captured_queries) == 1
    assert len(drawn.captured_queries) > 8  # the tallies, the names, the graph, the store


def test_a_confirmation_shows_on_the_next_visit_once_committed(
    client, member, other_member, django_capture_on_commit_callbacks
):
    collab = log(member, other_member)
    assert total(client.get(URL)) == 0
    assert total(client.get(URL)) == 0  # stored
    with django_capture_on_commit_callbacks(execute=True):
        confirm_rest(collab)
    assert total(client.get(URL)) == 1


def test_a_hidden_profile_leaves_the_stored_figures(
    client, member, other_member, django_capture_on_commit_callbacks
):
    log(member, other_member, confirm=True)
    set_visibility(member, Visibility.PUBLIC)
    set_visibility(other_member, Visibility.PUBLIC)
    assert other_member.profile.display_name in figures(client.get(URL))
    with django_capture_on_commit_callbacks(execute=True):
        set_visibility(other_member, Visibility.HIDDEN)
    assert not DashboardSnapshot.objects.exists()  # the drawing with the name is gone
    assert other_member.profile.display_name not in figures(client.get(URL))


def test_a_renamed_event_shows_its_new_title(
    client, member, other_member, django_capture_on_commit_callbacks
):
    event = make_past_event(title="Betacooks Ixelles")
    attend(event, member)
    log(member, other_member, confirm=True, origin_type="event", origin_event=event)
    assert "Betacooks Ixelles" in figures(client.get(URL))
    with django_capture_on_commit_callbacks(execute=True):
        event.title = "Betacooks Etterbeek"
        event.save()
    page = figures(client.get(URL))
    assert "Betacooks Etterbeek" in page
    assert "Betacooks Ixelles" not in page


def test_a_sign_in_keeps_the_snapshot_a_deactivated_account_does_not(
    member, django_capture_on_commit_callbacks
):
    def generation() -> int:
        return DashboardGeneration.objects.values_list("n", flat=True).first() or 0

    before = generation()
    with django_capture_on_commit_callbacks(execute=True):
        member.last_login = timezone.now()
        member.save(update_fields=["last_login"])
    assert generation() == before
    with django_capture_on_commit_callbacks(execute=True):
        member.is_active = False
        member.save(update_fields=["is_active"])
    assert generation() == before + 1


def test_one_bump_per_transaction_however_many_changes(
    member, other_member, third_member, django_capture_on_commit_callbacks
):
    collab = log(member, other_member, third_member)
    before = DashboardGeneration.objects.values_list("n", flat=True).first() or 0
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        confirm_rest(collab)  # two confirmations, the tallies, the status, a profile saved
        set_visibility(member, Visibility.PUBLIC)
    steps = [c for c in callbacks if type(c).__name__ == "_Bump"]
    assert len(steps) >= 3  # each change asked for the bump…
    assert DashboardGeneration.objects.get().n == before + 1  # …which the commit made once


def test_audiences_and_languages_are_stored_apart(client, member, other_member):
    log(member, other_member, confirm=True, visibility="members")
    set_visibility(member, Visibility.MEMBERS)
    set_visibility(other_member, Visibility.MEMBERS)
    anonymous = figures(client.get(URL))
    french = client.get(URL, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    client.force_login(member)
    members = figures(client.get(URL))
    assert other_member.profile.display_name in members
    assert other_member.profile.display_name not in anonymous  # members-only, not to visitors
    assert "collaborations confirmées" in french
    assert "confirmed collaborations" in anonymous
    assert set(DashboardSnapshot.objects.values_list("audience", "language")) == {
        ("public", "en"),
        ("public", "fr"),
        ("members", "en"),
    }


def _read():
    return dashboard_snapshot_read(audience="public", language="en", max_age=SNAPSHOT_MAX_AGE)


def test_a_snapshot_is_served_only_at_its_generation_release_and_age():
    current = _read().generation
    dashboard_snapshot_store(audience="public", language="en", generation=current, html="A")
    assert _read().html == "A"
    dashboard_generation_bump()
    assert _read().html is None  # a later generation
    later = _read().generation
    dashboard_snapshot_store(audience="public", language="en", generation=later, html="B")
    # A slower request drawn at the earlier generation stores last: it does not replace B.
    dashboard_snapshot_store(audience="public", language="en", generation=current, html="A")
    assert _read().html == "B"
    DashboardSnapshot.objects.update(rendering="an-older-release")
    assert _read().html is None  # drawn by an earlier release
    dashboard_snapshot_store(audience="public", language="en", generation=later, html="C")
    assert _read().html == "C"
    DashboardSnapshot.objects.update(built_at=timezone.now() - SNAPSHOT_MAX_AGE - timedelta(1))
    assert _read().html is None


def test_a_refused_write_still_serves_the_page(client, member, other_member):
    log(member, other_member, confirm=True)

    def refuse(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("INSERT") and "dashboardsnapshot" in sql.lower():
            raise OperationalError("database is locked")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse):
        assert total(client.get(URL)) == 1
    assert not DashboardSnapshot.objects.exists()
    assert total(client.get(URL)) == 1
    assert DashboardSnapshot.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("label", ["read-first", "negative-control"])
def test_a_change_committed_while_the_figures_are_drawn_is_shown_next(client, monkeypatch, label):
    """The confirmation commits after the figures were drawn and before they are stored.
    Labelled with the generation read before drawing (what the view does) the stored figures
    are drawn again on the next visit; labelled with one read after (the negative control),
    the older figures would be served until the next change."""
    from tests.factories import UserFactory

    a, b = UserFactory(), UserFactory()
    collab = log(a, b)
    store = views.dashboard_snapshot_store

    def confirm_then_store(*, generation, **kwargs):
        confirm_rest(collab)  # commits, then bumps the generation
        if label == "negative-control":
            generation = _read().generation
        store(generation=generation, **kwargs)

    monkeypatch.setattr(views, "dashboard_snapshot_store", confirm_then_store)
    assert total(client.get(URL)) == 0  # drawn before the confirmation
    monkeypatch.setattr(views, "dashboard_snapshot_store", store)
    assert total(client.get(URL)) == (1 if label == "read-first" else 0)


def test_a_rebuild_of_an_emptied_ledger_empties_the_stored_figures(
    client, member, other_member, django_capture_on_commit_callbacks
):
    from collaborations.models import Collaboration
    from collaborations.services import summary_rebuild

    log(member, other_member, confirm=True)
    assert total(client.get(URL)) == 1
    # A bulk change past the services and their signals: nothing confirmed any more.
    Collaboration.objects.update(status=Collaboration.Status.DECLINED)
    with django_capture_on_commit_callbacks(execute=True):
        summary_rebuild()
    assert total(client.get(URL)) == 0


def test_an_imported_participant_signing_in_is_named_at_once(
    client, member, other_member, django_capture_on_commit_callbacks
):
    """Imported people are hidden until their first sign-in; then the members' dashboard
    names them (the sign-in step saves the profile, which moves the generation)."""
    from members.services import profile_unhide_on_first_login

    log(member, other_member, confirm=True, visibility="members")
    set_visibility(member, Visibility.MEMBERS)
    type(other_member.profile).objects.filter(pk=other_member.profile.pk).update(
        visibility=Visibility.HIDDEN, hidden_until_login=True
    )
    client.force_login(member)
    assert other_member.profile.display_name not in figures(client.get(URL))
    with django_capture_on_commit_callbacks(execute=True):
        assert profile_unhide_on_first_login(user=other_member) is True
    assert other_member.profile.display_name in figures(client.get(URL))
