"""The benchmarks' yardstick: one query, a 12-row table, inside base.html.

The "fortunes" shape of the TechEmpower benchmarks, served by the same processes through the
same middleware as the real pages, so `bench/` can report every page side by side with what
the stack itself costs. It reads spaces (a small table every deployment has) and shows no
personal data. Generic on purpose: several benchmarks reuse it.
"""

from functools import cache

from django.http import HttpResponse
from django.template import engines
from django.views.decorators.http import require_GET

from members.models import Space

ROWS = 12
SOURCE = """{% extends "base.html" %}
{% block title %}Reference{% endblock %}
{% block content %}
<h1>Reference</h1>
<div class="table-wrap"><table class="table">
  <thead><tr><th>id</th><th>name</th><th>city</th></tr></thead>
  <tbody>{% for row in rows %}<tr><td>{{ row.pk }}</td><td>{{ row.name }}</td>
  <td>{{ row.city }}</td></tr>{% endfor %}</tbody>
</table></div>
{% endblock %}"""


@cache
def _template():
    return engines["django"].from_string(SOURCE)


@require_GET
def reference(request):
    """One query; rows padded to 12 so every deployment renders the same table."""
    rows = list(Space.objects.order_by("pk").values("pk", "name", "city")[:ROWS])
    rows.extend(
        {"pk": 0, "name": f"Additional row {n}", "city": ""} for n in range(ROWS - len(rows))
    )
    return HttpResponse(_template().render({"rows": rows}, request))
