"""French: "dim. 6 déc." (see betacowork/formats/__init__.py)."""

ABBR_DAY_MONTH_FORMAT = "j N"  # 6 déc.
ABBR_DATE_FORMAT = "j N Y"  # 6 déc. 2026
ABBR_DATETIME_FORMAT = "j N Y, H:i"  # 6 déc. 2026, 07:50
ABBR_MONTH_YEAR_FORMAT = "N Y"  # déc. 2026
ABBR_WEEKDAY_DAY_MONTH_TIME_FORMAT = "D. j N, H:i"  # dim. 6 déc., 07:50
ABBR_WEEKDAY_DATETIME_FORMAT = "D. j N Y, H:i"  # dim. 6 déc. 2026, 07:50

# Amounts of money: the number, a no-break space, then the sign, a unit of thousands or
# millions before it ("1 500,50 €", "7,8 k€"), as the French catalogue writes them.
EURO_FORMAT = "%(amount)s\u00a0%(unit)s€"  # 1 500,50 €

# A share in percent: the number, then the sign ("12,5 %").
PERCENT_FORMAT = "%(amount)s\u00a0%%"  # 12,5 %
