"""A collaboration's page names people by one rule: a profile the viewer may not see is
"a member" everywhere on it — participants, "Logged by", the history — and staff see names."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from members.models import Visibility

from .conftest import form_as_sent, log, set_visibility

pytestmark = pytest.mark.django_db


def logged_by(body: str) -> str:
    return re.search(r"<dt>Logged by</dt><dd>(.*?)</dd>", body)[1]


def history(body: str) -> str:
    return re.search(r'<ol class="collab-history">(.*?)</ol>', body, re.S)[1]


def test_a_hidden_author_is_a_member_to_the_other_party(client, member, other_member):
    collab = log(member, other_member, confirm=True)
    set_visibility(member, Visibility.HIDDEN)
    client.force_login(other_member)
    body = client.get(collab.get_absolute_url()).content.decode()
    assert member.name not in body
    assert logged_by(body) == "a member"
    assert "a member" in history(body)  # "Logged · a member"
    assert other_member.name in history(body)  # the other party's own confirmation


def test_a_visible_author_is_named_and_staff_see_every_name(client, member, other_member, staff):
    collab = log(member, other_member, confirm=True)
    client.force_login(other_member)
    body = client.get(collab.get_absolute_url()).content.decode()
    assert logged_by(body) == member.name
    assert member.name in history(body)

    set_visibility(member, Visibility.HIDDEN)
    for viewer in (staff, member):  # staff, and the author themselves
        client.force_login(viewer)
        body = client.get(collab.get_absolute_url()).content.decode()
        assert logged_by(body) == member.name
        assert member.name in history(body)


def test_a_hidden_editor_is_a_member_in_the_history(client, member, other_member):
    collab = log(member, other_member, confirm=True)
    client.force_login(other_member)
    url = reverse("collaborations:update", args=[collab.pk])
    client.post(url, form_as_sent(client.get(url).content.decode(), title="Renamed"))
    set_visibility(other_member, Visibility.HIDDEN)
    client.force_login(member)
    body = client.get(collab.get_absolute_url()).content.decode()
    assert other_member.name not in body
    assert other_member.profile.display_name not in body
    assert "Edited · a member" in re.sub(r"\s+", " ", history(body))
