"""Geometry for the dashboard's SVG charts, rendered by templates (no JavaScript library).

Functions return plain dicts of coordinates, and the `*_svg` functions draw them. The network
graph (its final layout, its SVG and its table twin) lives in `collaborations.graph_chart`
and is re-exported here, so the dashboard's view finds every chart in one module.
"""

from __future__ import annotations

from django.utils import formats
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import pgettext

from betacowork.formats import euro_amount

from .graph_chart import graph_layout, graph_svg, graph_table

__all__ = [
    "columns",
    "columns_svg",
    "euros",
    "graph_layout",
    "graph_svg",
    "graph_table",
    "hbars",
    "hbars_svg",
    "quantity",
]

PALETTE = ["#1d4ed8", "#0f766e", "#b45309", "#7c3aed", "#be123c", "#15803d", "#0369a1", "#4b5563"]


def _number(value, decimals: int = 0) -> str:
    """`value` in the active language's number format (a decimal comma in French and Dutch)."""
    return formats.number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def _short(amount: float) -> str:
    """One decimal, left out when it is zero: 2.5, 2 (not 2.0)."""
    rounded = round(amount, 1)
    return _number(rounded, 1) if rounded % 1 else _number(int(rounded))


def euros(value) -> str:
    """Short euro amounts for chart labels in the active language's number format, the sign
    where the language puts it (`EURO_FORMAT`): €950, €2.5k, €80k, €1.2M in English; 2,5 k€
    and 1,2 M€ in French; € 2,5k and € 1,2M in Dutch."""
    value = int(value or 0)
    # From €999,500 "k" would round to "€1,000k": that is "€1M".
    if value >= 999_500:
        return euro_amount(_short(value / 1_000_000), "M")
    if value >= 10_000:
        return euro_amount(_number(round(value / 1000)), "k")
    if value >= 1_000:
        return euro_amount(_short(value / 1000), "k")
    return euro_amount(_number(value))


def quantity(value) -> str:
    """A count for chart labels, grouped as the active language groups thousands."""
    return _number(int(value))


def hbars(figures, *, attr: str = "count", width: int = 560, label_width: int = 190) -> dict:
    """Horizontal bars: one row per figure, labels left, values at the bar's end."""
    row_h, gap, pad = 24, 10, 6
    values = [float(getattr(f, attr) or 0) for f in figures]
    top = max(values, default=0) or 1
    bar_space = width - label_width - 70
    rows = []
    for i, (fig, value) in enumerate(zip(figures, values, strict=True)):
        y = pad + i * (row_h + gap)
        w = max(2.0, bar_space * value / top) if value else 0
        shown = euros(value) if attr == "volume" else quantity(value)
        rows.append(
            {
                "label": fig.label,
                "y": y,
                "text_y": y + row_h / 2 + 5,
                "w": round(w, 1),
                "value_x": round(label_width + w + 6, 1),
                "display": shown,
                "tooltip": tooltip(fig.label, shown),
                "color": PALETTE[i % len(PALETTE)],
            }
        )
    return {
        "width": width,
        "height": pad * 2 + len(rows) * (row_h + gap),
        "label_width": label_width,
        "label_x": label_width - 8,
        "row_h": row_h,
        "rows": rows,
    }


def tooltip(label: str, value: str) -> str:
    """A bar's label and its value, as its language writes them ("Journée IT\u00a0: 4")."""
    return pgettext("a chart bar's tooltip", "%(label)s: %(value)s") % {
        "label": label,
        "value": value,
    }


