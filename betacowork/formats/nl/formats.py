"""Dutch: "zo 6 dec" (see betacowork/formats/__init__.py)."""

ABBR_DAY_MONTH_FORMAT = "j b"  # 6 dec
ABBR_DATE_FORMAT = "j b Y"  # 6 dec 2026
ABBR_DATETIME_FORMAT = "j b Y, H:i"  # 6 dec 2026, 07:50
ABBR_MONTH_YEAR_FORMAT = "b Y"  # dec 2026
ABBR_WEEKDAY_DAY_MONTH_TIME_FORMAT = "D j b, H:i"  # zo 6 dec, 07:50
ABBR_WEEKDAY_DATETIME_FORMAT = "D j b Y, H:i"  # zo 6 dec 2026, 07:50

# Amounts of money: the sign, a no-break space, then the number ("€ 1.500,50", "€ 7,8k"),
# as the Dutch catalogue writes them.
EURO_FORMAT = "€\u00a0%(amount)s%(unit)s"  # € 1.500,50

# A share in percent: the number, then the sign ("12,5%").
PERCENT_FORMAT = "%(amount)s%%"  # 12,5%
