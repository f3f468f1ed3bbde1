"""CSV for spreadsheets: every export streams through `csv_lines` (a BOM so Excel reads the
accents, formula-like cells neutralised), and imports undo that with `csv_unquote`."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Excel in a Belgian or French locale splits a CSV line on ";" (its list separator), quotes
# or not: a cell's text after a ";" starts a cell there, and may not start a formula either.
_AFTER_SEMICOLON = re.compile(r";(?=\s*[=+\-@\t\r])")
_QUOTED_AFTER_SEMICOLON = re.compile(r";'(?=\s*[=+\-@\t\r])")


class _Echo:
    def write(self, value):
        return value


def csv_lines(rows: Iterable[list[str]]) -> Iterable[str]:
    """Stream rows as CSV text, with a BOM so Excel reads the accents right."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in rows:
        yield writer.writerow([safe_cell(c) for c in row])


def safe_cell(value) -> str:
    """Neutralise spreadsheet formulas (CSV injection): a cell may not start with = + - @, nor
    may its text after a ";" (where Excel splits in a ";" locale)."""
    text = "" if value is None else str(value)
    if ";" in text:
        text = _AFTER_SEMICOLON.sub(";'", text)
    if text[:1] in _FORMULA_START:
        # A phone number like +32… is data, not a formula, but Excel disagrees: quote it.
        return "'" + text
    return text


def csv_unquote(cell: str) -> str:
    """Undo `safe_cell`: the export's apostrophe before + = - @ is not part of the value."""
    if ";'" in cell:
        cell = _QUOTED_AFTER_SEMICOLON.sub(";", cell)
    if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@"):
        return cell[1:]
    return cell
