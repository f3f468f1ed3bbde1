"""Every amount of the budget pages is written by one filter (`events/templatetags/money.py`):
in a sentence as in a cell, the amount as the reader's language writes it (testers, round 3:
French read "€120 000,00 (dont 60 000,00 € de subside régional)"; French writes "120 000,00 €",
Dutch "€ 120.000,00")."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from events.models import Budget, Event, EventCost

from .factories import EventFactory

pytestmark = pytest.mark.django_db


TZ = ZoneInfo("Europe/Brussels")
YEAR = timezone.localdate().year - 1
# An amount in any of the three number formats (grouping by ",", "." or a no-break space).
AMOUNT = r"\d{1,3}(?:[ ,.\u00a0\u202f]\d{3})*(?:[.,]\d{2})?"


@pytest.fixture
def year_spent(db):
    Budget.objects.create(year=YEAR, chapter=None, amount=Decimal(120000), subsidy=Decimal(60000))
    start = datetime(YEAR, 5, 1, 12, tzinfo=TZ)
    held = EventFactory(start=start, end=start + timedelta(hours=3), status=Event.Status.PUBLISHED)
    EventCost.objects.create(event=held, category="food", amount=Decimal("465.00"))
    draft = EventFactory(start=start + timedelta(days=9), status=Event.Status.DRAFT)
    EventCost.objects.create(event=draft, category="food", amount=Decimal("200.00"))


def _facts(html: str) -> str:
    """The text of the "Budget against spend" card's values."""
    dds = re.findall(r"<dd data-(?:budget|spent|left)>(.*?)</dd>", html, re.S)
    return " ".join(re.sub(r"<[^>]+>", "", dd) for dd in dds)


# Each language writes every amount one way: English "€1,500.00", French "1 500,00 €",
# Dutch "€ 1.500,00" (no-break spaces), as its catalogue's own sentences do.
STYLE = {
    "en": r"€" + AMOUNT,
    "fr": AMOUNT + "\u00a0€",
    "nl": "€\u00a0" + AMOUNT,
}


@pytest.mark.parametrize(
    ("language", "amounts"),
    [
        ("en", ("€120,000.00", "€60,000.00", "€465.00", "€665.00", "€200.00")),
        (
            "fr",
            ("120\u00a0000,00\u00a0€", "60\u00a0000,00\u00a0€", "465,00\u00a0€", "665,00\u00a0€"),
        ),
        ("nl", ("€\u00a0120.000,00", "€\u00a060.000,00", "€\u00a0465,00", "€\u00a0665,00")),
    ],
)
def test_the_amounts_of_a_sentence_read_like_the_others(
    client, staff, year_spent, language, amounts
):
    staff.preferred_language = language
    staff.save(update_fields=["preferred_language"])
    client.force_login(staff)
    html = client.get(reverse("budget:overview", args=[YEAR])).content.decode()
    facts = _facts(html)
    for amount in amounts:
        assert amount in facts
    # Never "60 000,00 €" beside "€120 000,00": every "€" belongs to an amount of the style.
    assert len(re.findall(STYLE[language], facts)) == facts.count("€"), facts


@pytest.mark.parametrize(
    ("language", "decimals", "expected"),
    [
        ("en", None, "€1,500.00"),
        ("fr", None, "1\u00a0500,00\u00a0€"),
        ("en", "-2", "€1,500"),
        ("nl", "-2", "€\u00a01.500"),
    ],
)
def test_the_euros_filter(language, decimals, expected):
    arg = f':"{decimals}"' if decimals else ""
    template = Template("{% load money %}{{ amount|euros" + arg + " }}|{{ none|euros }}")
    with translation.override(language):
        assert template.render(Context({"amount": Decimal("1500.00"), "none": None})) == (
            f"{expected}|"
        )
