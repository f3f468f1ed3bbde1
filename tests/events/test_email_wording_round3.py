"""Event emails say only what is true, with each language's punctuation: a promotion does not
claim someone cancelled (staff may have raised the capacity), and a label's colon is part of
the translated label ("Avant :" in French, never "Avant:")."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_render
from events import services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LANGUAGES = ("en", "fr", "nl")
# The old wording, as the catalogues translate it.
SOMEONE_CANCELLED = ("someone cancelled", "s'est désisté", "heeft geannuleerd")


def waitlisted_in_each_language(event) -> None:
    event.capacity = 1
    event.save()
    services.event_register(event=event, user=UserFactory())
    for language in LANGUAGES:
        services.event_register(event=event, user=UserFactory(preferred_language=language))


def promoted_bodies() -> dict[str, str]:
    rows = list(Outbox.objects.filter(kind="events.registration_promoted"))
    assert outbox_render(rows) == {}
    return {row.language: row.body_text + row.body_html for row in rows}


def test_a_seat_opened_by_more_capacity_does_not_say_someone_cancelled(event):
    waitlisted_in_each_language(event)
    services.event_update(event=event, data={"capacity": 4})  # staff raise it: nobody left
    bodies = promoted_bodies()
    assert set(bodies) == set(LANGUAGES)
    for language, body in bodies.items():
        assert not [w for w in SOMEONE_CANCELLED if w in body], language
    assert "a seat opened up" in bodies["en"]


def test_a_seat_opened_by_a_cancellation_reads_the_same(event):
    event.capacity = 1
    event.save()
    first = services.event_register(event=event, user=UserFactory())
    services.event_register(event=event, user=UserFactory(preferred_language="en"))
    services.registration_cancel(registration=first)
    (body,) = promoted_bodies().values()
    assert "Good news: a seat opened up and you moved up from the waitlist." in body


def changed_bodies(event) -> dict[str, tuple[str, str]]:
    for language in LANGUAGES:
        services.event_register(event=event, user=UserFactory(preferred_language=language))
    start = event.start + timedelta(hours=1)
    services.event_update(event=event, data={"start": start, "end": start + timedelta(hours=2)})
    rows = list(Outbox.objects.filter(kind="events.event_changed"))
    assert outbox_render(rows) == {}
    return {row.language: (row.body_text, row.body_html) for row in rows}


def test_the_previous_time_is_labelled_with_the_languages_own_colon(event):
    bodies = changed_bodies(event)
    assert set(bodies) == set(LANGUAGES)
    for language, (text, html) in bodies.items():
        with translation.override(language):
            label = translation.gettext("Before:")
        # The whole label, colon included, is the translation: "Avant :" (a no-break space
        # before the colon) in French, "Before:" in English.
        assert re.search(rf"^{re.escape(label)} \w", text, re.M), (language, text)
        assert f'<p class="muted">{label} ' in html, language
        assert "Avant:" not in text + html


def email_templates() -> list[Path]:
    roots = [Path(settings.BASE_DIR)]
    return sorted(
        path
        for root in roots
        for path in root.glob("*/templates/**/email/*")
        if path.suffix in (".txt", ".html") and ".venv" not in path.parts
    ) + sorted(Path(settings.BASE_DIR, "templates").glob("**/email/*.*"))


def test_no_email_puts_punctuation_after_a_translated_label():
    """`{% translate "Before" %}:` leaves the colon out of the translation, so French cannot
    put its space before it: the colon belongs inside the translated string."""
    templates = email_templates()
    assert len(templates) > 20
    glued = re.compile(r"""(translate\s+(["']).*?\2|endblocktranslate)\s*%\}\s?[:;?!]""")
    offenders = [
        f"{path.relative_to(settings.BASE_DIR)}:{n}"
        for path in templates
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if glued.search(line)
    ]
    assert offenders == []
