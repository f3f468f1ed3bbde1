"""Where a collaboration began stays as it was when its editor cannot name it again: an
introducer they may not see (hidden), one whose account was deleted, an event deleted since.
Only an editor who changes the origin must give its member or its event."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from collaborations.models import Collaboration, CollaborationHistory
from collaborations.services import collaboration_update
from members.models import Visibility
from members.services import account_delete
from tests.factories import UserFactory

from .conftest import attend, form_as_sent, log, make_past_event, set_visibility

pytestmark = pytest.mark.django_db


@pytest.fixture
def cecil(db):
    return UserFactory(name="Cécil Schmitt")


@pytest.fixture
def toon(db):
    return UserFactory(name="Toon Vanagt")


@pytest.fixture
def introduced(member, cecil, toon):
    """Katia logged a collaboration with Cécil, introduced by Toon."""
    return log(member, cecil, origin_type="introduction", introduced_by=toon, title="Website")


def _edit(client, collab, **changes):
    url = reverse("collaborations:update", args=[collab.pk])
    page = client.get(url).content.decode()
    return page, client.post(url, form_as_sent(page, **changes))


def _last_edit(collab) -> CollaborationHistory:
    return collab.history.filter(action__in=["updated", "reopened"]).latest("pk")


def test_a_hidden_introducer_is_kept_by_an_edit_of_the_title(client, member, toon, introduced):
    set_visibility(toon, Visibility.HIDDEN)
    client.force_login(member)

    page, response = _edit(client, introduced, title="Website, phase 2")

    assert "Toon" not in page  # the form does not name them either
    assert response.status_code == 302, response.content.decode()[:3000]
    introduced.refresh_from_db()
    assert introduced.title == "Website, phase 2"
    assert (introduced.origin_type, introduced.introduced_by) == ("introduction", toon)
    assert set(_last_edit(introduced).changes) == {"title"}


def test_a_hidden_introducer_cleared_must_be_replaced(client, member, toon, introduced):
    set_visibility(toon, Visibility.HIDDEN)
    client.force_login(member)

    _page, response = _edit(client, introduced, introduced_by="", introduced_by_slug="")

    assert response.status_code == 400
    assert "Say which member introduced you." in response.content.decode()
    introduced.refresh_from_db()
    assert introduced.introduced_by == toon


def test_an_introducer_whose_account_was_deleted_stays_so(client, member, toon, introduced):
    account_delete(user=toon)
    client.force_login(member)

    page, response = _edit(client, introduced, title="Website, phase 2")

    assert "left Betacowork" in page
    assert response.status_code == 302, response.content.decode()[:3000]
    introduced.refresh_from_db()
    assert introduced.title == "Website, phase 2"
    assert (introduced.origin_type, introduced.introduced_by) == ("introduction", None)
    assert set(_last_edit(introduced).changes) == {"title"}
    assert (
        "Introduced by a former member"
        in client.get(introduced.get_absolute_url()).content.decode()
    )


def test_an_origin_event_deleted_since_stays_so(client, member, cecil):
    event = make_past_event(title="Betacooks")
    attend(event, member)
    collab = log(member, cecil, origin_type="event", origin_event=event, title="Website")
    event.delete()  # staff delete the past event
    client.force_login(member)

    page, response = _edit(client, collab, title="Website, phase 2")

    assert "The event where you met was deleted" in page
    assert response.status_code == 302, response.content.decode()[:3000]
    collab.refresh_from_db()
    assert collab.title == "Website, phase 2"
    assert (collab.origin_type, collab.origin_event) == ("event", None)
    assert set(_last_edit(collab).changes) == {"title"}
    detail = client.get(collab.get_absolute_url()).content.decode()
    assert "At an event since deleted" in detail


def test_changing_the_origin_still_asks_for_its_member(client, member, cecil):
    event = make_past_event(title="Betacooks")
    attend(event, member)
    collab = log(member, cecil, origin_type="event", origin_event=event)
    event.delete()
    client.force_login(member)

    _page, response = _edit(client, collab, origin_type="introduction")

    assert response.status_code == 400
    assert "Say which member introduced you." in response.content.decode()
    collab.refresh_from_db()
    assert collab.origin_type == Collaboration.Origin.EVENT


def test_the_service_refuses_an_origin_changed_without_its_member(member, cecil):
    collab = log(member, cecil, origin_type="space")
    with pytest.raises(ValidationError) as refused:
        collaboration_update(collaboration=collab, actor=member, origin_type="introduction")
    assert "Say which member introduced you." in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        collaboration_update(collaboration=collab, actor=member, origin_type="event")
    assert "Choose the event where you met." in str(refused.value)
    collab.refresh_from_db()
    assert collab.origin_type == Collaboration.Origin.SPACE
