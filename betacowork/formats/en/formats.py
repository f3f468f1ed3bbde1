"""English: "Sun 6 Dec" (see betacowork/formats/__init__.py)."""

ABBR_DAY_MONTH_FORMAT = "j M"  # 6 Dec
ABBR_DATE_FORMAT = "j M Y"  # 6 Dec 2026
ABBR_DATETIME_FORMAT = "j M Y, H:i"  # 6 Dec 2026, 07:50
ABBR_MONTH_YEAR_FORMAT = "M Y"  # Dec 2026
ABBR_WEEKDAY_DAY_MONTH_TIME_FORMAT = "D j M, H:i"  # Sun 6 Dec, 07:50
ABBR_WEEKDAY_DATETIME_FORMAT = "D j M Y, H:i"  # Sun 6 Dec 2026, 07:50

# Django's English writes short dates month first ("12/06/2026 6:24 a.m." for 6 December),
# which a reader in Belgium takes for 12 June: day first, as British English writes them.
SHORT_DATE_FORMAT = "d/m/Y"  # 06/12/2026
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # 06/12/2026 07:50

# Amounts of money: the sign before the number, no space ("€1,500.50", "€7.8k").
EURO_FORMAT = "€%(amount)s%(unit)s"  # €1,500.50

# A share in percent: the number, then the sign ("12.5%").
PERCENT_FORMAT = "%(amount)s%%"  # 12.5%

# And read them day first: a date typed as the site writes it (06/12/2026, the admin's date
# fields) is 6 December, never 12 June. ISO first, as Django's: the admin's calendar widget
# and the date inputs write that one.
DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # 2026-12-06
    "%d/%m/%Y",  # 06/12/2026
    "%d/%m/%y",  # 06/12/26
    "%d.%m.%Y",  # 06.12.2026
    "%d-%m-%Y",  # 06-12-2026
    "%d %b %Y",  # 6 Dec 2026
    "%d %B %Y",  # 6 December 2026
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",  # 2026-12-06 07:50:59
    "%Y-%m-%d %H:%M:%S.%f",  # 2026-12-06 07:50:59.000200
    "%Y-%m-%d %H:%M",  # 2026-12-06 07:50
    "%d/%m/%Y %H:%M:%S",  # 06/12/2026 07:50:59
    "%d/%m/%Y %H:%M",  # 06/12/2026 07:50
    "%d/%m/%y %H:%M",  # 06/12/26 07:50
    "%d.%m.%Y %H:%M",  # 06.12.2026 07:50
    "%d-%m-%Y %H:%M",  # 06-12-2026 07:50
]
