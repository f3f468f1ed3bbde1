"""The budget reports as CSV rows: the same figures as the pages, machine-readable.

Numbers are plain (a dot before the cents, no thousands separator, a rate in % with one
decimal), an undefined figure (cost per attendee with nobody there) is an empty cell, and
the last row is the totals. `members.csv_io.csv_lines` writes them: it neutralises
spreadsheet formulas in free text (an event titled "=HYPERLINK(…)") and adds Excel's BOM.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils import timezone

from betacowork.csv_cells import csv_lines

from .selectors import ZERO, ChapterReport, Figures, Overview

FIGURE_COLUMNS = [
    "registrations",
    "checked_in",
    "no_show_rate_pct",
    "total_cost_eur",
    "cost_per_attendee_eur",
    "collaborations",
    "collaborations_value_eur",
    "value_per_euro",
]


def _number(value: Decimal | int | None) -> str:
    return "" if value is None else str(value)


def _figures(f: Figures) -> list[str]:
    return [
        _number(f.confirmed),
        _number(f.checked_in),
        _number(f.no_show_rate),
        _number(f.cost),
        _number(f.cost_per_attendee),
        _number(f.collaborations),
        _number(f.value),
        _number(f.value_per_euro),
    ]


def report_rows(report: ChapterReport) -> Iterable[list[str]]:
    """Header, one row per event held, then TOTAL."""
    yield ["date", "event", *FIGURE_COLUMNS]
    for line in report.lines:
        yield [
            timezone.localtime(line.event.start).date().isoformat(),
            line.event.title,
            *_figures(line),
        ]
    yield ["TOTAL", "", *_figures(report.totals)]


def overview_rows(overview: Overview) -> Iterable[list[str]]:
    """Header, one row per chapter (and one for events of no chapter), TOTAL, then the
    community's budget against the year's spend."""
    yield ["chapter", "events_held", *FIGURE_COLUMNS, "chapter_budget_eur"]
    for row in overview.rows:
        yield [
            row.chapter.name if row.chapter else "(no chapter)",
            _number(row.events),
            *_figures(row),
            _number(row.budget.amount) if row.budget else "",
        ]
    yield ["TOTAL", _number(overview.totals.events), *_figures(overview.totals), ""]
    budget = overview.budget
    yield []
    yield ["community_budget_eur", _number(budget.amount) if budget else ""]
    yield ["of_which_subsidy_eur", _number(budget.subsidy) if budget else ""]
    yield ["spent_eur", _number(overview.spent)]
    yield ["spent_on_events_held_eur", _number(overview.totals.cost)]
    yield ["spent_on_events_not_held_eur", _number(overview.spent_not_held)]
    # Two non-negative cells rather than a negative one ("-500" reads as a formula).
    left = overview.left
    yield ["left_eur", "" if left is None else _number(max(left, ZERO))]
    yield ["overspent_eur", "" if left is None else _number(max(-left, ZERO))]


def csv_response(rows: Iterable[list[str]], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
