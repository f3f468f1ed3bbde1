"""Amounts as people type them (events/budget/services.py, `parse_euros`): the pages write
€1,503.00 in English and 1 503,00 € / € 1.503,00 in French and Dutch, so a treasurer types
thousands separators. "1.500" used to be saved as €1.50 and "1,500" as €1.50 without a word:
now either separator is read where it can only mean one thing, and refused where it could
mean thousands or decimals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from events.budget.services import MAX_BUDGET, parse_euros
from events.models import Budget, EventCost

from . import test_budget_costs as shared

pytestmark = pytest.mark.django_db

charleroi, it_day = shared.charleroi, shared.it_day


@pytest.mark.parametrize(
    ("typed", "euros"),
    [
        ("1500", "1500.00"),
        ("12,5", "12.50"),
        ("12.5", "12.50"),
        (" 84,50 ", "84.50"),
        ("1 500", "1500.00"),
        ("1\u00a0500,50", "1500.50"),  # no-break space
        ("1\u202f500,50", "1500.50"),  # narrow no-break space (French)
        ("1.500,50", "1500.50"),  # Dutch, French with points
        ("1,500.50", "1500.50"),  # English
        ("1.000.000", "1000000.00"),
        ("1,000,000", "1000000.00"),
        ("12.345,6", "12345.60"),
        ("0.500", "0.50"),  # no thousand starts with 0: decimals
        ("1234.500", "1234.50"),  # four digits before: decimals
        ("+7", "7.00"),
        ("1 234 567,8", "1234567.80"),
    ],
)
def test_separators_that_mean_one_thing_are_read(typed, euros):
    assert parse_euros(typed, maximum=MAX_BUDGET) == Decimal(euros)


@pytest.mark.parametrize(
    "typed",
    [
        "1.500",
        "1,500",
        "12.345",
        "999,999",
        "-2.000",
        "+1,500",
        "1 500.000",
        "1 000,000",
        "1.500,000",
    ],
)
def test_a_separator_that_could_mean_thousands_or_decimals_is_refused(typed):
    with pytest.raises(ValidationError) as exc:
        parse_euros(typed, maximum=MAX_BUDGET)
    assert exc.value.code == "ambiguous"
    assert "without a thousands separator, such as 1500 or 1500.50" in exc.value.messages[0]


@pytest.mark.parametrize(
    "typed",
    [
        "1.50.0",
        "1,50.000",
        "1.000,000.5",
        "1,5,0",
        "12,,5",
        ".1.5",
        "1.500 000",
        "1 2",
        "1 000.000,5",
    ],
)
def test_misplaced_separators_are_not_an_amount(typed):
    with pytest.raises(ValidationError) as exc:
        parse_euros(typed, maximum=MAX_BUDGET)
    assert exc.value.code == "invalid"


def test_an_organiser_typing_thousands_records_thousands(client, organiser, it_day):
    client.force_login(organiser)
    url = reverse("budget:event_costs", kwargs={"slug": it_day.slug})
    assert client.post(url, {"category": "venue", "amount": "1.500,00"}).status_code == 302
    assert client.post(url, {"category": "food", "amount": "1 234"}).status_code == 302
    amounts = sorted(EventCost.objects.values_list("amount", flat=True))
    assert amounts == [Decimal("1234.00"), Decimal("1500.00")]


@pytest.mark.parametrize("typed", ["1,500", "1.500"])
def test_an_ambiguous_cost_is_a_form_error_and_nothing_is_written(client, organiser, it_day, typed):
    client.force_login(organiser)
    url = reverse("budget:event_costs", kwargs={"slug": it_day.slug})
    response = client.post(url, {"category": "venue", "amount": typed})
    assert response.status_code == 400
    assert "could be read as thousands or as decimals" in response.content.decode()
    assert not EventCost.objects.exists()


def test_staff_replacing_a_budget_with_an_ambiguous_amount_keeps_the_old_one(
    client, staff, charleroi
):
    """The QA case: Kortrijk's €1,000.00 budget became €2.00 when "2.000" was typed."""
    client.force_login(staff)
    url = reverse("budget:overview", args=[2026])
    assert client.post(url, {"scope": str(charleroi.pk), "amount": "1.000,00"}).status_code == 302
    response = client.post(url, {"scope": str(charleroi.pk), "amount": "2.000"})
    assert response.status_code == 400
    assert Budget.objects.get(chapter=charleroi, year=2026).amount == Decimal("1000.00")
