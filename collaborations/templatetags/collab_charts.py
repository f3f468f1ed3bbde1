"""`{% chart_hbars %}` and `{% chart_columns %}`: the dashboard's SVG charts in one tag each.

They replace an {% include %} with a {% for %} loop per chart, which cost more than building
the same markup in Python (collaborations.charts).
"""

from django import template

from collaborations import charts

register = template.Library()


@register.simple_tag
def chart_hbars(chart: dict, *, title: str, empty: str = "—") -> str:
    return charts.hbars_svg(chart, title, empty)


@register.simple_tag
def chart_columns(chart: dict, *, title: str, color: str, empty: str = "—") -> str:
    return charts.columns_svg(chart, title, color, empty)
