"""A hidden member is named to no one who may not see them, in the history's changes too:
what a member downloads ("my data") names the people they may see, as the pages do."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from collaborations.models import Participant
from collaborations.services import participant_confirm
from members.models import Visibility
from tests.factories import UserFactory

from .conftest import form_as_sent, log, set_visibility

pytestmark = pytest.mark.django_db


def test_my_data_does_not_name_a_hidden_member_in_the_history(client, member):
    cecil = UserFactory(name="Cécil Schmitt")
    set_visibility(cecil, Visibility.HIDDEN)
    collab = log(cecil, member)  # Katia, the client of a hidden author
    participant_confirm(participant=collab.participants.get(user=member), user=member)
    client.force_login(member)
    url = reverse("collaborations:update", args=[collab.pk])
    page = client.get(url).content.decode()
    data = form_as_sent(
        page,
        **{"participants-1-organisation": "Homeexchange", "participants-1-role": "client"},
    )
    assert client.post(url, data).status_code == 302
    assert collab.participants.filter(organisation="Homeexchange").exists()

    download = client.get(reverse("members:my_data_download"))
    assert "Cécil" not in download.content.decode()
    history = json.loads(download.content)["sections"]["collaborations"]["history"]
    [edit] = [h for h in history if "participants" in h["changes"]]
    before, after = edit["changes"]["participants"]
    assert [p["name"] for p in before] == ["a member", "Katia Xenophontos"]
    assert [p["name"] for p in after] == ["a member", "Katia Xenophontos", "Homeexchange"]
    assert {p["role"] for p in after} == {Participant.Role.SUPPLIER, Participant.Role.CLIENT}


def test_an_entry_written_before_snapshots_kept_accounts_names_no_hidden_member(
    client, member, other_member
):
    """Such an entry names the member its name matches, if the reader may see them."""
    cecil = UserFactory(name="Cécil Schmitt")
    collab = log(member, cecil, other_member)
    entry = collab.history.get(action="created")
    for party in entry.changes["participants"][1]:
        party.pop("user", None)  # as written before
    entry.save(update_fields=["changes"])
    set_visibility(cecil, Visibility.HIDDEN)

    client.force_login(member)
    download = client.get(reverse("members:my_data_download"))
    assert "Cécil" not in download.content.decode()
    history = json.loads(download.content)["sections"]["collaborations"]["history"]
    [created] = [h for h in history if h["action"] == "created"]
    names = [p["name"] for p in created["changes"]["participants"][1]]
    assert names == ["Katia Xenophontos", "a member", "Stan Jagiello"]


def test_a_changed_introducer_is_named_as_the_page_names_them(client, member, other_member):
    """QA: the export gave an introducer as an account number (`introduced_by_id`)."""
    cecil = UserFactory(name="Cécil Schmitt")
    set_visibility(cecil, Visibility.HIDDEN)
    collab = log(member, other_member)
    entry = collab.history.get(action="created")
    entry.changes["introduced_by_id"] = [cecil.pk, other_member.pk]  # as an edit records it
    entry.save(update_fields=["changes"])

    client.force_login(member)
    download = client.get(reverse("members:my_data_download"))
    history = json.loads(download.content)["sections"]["collaborations"]["history"]
    [created] = [h for h in history if h["action"] == "created"]
    assert "introduced_by_id" not in created["changes"]
    assert created["changes"]["introduced_by"] == ["a member", "Stan Jagiello"]
