"""Euro amounts as each language writes them (i18n audit): "€1,500.50" in English, "1 500,50 €"
in French, "€ 1.500,50" in Dutch — the way the French and Dutch catalogues already write the
amounts of their own sentences ("100 000 000 €", "€ 100.000.000"). A French page said
"€1 500,50" in its tables and "100 000 000 €" in its error messages.

The format lives in betacowork/formats/<language>/formats.py (`EURO_FORMAT`); the budget's
filter (`{{ amount|euros }}`) and the dashboard's chart labels (`collaborations.charts.euros`)
both use it."""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from collaborations import charts
from tests.collaborations.conftest import log

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("language", "decimals", "expected"),
    [
        ("en", "", "€1,500.50"),
        ("fr", "", f"1{NBSP}500,50{NBSP}€"),
        ("nl", "", f"€{NBSP}1.500,50"),
        ("en", ':"-2"', "€1,500.50"),
        ("fr", ':"-2"', f"1{NBSP}500,50{NBSP}€"),
        ("nl", ':"-2"', f"€{NBSP}1.500,50"),
    ],
)
def test_the_euros_filter_writes_the_amount_as_the_language_does(language, decimals, expected):
    template = Template("{% load money %}{{ amount|euros" + decimals + " }}")
    with translation.override(language):
        assert template.render(Context({"amount": Decimal("1500.50")})) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "€1,500"), ("fr", f"1{NBSP}500{NBSP}€"), ("nl", f"€{NBSP}1.500")],
)
def test_a_whole_amount_without_its_cents(language, expected):
    template = Template('{% load money %}{{ amount|euros:"-2" }}')
    with translation.override(language):
        assert template.render(Context({"amount": Decimal("1500.00")})) == expected


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("en", ["€950", "€7.8k", "€80k", "€1.2M"]),
        ("fr", [f"950{NBSP}€", f"7,8{NBSP}k€", f"80{NBSP}k€", f"1,2{NBSP}M€"]),
        ("nl", [f"€{NBSP}950", f"€{NBSP}7,8k", f"€{NBSP}80k", f"€{NBSP}1,2M"]),
    ],
)
def test_the_dashboard_chart_labels_place_the_euro_sign_as_the_language_does(language, labels):
    with translation.override(language):
        assert [charts.euros(v) for v in (950, 7_800, 80_000, 1_200_000)] == labels


def test_every_language_names_its_euro_format():
    """A language without `EURO_FORMAT` would print the format's name instead of an amount."""
    for language, _name in settings.LANGUAGES:
        module = importlib.import_module(f"betacowork.formats.{language}.formats")
        assert "%(amount)s" in module.EURO_FORMAT, language


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "shown", "english_way"),
    [
        ("fr", f"1{NBSP}500,50{NBSP}€", f"€1{NBSP}500,50"),
        ("nl", f"€{NBSP}1.500,50", "€1.500,50"),
    ],
)
def test_a_collaborations_value_on_a_french_or_dutch_page(
    client, member, other_member, language, shown, english_way
):
    collab = log(member, other_member, confirm=True, value_eur=Decimal("1500.50"))
    member.preferred_language = language
    member.save(update_fields=["preferred_language"])
    client.force_login(member)
    page = client.get(collab.get_absolute_url()).content.decode()
    assert shown in page
    assert english_way not in page
