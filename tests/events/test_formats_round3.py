"""Short dates in each language's own spelling: "Sun 6 Dec" in English, "dim. 6 déc." in
French, "zo 6 dec" in Dutch — months in lower case where the language writes them so (Django's
`M` title-cases them: "Déc", "Dec"). The formats live in betacowork/formats/<language>/."""

from __future__ import annotations

import importlib
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from betacowork.messaging.models import Outbox
from events.services.reminders import reminder_sweep_run
from tests.events.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

WEEKDAYS = {  # Monday first
    "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    "fr": ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."],
    "nl": ["ma", "di", "wo", "do", "vr", "za", "zo"],
}
MONTHS = {
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    "fr": [
        *("janv.", "févr.", "mars", "avr.", "mai", "juin"),
        *("juil.", "août", "sept.", "oct.", "nov.", "déc."),
    ],
    "nl": ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"],
}


def short_day(moment: datetime, language: str) -> str:
    """The date as each language writes it ("Sun 6 Dec, 07:50"), in Brussels time."""
    local = timezone.localtime(moment)
    weekday = WEEKDAYS[language][local.weekday()]
    return f"{weekday} {local.day} {MONTHS[language][local.month - 1]}, {local:%H:%M}"


def test_the_reminder_subject_spells_the_date_as_each_language_does():
    start = timezone.now() + timedelta(hours=20)
    event = EventFactory(title="Betacooks", start=start, end=start + timedelta(minutes=90))
    for language in ("en", "fr", "nl"):
        RegistrationFactory(
            event=event, user=None, email=f"{language}@guest.test", language=language
        )
    reminder_sweep_run()
    subjects = {row.language: row.subject for row in Outbox.objects.all()}
    assert set(subjects) == {"en", "fr", "nl"}
    for language, subject in subjects.items():
        assert subject.endswith(f" · {short_day(start, language)}"), (language, subject)


def test_december_the_sixth_on_the_events_page(client):
    year = timezone.localdate().year + 1
    start = timezone.make_aware(datetime(year, 12, 6, 7, 50))
    EventFactory(title="Betacooks", start=start, end=start + timedelta(minutes=90))
    for language in ("en", "fr", "nl"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        body = client.get(reverse("events:list")).content.decode()
        assert short_day(start, language) in body, language
    # What the testers saw: no capital in a French or Dutch month.
    assert "Déc" not in body
    assert " Dec" not in body


FORMAT_NAMES = re.compile(r"^ABBR_\w+_FORMAT$")


def test_every_language_defines_every_short_format():
    """A name one language lacks would print as a format string ("ABBR_…" read as letters)."""
    names = {}
    for language, _ in settings.LANGUAGES:
        module = importlib.import_module(f"betacowork.formats.{language}.formats")
        names[language] = {n for n in vars(module) if FORMAT_NAMES.match(n)}
    assert names["en"]
    assert all(found == names["en"] for found in names.values()), names
    moment = timezone.make_aware(datetime(2026, 12, 6, 7, 50))
    for language in names:
        with translation.override(language):
            for name in names[language]:
                shown = date_format(timezone.localtime(moment), name)
                assert "ABBR" not in shown, (language, name, shown)
                assert "6" in shown, (language, name, shown)


def templates() -> list[Path]:
    base = Path(settings.BASE_DIR)
    return [
        path
        for path in base.rglob("templates/**/*")
        if path.suffix in (".html", ".txt")
        and not {".venv", "node_modules", "staticfiles"} & set(path.parts)
    ]


def test_no_template_formats_a_month_with_djangos_title_case_m():
    """A date format written in a template (`date:"j M Y"`) is the same in every language;
    a named one (`date:"ABBR_DATE_FORMAT"`) is each language's own."""
    found = templates()
    assert len(found) > 100
    date_arg = re.compile(r"""\|date:(["'])(.*?)\1""")
    offenders = []
    for path in found:
        for n, line in enumerate(path.read_text().splitlines(), 1):
            for _, fmt in date_arg.findall(line):
                if re.fullmatch(r"[A-Z_]+", fmt):
                    continue  # a format's name
                if re.search(r"(?<!\\)[MDbN]", fmt):
                    offenders.append(f"{path.relative_to(settings.BASE_DIR)}:{n} {fmt}")
    assert offenders == []


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "06/12/2026 07:24"), ("fr", "06/12/2026 07:24"), ("nl", "6-12-2026 07:24")],
)
def test_short_dates_put_the_day_first_in_english_too(language, expected):
    """A collaboration's history and the budget's chapter report write short dates: in
    English Django wrote "12/06/2026 7:24 a.m.", which a reader in Belgium takes for 12 June."""
    moment = timezone.make_aware(datetime(2026, 12, 6, 7, 24))
    with translation.override(language):
        assert date_format(moment, "SHORT_DATETIME_FORMAT") == expected
        assert date_format(moment.date(), "SHORT_DATE_FORMAT") == expected.split()[0]
