"""`{{ amount|euros }}`: an amount of money as every page of the site writes it.

The number in the reader's number format, thousands grouped, with the euro sign where the
language puts it (`EURO_FORMAT`, betacowork/formats): €1,500.50 in English, 1 500,50 € in
French, € 1.500,50 in Dutch — as the dashboard's charts write theirs
(`collaborations.charts.euros`) and the catalogues the amounts of their own sentences. One
filter for the budget's tables, its sentences and a collaboration's value, so an amount never
reads one way in a cell and another in the sentence beside it: a translated sentence takes
the whole written amount, "€" included.

`{{ rate|percent:1 }}` writes a share the same way: "12.5%", "12,5 %", "12,5%".

The argument is `floatformat`'s: `2` (the default) always shows the cents; `-2` shows them
only when there are some (€1,500 but €1,500.50: a value as it was stored).
"""

from django import template
from django.template.defaultfilters import floatformat

from betacowork.formats import euro_amount, percent_amount

register = template.Library()


@register.filter
def euros(amount, decimals: int | str = 2) -> str:
    if amount is None or amount == "":
        return ""
    return euro_amount(floatformat(amount, f"{decimals}g"))


@register.filter
def percent(amount, decimals: int | str = 1) -> str:
    if amount is None or amount == "":
        return ""
    return percent_amount(floatformat(amount, decimals))
