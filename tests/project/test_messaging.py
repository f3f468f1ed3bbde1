"""The messaging ground floor: the kind registry and notify() (betacowork/messaging/)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from betacowork.messaging import (
    MessageKind,
    kind_for,
    notify,
    notify_address,
    optional_preferences,
    register_kind,
)
from betacowork.messaging import kinds as registry
from betacowork.messaging.models import Outbox
from betacowork.messaging.preferences import email_preference_set
from betacowork.messaging.sender import outbox_send_due
from tests.events.factories import EventFactory
from tests.factories import ChapterFactory, UserFactory

pytestmark = pytest.mark.django_db


class _TestAnnouncement(MessageKind):
    key = "tests.announcement"
    template_prefix = "events/email/chapter_announcement"
    preference = "tests_news"
    preference_label = "News from the tests"

    def obsolete_reasons(self, rows):
        return {row.pk: "Event is over." for row in rows if row.topic == "obsolete"}


@pytest.fixture
def test_kind():
    register_kind(_TestAnnouncement)
    yield kind_for("tests.announcement")
    registry._registry.pop("tests.announcement", None)


@pytest.fixture
def context():
    chapter = ChapterFactory(name="Charleroi")
    event = EventFactory(chapter=chapter, title="Switch IT day")
    return {
        "event": event,
        "chapter": chapter,
        "start": timezone.localtime(event.start),
        "place": "Switch",
        "event_url": "https://example.test/e",
    }


def test_a_registered_kind_is_found_and_offers_its_preference(test_kind):
    assert test_kind.key == "tests.announcement"
    assert optional_preferences()["tests_news"] == "News from the tests"
    assert registry.is_optional_preference("tests_news")


def test_notify_writes_one_row_in_the_recipients_language(test_kind, context):
    lea = UserFactory(name="Léa Dubois", preferred_language="fr")
    assert notify(kind="tests.announcement", recipient=lea, context=context, dedup_key="t:1")
    # A known key writes nothing new, whatever the retries.
    assert not notify(kind="tests.announcement", recipient=lea, context=context, dedup_key="t:1")
    assert Outbox.objects.filter(dedup_key="t:1").count() == 1
    row = Outbox.objects.get(dedup_key="t:1")
    assert row.kind == "tests.announcement"
    assert row.language == "fr"
    assert "Switch IT day" in row.body_text
    assert "Bonjour Léa" in row.body_text
    assert "List-Unsubscribe" in row.headers
    assert "/notifications/unsubscribe/" in row.body_text


def test_notify_respects_the_preference(test_kind, context):
    lea = UserFactory(name="Léa Dubois")
    email_preference_set(user=lea, kind="tests_news", subscribed=False)
    lea.refresh_from_db()
    assert not notify(kind="tests.announcement", recipient=lea, context=context, dedup_key="t:2")
    assert not Outbox.objects.filter(dedup_key="t:2").exists()


def test_an_unsubscribe_after_writing_still_counts_and_obsolete_rows_are_not_sent(
    test_kind, context, mailoutbox
):
    lea, stan = UserFactory(name="Léa Dubois"), UserFactory(name="Stan Jagiello")
    notify(kind="tests.announcement", recipient=lea, context=context, dedup_key="t:lea")
    notify(
        kind="tests.announcement",
        recipient=stan,
        context=context,
        dedup_key="t:stan",
        topic="obsolete",
    )
    email_preference_set(user=lea, kind="tests_news", subscribed=False)
    outbox_send_due()
    assert mailoutbox == []
    reasons = dict(Outbox.objects.values_list("dedup_key", "last_error"))
    assert reasons["t:lea"] == "Recipient unsubscribed from this kind of message."
    assert reasons["t:stan"] == "Event is over."


def test_notify_address_writes_for_a_guest(test_kind, context):
    assert notify_address(
        kind=test_kind,
        to_email="guest@example.test",
        language="nl",
        context={**context, "name": "Gast"},
        dedup_key="t:guest",
    )
    row = Outbox.objects.get(dedup_key="t:guest")
    assert row.recipient is None
    assert row.language == "nl"


def test_unknown_kinds_and_inactive_accounts(test_kind, context):
    with pytest.raises(LookupError):
        notify(kind="nope", recipient=UserFactory(), context=context, dedup_key="x")
    gone = UserFactory(is_active=False)
    assert not notify(kind=test_kind, recipient=gone, context=context, dedup_key="t:gone")


def test_two_kinds_cannot_share_a_key(test_kind):
    class Other(MessageKind):
        key = "tests.announcement"
        template_prefix = "x"

    with pytest.raises(ValueError, match="Two message kinds"):
        register_kind(Other)


def test_every_registered_kind_has_its_templates():
    from django.template.loader import get_template

    from betacowork.messaging import registered_kinds

    keys = {kind.key for kind in registered_kinds()}
    assert {
        "events.registration_confirmed",
        "events.registration_waitlisted",
        "events.registration_promoted",
        "events.reminder",
        "events.chapter_announcement",
        "events.event_changed",
        "events.event_cancelled",
        "collaborations.collaboration_request",
        "collaborations.event_followup",
        "account.email_confirmation_signup",
        "account.password_reset_key",
    } <= keys
    for kind in registered_kinds():
        subject, text, _html = kind.template_names()
        get_template(subject)
        get_template(text)
