"""CSV for spreadsheets: every export streams through `csv_lines` (a BOM so Excel reads the
accents, formula-like cells neutralised), and imports undo that with `csv_unquote`."""

from __future__ import annotations

import csv
from collections.abc import Iterable


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
    """Neutralise spreadsheet formulas (CSV injection): a cell may not start with = + - @."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        # A phone number like +32… is data, not a formula, but Excel disagrees: quote it.
        return "'" + text
    return text


def csv_unquote(cell: str) -> str:
    """Undo `safe_cell`: the export's apostrophe before + = - @ is not part of the value."""
    if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@"):
        return cell[1:]
    return cell
