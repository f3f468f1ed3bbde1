"""Chapters, audit round 4: defects an organiser or a member would notice, each reproduced by
a test that failed before its fix."""

from __future__ import annotations

import pytest
from django.urls import reverse

from betacowork.messaging.models import Outbox
from events.chapters.services import chapter_diaspora_invite

from .test_chapter_invite import _invited
from .test_chapter_pages import DIASPORA, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def test_the_chapters_own_organisers_are_not_invited_to_its_event(world):
    """Ann lives in Charleroi and works in Brussels: the region's diaspora. Once she
    co-organises the chapter, "its organisers would be glad to see you" is not for her."""
    world["charleroi"].organisers.add(world["ann"].user)
    assert chapter_diaspora_invite(chapter=world["charleroi"], actor=world["norman"]) == 4
    assert _invited(world) == DIASPORA - {"Ann Charlier"}


def test_the_organiser_clicking_is_not_invited_and_the_others_are(client, world):
    world["charleroi"].organisers.add(world["ann"].user)
    client.force_login(world["ann"].user)
    response = client.post(reverse("chapters:invite_diaspora", args=["charleroi"]))
    assert response.status_code == 302
    assert _invited(world) == DIASPORA - {"Ann Charlier"}
    # Another chapter's organiser (refused side) writes nothing.
    Outbox.objects.all().delete()
    client.force_login(world["jurgen"])
    assert client.post(reverse("chapters:invite_diaspora", args=["charleroi"])).status_code == 403
    assert not Outbox.objects.exists()
