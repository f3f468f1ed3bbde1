"""Chapters, QA round 5: a chapter page as its organiser, a member and staff see it, an
organiser removed while the chapter has events, a chapter with no organiser."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from betacowork.messaging.models import Outbox
from events.models import Event
from events.speed_networking import services as networking

from .factories import EventFactory, RegistrationFactory, kind
from .test_chapter_pages import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def _past_section(html: str) -> str:
    return html.split('id="past-title"', 1)[1].split("</section>", 1)[0]


def test_a_past_draft_is_marked_as_a_draft_for_the_organiser_and_hidden_from_members(
    client, world, member
):
    """An organiser previews their chapter's drafts: one left unpublished whose date went by
    is listed among the past events, so it must say it never went out."""
    EventFactory(
        title="Never published",
        chapter=world["charleroi"],
        status=Event.Status.DRAFT,
        start=timezone.now() - timedelta(days=20),
    )
    EventFactory(
        title="Held", chapter=world["charleroi"], start=timezone.now() - timedelta(days=30)
    )
    client.force_login(world["norman"])
    past = _past_section(client.get(world["charleroi"].get_absolute_url()).content.decode())
    draft_line = next(line for line in past.splitlines() if "Never published" in line)
    held_line = next(line for line in past.splitlines() if "Held" in line)
    assert "Draft" in draft_line
    assert "Draft" not in held_line
    client.force_login(member)
    past = _past_section(client.get(world["charleroi"].get_absolute_url()).content.decode())
    assert "Never published" not in past
    assert "Held" in past


def test_an_organiser_removed_from_the_chapter_loses_its_events_and_staff_keep_them(
    client, world, staff
):
    """Norman steps down while his chapter has an IT day and a Speed Networking evening
    planned: from his next click he runs neither, nor invites the region; staff run both."""
    charleroi, norman = world["charleroi"], world["norman"]
    evening = EventFactory(
        title="Speed evening",
        chapter=charleroi,
        kind=kind("speed-networking"),
        start=timezone.now() - timedelta(minutes=10),
        end=timezone.now() + timedelta(hours=2),
    )
    for name in ("ann", "pierre", "emile", "lea"):
        RegistrationFactory(event=evening, user=world[name].user, checked_in_at=timezone.now())
    networking.networking_plan(event=evening, actor=norman, rounds=2)
    charleroi.organisers.remove(norman)
    run = reverse("events:networking:run", args=[evening.slug])
    invite = reverse("chapters:invite_diaspora", args=[charleroi.slug])
    edit = reverse("organise:edit", args=[world["event"].slug])

    client.force_login(norman)
    assert client.get(run).status_code == 403
    assert client.post(reverse("events:networking:next", args=[evening.slug])).status_code == 403
    assert client.get(edit).status_code == 403
    assert client.post(invite).status_code == 403
    assert invite not in client.get(charleroi.get_absolute_url()).content.decode()
    assert not Outbox.objects.filter(kind="events.chapter_invitation").exists()

    client.force_login(staff)
    assert client.get(run).status_code == 200
    assert client.post(reverse("events:networking:next", args=[evening.slug])).status_code == 302
    assert client.get(edit).status_code == 200
    assert client.post(invite).status_code == 302


def test_a_chapter_with_no_organiser_is_run_by_staff_alone(client, world, staff, member):
    kortrijk = world["kortrijk"]
    kortrijk.organisers.clear()
    EventFactory(title="Kortrijk kick-off", chapter=kortrijk)
    invite = reverse("chapters:invite_diaspora", args=[kortrijk.slug])
    page = client.get(kortrijk.get_absolute_url()).content.decode()
    assert "No organiser yet" in page
    client.force_login(member)
    assert invite not in client.get(kortrijk.get_absolute_url()).content.decode()
    assert client.post(invite).status_code == 403
    client.force_login(world["norman"])  # another chapter's organiser
    assert client.post(invite).status_code == 403
    client.force_login(staff)
    assert invite in client.get(kortrijk.get_absolute_url()).content.decode()
    assert client.post(invite).status_code == 302
    assert re.search("Kortrijk kick-off", client.get(kortrijk.get_absolute_url()).content.decode())
