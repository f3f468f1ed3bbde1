"""The site's own formats, one module per language (`FORMAT_MODULE_PATH`), used by name:
`{{ event.start|date:"ABBR_WEEKDAY_DAY_MONTH_TIME_FORMAT" }}`.

Django's `M` title-cases the month ("Dec") in every language, which French and Dutch write in
lower case: each language names its own abbreviations here instead. English keeps `M` ("Sun
6 Dec"); French writes "dim. 6 déc." (`N`: its abbreviations with their dot, "mai" and "juin"
without); Dutch "zo 6 dec" (`b`). Every language defines every name: a name missing from one
would be printed as a format string (tests/events/test_formats_round3.py checks).

`EURO_FORMAT` places the euro sign around an amount already written in the language's number
format: "€1,500.50", "1 500,50 €", "€ 1.500,50" (`euro_amount`, used by the `euros` filter and
the dashboard's chart labels); `PERCENT_FORMAT` the percent sign: "12.5%", "12,5 %",
"12,5%" (`percent_amount`, the `percent` filter).
"""

from django.utils.formats import get_format
from django.utils.translation import pgettext_lazy

# French abbreviates January and February "janv." and "févr."; Django's catalogue, which `N`
# reads, says "jan." and "fév.". Marked here, the two reach the site's catalogues, which win
# over Django's (LOCALE_PATHS): Dutch keeps Django's "jan" and "feb".
MONTHS_RESPELT = (pgettext_lazy("abbrev. month", "Jan."), pgettext_lazy("abbrev. month", "Feb."))

_ENGLISH_EURO_FORMAT = "€%(amount)s%(unit)s"
_ENGLISH_PERCENT_FORMAT = "%(amount)s%%"


def euro_amount(amount: str, unit: str = "") -> str:
    """`amount` (a number already written in the active language's format) as an amount of
    euros in that language; `unit` ("k", "M") is a shortened amount's thousands or millions:
    "€7.8k", "7,8 k€", "€ 7,8k"."""
    pattern = get_format("EURO_FORMAT")
    if "%(amount)s" not in pattern:  # a language without the name gets its name back
        pattern = _ENGLISH_EURO_FORMAT
    return pattern % {"amount": amount, "unit": unit}


def percent_amount(amount: str) -> str:
    """`amount` (a number already written in the active language's format) as a percentage in
    that language: "12.5%", "12,5 %" (a no-break space before the sign in French), "12,5%"."""
    pattern = get_format("PERCENT_FORMAT")
    if "%(amount)s" not in pattern:
        pattern = _ENGLISH_PERCENT_FORMAT
    return pattern % {"amount": amount}
