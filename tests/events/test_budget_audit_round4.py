"""Audit, round 4: the event budget as an organiser on a phone and staff see it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from events.models import EventCost
from tests.html_forms import form_values

from . import test_budget_costs as shared

pytestmark = pytest.mark.django_db

# The fixtures of test_budget_costs.py (charleroi, it_day).
charleroi, it_day = shared.charleroi, shared.it_day


def add_form(client, event) -> tuple[str, dict]:
    url = reverse("budget:event_costs", kwargs={"slug": event.slug})
    return url, form_values(client.get(url).content.decode(), action=url)


def test_a_double_tap_on_add_records_the_cost_once(client, organiser, it_day):
    """On a phone with a slow network the "Add" button is tapped twice (or the browser
    resends the form): the beers cost €84.50 once, not €169."""
    client.force_login(organiser)
    url, sent = add_form(client, it_day)
    data = {**sent, "category": "food", "amount": "84,50", "description": "Beers"}
    first = client.post(url, data)
    second = client.post(url, data, follow=True)
    assert first.status_code == 302
    assert second.status_code == 200
    assert list(EventCost.objects.values_list("amount", flat=True)) == [Decimal("84.50")]
    assert "data-cost-total>€84.50<" in second.content.decode()


def test_a_new_form_after_adding_adds_another_line(client, organiser, it_day):
    client.force_login(organiser)
    for amount in ("10", "10"):
        url, sent = add_form(client, it_day)
        client.post(url, {**sent, "category": "food", "amount": amount})
    assert EventCost.objects.count() == 2
