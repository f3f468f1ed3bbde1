"""Exports a member or a guest can put text into: CSV (spreadsheet formulas), calendars,
vCards and emails (headers)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from events.models import Registration
from tests.events.factories import EventFactory
from tests.events.guest_flow import guest_register
from tests.factories import ChapterFactory

pytestmark = pytest.mark.django_db

# Dynamic Data Exchange: Excel offers to run a program. No comma nor quote, so the CSV writer
# leaves the cell unquoted; the ';' around it end the cell where Excel splits.
FORMULA = "=cmd|' /C calc'!A0"
STARTS = ("=", "+", "-", "@")


def _cells(text: str, delimiter: str) -> list[str]:
    rows = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    return [cell for row in rows for cell in row]


def test_a_guest_note_is_no_formula_in_a_semicolon_spreadsheet(client, organiser):
    chapter = ChapterFactory()
    chapter.organisers.add(organiser)
    event = EventFactory(chapter=chapter)
    response = guest_register(
        client, event, name="Jo Guest", email="jo@example.test", note=f"vegan;{FORMULA};"
    )
    assert response.status_code in (200, 302)
    assert Registration.objects.filter(event=event, email="jo@example.test").exists()
    client.force_login(organiser)
    response = client.get(reverse("organise:registrations_csv", kwargs={"slug": event.slug}))
    text = response.content.decode("utf-8")
    # Read as a comma file (LibreOffice, Excel in an English locale): one safe cell.
    assert not [c for c in _cells(text, ",") if c.startswith(STARTS)]
    # Read as Excel reads it in Brussels (the list separator is ';'): no cell is a formula.
    assert FORMULA not in _cells(text, ";"), text
