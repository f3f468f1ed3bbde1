"""The reminder sweep's rendering and links (events/services/reminders.py): the same bytes as
rendering each reminder on its own, in every language, with the links' signers keyed once
per sweep and their paths reversed once."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core import signing
from django.urls import get_script_prefix, set_script_prefix
from django.utils import timezone, translation

from betacowork.messaging.models import Outbox
from betacowork.messaging.preferences import unsubscribe_token_load, unsubscribe_url
from betacowork.messaging.rendering import KeptKeySigner, KeptKeyTimestampSigner
from events.services.common import guest_cancel_url, registration_from_token
from events.services.reminder_render import ReminderLinks, reminder_message
from events.services.reminders import reminder_sweep_run
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = 1_790_000_000.25  # the signers' clock, frozen: a cancel link carries the second


@pytest.fixture
def frozen_signing_clock():
    with mock.patch("django.core.signing.time.time", return_value=NOW):
        yield


def _event():
    start = timezone.now() + timedelta(hours=20)
    return EventFactory(start=start, end=start + timedelta(minutes=90), title="Tom & Jerry's <b>")


def test_the_sweep_writes_every_reminder_as_rendered_on_its_own(frozen_signing_clock):
    """Rendered once per (event, language, kind of recipient) with each person's values put
    in: byte for byte the per-reminder rendering, names needing HTML escaping included, in
    every language, for members and guests."""
    event = _event()
    people = [
        RegistrationFactory(event=event, user=UserFactory(name="Ann<&>Lee")),
        RegistrationFactory(
            event=event, user=UserFactory(name='O\'Brien "Bob"', preferred_language="fr")
        ),
        RegistrationFactory(event=event, user=UserFactory(name="Jan", preferred_language="nl")),
        RegistrationFactory(event=event, user=None, name="Zoé & Co", email="Z@Guest.test"),
        RegistrationFactory(
            event=event, user=None, name="<script>x</script>", email="g@guest.test", language="fr"
        ),
        RegistrationFactory(
            event=event, user=None, name="Els 'n Piet", email="e@guest.test", language="nl"
        ),
    ]
    assert reminder_sweep_run() == len(people)
    languages = set()
    for registration in people:
        row = Outbox.objects.get(dedup_key__endswith=f":reg{registration.pk}:v1")
        one = reminder_message(
            event=event,
            registration=registration,
            offset=1440,
            user=registration.user,
            language=row.language,
        )
        assert (row.subject, row.body_text, row.body_html) == (one.subject, one.text, one.html)
        languages.add(row.language)
    assert languages == {"en", "fr", "nl"}
    html = Outbox.objects.get(recipient=people[0].user).body_html
    assert "Ann&lt;&amp;&gt;Lee" in html
    assert "<script>x</script>" not in Outbox.objects.get(to_email="g@guest.test").body_html


@pytest.mark.parametrize("language", ["en", "fr", "nl"])
def test_the_sweep_s_links_are_those_of_the_one_by_one_helpers(language, frozen_signing_clock):
    """Same URLs as guest_cancel_url() and unsubscribe_url(), in the active language and under
    a script prefix, and they open what they name."""
    member = UserFactory()
    registration = RegistrationFactory(event=_event(), user=None, email="Mixed.Case@Guest.test")
    prefix = get_script_prefix()
    try:
        set_script_prefix("/sub/")
        with translation.override(language):
            links = ReminderLinks()
            assert links.cancel(registration) == guest_cancel_url(registration)
            assert links.unsubscribe(member) == unsubscribe_url(member, "reminder")
            cancel, unsubscribe = links.cancel(registration), links.unsubscribe(member)
    finally:
        set_script_prefix(prefix)
    assert registration_from_token(cancel.rstrip("/").rsplit("/", 1)[1]) == registration
    assert unsubscribe_token_load(unsubscribe.rstrip("/").rsplit("/", 1)[1]) == (
        member,
        "reminder",
    )


@pytest.mark.parametrize("value", [{"u": 1, "k": "reminder"}, {"r": 2, "e": "é@x.test"}, [], "x"])
def test_a_kept_key_signer_signs_as_django_s(value, frozen_signing_clock):
    salt = "tests.salt"
    assert KeptKeySigner(salt=salt).sign_object(value) == signing.Signer(salt=salt).sign_object(
        value
    )
    assert KeptKeyTimestampSigner(salt=salt).sign_object(value) == signing.dumps(value, salt=salt)
    assert signing.loads(KeptKeyTimestampSigner(salt=salt).sign_object(value), salt=salt) == value


def test_a_sweep_derives_each_signing_key_once(frozen_signing_clock):
    """The key of an HMAC is derived from SECRET_KEY once per signer, not once per link."""
    from betacowork.messaging import rendering

    event = _event()
    for _ in range(5):
        RegistrationFactory(event=event, user=UserFactory())
    derived = mock.Mock(wraps=signing.salted_hmac)
    with (
        mock.patch.object(signing, "salted_hmac", derived),
        mock.patch.object(rendering, "salted_hmac", derived),
    ):
        assert reminder_sweep_run() == 5
    assert 0 < derived.call_count <= 2  # the cancel links' signer and the unsubscribe links'
