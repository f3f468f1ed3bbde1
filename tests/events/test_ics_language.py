"""The calendar file attached to an event's emails speaks its reader's language, like the
email itself (QA: a Dutch member's registration, promotion and reminders came with
"CATEGORIES:Talk / Conference", and the move and cancellation a French organiser made came
to everyone with "Journée IT")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_send_due
from events.models import EventKind, Registration
from events.services import event_cancel, event_register
from events.services.reminders import reminder_sweep_run
from tests.events.factories import EventFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

WORDS = {"en": "IT day", "fr": "Journée IT", "nl": "IT-dag"}


@pytest.fixture
def it_day():
    kind = EventKind.objects.create(
        slug="test-it-day", name_en=WORDS["en"], name_fr=WORDS["fr"], name_nl=WORDS["nl"]
    )
    start = timezone.now() + timedelta(hours=20)
    return EventFactory(kind=kind, start=start, end=start + timedelta(hours=3), capacity=None)


@pytest.fixture
def readers():
    return {lang: UserFactory(preferred_language=lang) for lang in ("fr", "nl")}


def _categories(kind: str) -> dict[str, str]:
    """{language: the CATEGORIES line of the .ics} of the sent `kind` messages."""
    found = {}
    for row in Outbox.objects.filter(kind=kind, status=Outbox.Status.SENT):
        [ics] = row.attachments
        [line] = [x for x in ics["content"].splitlines() if x.startswith("CATEGORIES")]
        found[row.language] = line.split(":", 1)[1].replace("\\", "")
    return found


def _send():
    with translation.override("en"):  # the worker's language, whatever the reader's
        outbox_send_due()


def test_the_registration_email_s_calendar_file(it_day, readers):
    for user in readers.values():
        event_register(event=it_day, user=user)
    _send()
    kinds = set(Outbox.objects.values_list("kind", flat=True))
    [kind] = [k for k in kinds if k.endswith("registration_confirmed")]
    assert _categories(kind) == {"fr": WORDS["fr"], "nl": WORDS["nl"]}


def test_the_reminders_calendar_files(it_day, readers):
    for user in readers.values():
        event_register(event=it_day, user=user)
    Outbox.objects.all().delete()
    # Seats taken days ago (one confirmed just before a reminder falls due gets none).
    Registration.objects.update(confirmed_at=timezone.now() - timedelta(days=3))
    with translation.override("en"):
        assert reminder_sweep_run() == 2
    _send()
    assert _categories("events.reminder") == {"fr": WORDS["fr"], "nl": WORDS["nl"]}


def test_a_cancellation_by_a_french_organiser(it_day, readers):
    for user in readers.values():
        event_register(event=it_day, user=user)
    Outbox.objects.all().delete()
    with translation.override("fr"):
        event_cancel(event=it_day)
    _send()
    [kind] = set(Outbox.objects.values_list("kind", flat=True))
    assert _categories(kind) == {"fr": WORDS["fr"], "nl": WORDS["nl"]}
