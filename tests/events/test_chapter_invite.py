"""Telling a chapter's region, working elsewhere, about its next event: who gets an
invitation, in which language, once, and never when they said no."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from betacowork.messaging import kind_for, optional_preferences
from betacowork.messaging.models import Outbox
from betacowork.messaging.preferences import email_preference_set
from betacowork.messaging.sender import outbox_send_due
from events.chapters.services import chapter_diaspora_invite
from events.models import Event

from .factories import EventFactory, RegistrationFactory
from .test_chapter_pages import DIASPORA, INVITE_KIND, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def _invited(world) -> set[str]:
    return set(
        Outbox.objects.filter(kind=INVITE_KIND).values_list(
            "recipient__profile__display_name", flat=True
        )
    )


def test_the_kind_is_registered_with_its_preference():
    kind = kind_for(INVITE_KIND)
    assert kind is not None
    assert kind.template_prefix == "chapters/email/invitation"
    assert optional_preferences()["regional_invitations"] == "Invitations to events in my region"


def test_the_preferences_page_offers_to_turn_invitations_off(client, member):
    client.force_login(member)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "Invitations to events in my region" in page


def test_an_organiser_invites_the_region_once(world):
    assert chapter_diaspora_invite(chapter=world["charleroi"], actor=world["norman"]) == 5
    assert _invited(world) == DIASPORA
    assert chapter_diaspora_invite(chapter=world["charleroi"], actor=world["norman"]) == 0
    assert Outbox.objects.filter(kind=INVITE_KIND).count() == len(DIASPORA)
    row = Outbox.objects.get(kind=INVITE_KIND, recipient=world["ann"].user)
    assert row.dedup_key == f"chapter-invite:{world['event'].pk}:{world['ann'].user.pk}"
    assert row.topic == f"event:{world['event'].pk}"
    assert "Switch IT day" in row.subject
    assert world["event"].get_absolute_url() in row.body_text
    assert "/notifications/" in row.body_text  # the unsubscribe link
    assert row.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert row.body_html


def test_staff_inviting_never_reaches_a_hidden_profile(world, staff):
    assert chapter_diaspora_invite(chapter=world["charleroi"], actor=staff) == 5
    assert "Hidden Hainuyer" not in _invited(world)


def test_who_said_no_or_is_unverified_is_not_invited(world):
    email_preference_set(user=world["ann"].user, kind="regional_invitations", subscribed=False)
    EmailAddress.objects.filter(user=world["lea"].user).update(verified=False)
    world["max"].user.is_active = False
    world["max"].user.save()
    assert chapter_diaspora_invite(chapter=world["charleroi"], actor=world["norman"]) == 2
    assert _invited(world) == {"Pierre Public", "Émile Hainuyer"}


def test_who_already_knows_is_not_invited(world):
    """Registered for the event, or following the chapter (its announcement told them)."""
    RegistrationFactory(event=world["event"], user=world["ann"].user)
    world["charleroi"].followers.add(world["pierre"].user)
    chapter_diaspora_invite(chapter=world["charleroi"], actor=world["norman"])
    assert _invited(world) == DIASPORA - {"Ann Charlier", "Pierre Public"}


def test_each_invitation_is_in_its_reader_language(world):
    world["emile"].user.preferred_language = "fr"
    world["emile"].user.save()
    chapter_diaspora_invite(chapter=world["charleroi"], actor=world["norman"])
    languages = dict(
        Outbox.objects.filter(kind=INVITE_KIND).values_list("recipient__name", "language")
    )
    assert languages["Émile Hainuyer"] == "fr"
    assert languages["Ann Charlier"] == "en"


def test_the_next_event_is_the_next_published_one_not_started(world):
    chapter = world["charleroi"]
    EventFactory(chapter=chapter, status=Event.Status.DRAFT, start=timezone.now() + timedelta(1))
    EventFactory(chapter=chapter, start=timezone.now() - timedelta(minutes=10))  # under way
    EventFactory(chapter=chapter, start=timezone.now() + timedelta(days=30))  # later
    chapter_diaspora_invite(chapter=chapter, actor=world["norman"])
    topics = set(Outbox.objects.filter(kind=INVITE_KIND).values_list("topic", flat=True))
    assert topics == {f"event:{world['event'].pk}"}  # next week's


def test_refusals_write_nothing(world, member):
    with pytest.raises(PermissionDenied):
        chapter_diaspora_invite(chapter=world["charleroi"], actor=member)
    with pytest.raises(PermissionDenied):
        chapter_diaspora_invite(chapter=world["charleroi"], actor=world["jurgen"])
    world["event"].status = Event.Status.CANCELLED
    world["event"].save()
    with pytest.raises(ValidationError, match="no published upcoming event"):
        chapter_diaspora_invite(chapter=world["charleroi"], actor=world["norman"])
    assert not Outbox.objects.filter(kind=INVITE_KIND).exists()


def test_an_invitation_to_a_cancelled_event_or_after_an_unsubscribe_is_not_sent(world, mailoutbox):
    chapter_diaspora_invite(chapter=world["charleroi"], actor=world["norman"])
    email_preference_set(user=world["ann"].user, kind="regional_invitations", subscribed=False)
    outbox_send_due(
        ids=list(
            Outbox.objects.filter(kind=INVITE_KIND, recipient=world["ann"].user).values_list(
                "pk", flat=True
            )
        )
    )
    assert Outbox.objects.get(recipient=world["ann"].user, kind=INVITE_KIND).status == "cancelled"

    world["event"].status = Event.Status.CANCELLED
    world["event"].save()
    outbox_send_due(ids=list(Outbox.objects.filter(kind=INVITE_KIND).values_list("pk", flat=True)))
    statuses = set(Outbox.objects.filter(kind=INVITE_KIND).values_list("status", flat=True))
    assert statuses == {"cancelled"}
    assert mailoutbox == []
    row = Outbox.objects.get(recipient=world["pierre"].user, kind=INVITE_KIND)
    assert "cancelled" in row.last_error


def test_a_pending_invitation_is_sent(world, mailoutbox):
    chapter_diaspora_invite(chapter=world["charleroi"], actor=world["norman"])
    row = Outbox.objects.get(recipient=world["pierre"].user, kind=INVITE_KIND)
    outbox_send_due(ids=[row.pk])
    row.refresh_from_db()
    assert row.status == "sent"
    assert [m.to for m in mailoutbox] == [[world["pierre"].user.email]]
