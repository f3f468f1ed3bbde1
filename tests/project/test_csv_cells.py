"""Every CSV export streams through betacowork.csv_cells: what a spreadsheet opens."""

from __future__ import annotations

import csv
import io

import pytest

from betacowork.csv_cells import csv_lines, csv_unquote, safe_cell


def test_the_stream_starts_with_a_bom_and_reads_back_as_the_rows():
    text = "".join(csv_lines([["name", "city"], ["Léa Dubois", "Liège, BE"]]))
    assert text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text[1:]))) == [
        ["name", "city"],
        ["Léa Dubois", "Liège, BE"],
    ]


@pytest.mark.parametrize("cell", ['=HYPERLINK("http://x")', "+32 2 123 45 67", "-1", "@SUM(A1)"])
def test_a_formula_like_cell_is_neutralised_and_an_import_reads_it_back(cell):
    exported = next(iter(csv.reader(io.StringIO("".join(csv_lines([[cell]]))[1:]))))[0]
    assert exported == "'" + cell
    assert csv_unquote(exported) == cell


@pytest.mark.parametrize(("value", "cell"), [(None, ""), (42, "42"), ("O'Brien", "O'Brien")])
def test_plain_values_are_left_alone(value, cell):
    assert safe_cell(value) == cell
    assert csv_unquote(cell) == cell


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("vegan;=cmd|' /C calc'!A0;", "vegan;'=cmd|' /C calc'!A0;"),
        ("+32 470 12 34 56; +32 471 00 00 00", "'+32 470 12 34 56;' +32 471 00 00 00"),
        ("a;b;-1", "a;b;'-1"),
    ],
)
def test_text_after_a_semicolon_starts_no_formula_and_an_import_reads_it_back(value, cell):
    """Excel in a Belgian locale splits on ";": each piece is neutralised as a whole cell is."""
    assert safe_cell(value) == cell
    assert csv_unquote(cell) == value


def test_a_semicolon_before_ordinary_text_is_left_alone():
    assert safe_cell("lunch; vegetarian") == "lunch; vegetarian"