def columns(figures, *, attr: str = "count", width: int = 560, height: int = 220) -> dict:
    """Vertical columns (per year), with the value above each column."""
    left, bottom, top_pad = 8, 28, 22
    values = [float(getattr(f, attr) or 0) for f in figures]
    top = max(values, default=0) or 1
    n = max(len(figures), 1)
    slot = (width - left * 2) / n
    col_w = min(56.0, slot * 0.7)
    plot_h = height - bottom - top_pad
    cols = []
    for i, (fig, value) in enumerate(zip(figures, values, strict=True)):
        h = max(2.0, plot_h * value / top) if value else 0
        x = left + i * slot + (slot - col_w) / 2
        shown = euros(value) if attr == "volume" else quantity(value)
        cols.append(
            {
                "label": fig.label,
                "x": round(x, 1),
                "w": round(col_w, 1),
                "y": round(top_pad + plot_h - h, 1),
                "h": round(h, 1),
                "cx": round(x + col_w / 2, 1),
                "value_y": round(top_pad + plot_h - h - 6, 1),
                "display": shown if value else "",  # an empty year's column says nothing
                "tooltip": tooltip(fig.label, shown),
            }
        )
    return {
        "width": width,
        "height": height,
        "axis_y": top_pad + plot_h,
        "label_y": height - 8,
        "cols": cols,
    }


def hbars_svg(chart: dict, title: str, empty: str) -> str:
    """Horizontal bars (from `hbars`) as SVG markup; `empty` as a note when there is no row."""
    if not chart["rows"]:
        return format_html('<p class="empty small">{}</p>', empty)
    title = conditional_escape(title)  # a translated template literal arrives already safe
    parts = [
        f'<svg class="chart chart-hbars" viewBox="0 0 {chart["width"]} {chart["height"]}" '
        f'role="img" aria-label="{title}" preserveAspectRatio="xMinYMin meet">\n'
        f"  <title>{title}</title>\n  "
    ]
    for r in chart["rows"]:
        display = escape(r["display"])
        parts.append(
            f'<g class="chart-row">\n'
            f'    <text class="chart-label" x="{chart["label_x"]}" y="{r["text_y"]}" '
            f'text-anchor="end">{escape(Truncator(r["label"]).chars(30))}</text>\n'
            f'    <rect x="{chart["label_width"]}" y="{r["y"]}" width="{r["w"]}" '
            f'height="{chart["row_h"]}" rx="4" fill="{escape(r["color"])}">'
            f"<title>{escape(r['tooltip'])}</title></rect>\n"
            f'    <text class="chart-value" x="{r["value_x"]}" y="{r["text_y"]}">{display}</text>\n'
            f"  </g>"
        )
    parts.append("\n</svg>")
    return mark_safe("".join(parts))  # every text is escaped above


def columns_svg(chart: dict, title: str, color: str, empty: str) -> str:
    """Vertical columns (from `columns`) as SVG markup; `empty` as a note when there is none."""
    if not chart["cols"]:
        return format_html('<p class="empty small">{}</p>', empty)
    title, color = conditional_escape(title), conditional_escape(color)
    parts = [
        f'<svg class="chart chart-columns" viewBox="0 0 {chart["width"]} {chart["height"]}" '
        f'role="img" aria-label="{title}" preserveAspectRatio="xMinYMin meet">\n'
        f"  <title>{title}</title>\n"
        f'  <line x1="0" x2="{chart["width"]}" y1="{chart["axis_y"]}" y2="{chart["axis_y"]}" '
        f'stroke="#9ca3af" stroke-width="1"></line>\n  '
    ]
    for c in chart["cols"]:
        label, display = escape(c["label"]), escape(c["display"])
        parts.append(
            f'<g class="chart-col">\n'
            f'    <rect x="{c["x"]}" y="{c["y"]}" width="{c["w"]}" height="{c["h"]}" rx="3" '
            f'fill="{color}"><title>{escape(c["tooltip"])}</title></rect>\n'
            f'    <text class="chart-value" x="{c["cx"]}" y="{c["value_y"]}" '
            f'text-anchor="middle">{display}</text>\n'
            f'    <text class="chart-label" x="{c["cx"]}" y="{chart["label_y"]}" '
            f'text-anchor="middle">{label}</text>\n'
            f"  </g>"
        )
    parts.append("\n</svg>")
    return mark_safe("".join(parts))  # every text is escaped above
