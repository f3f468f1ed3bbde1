"""The site's own date formats, one module per language (`FORMAT_MODULE_PATH`), used by name:
`{{ event.start|date:"ABBR_WEEKDAY_DAY_MONTH_TIME_FORMAT" }}`.

Django's `M` title-cases the month ("Dec") in every language, which French and Dutch write in
lower case: each language names its own abbreviations here instead. English keeps `M` ("Sun
6 Dec"); French writes "dim. 6 déc." (`N`: its abbreviations with their dot, "mai" and "juin"
without); Dutch "zo 6 dec" (`b`). Every language defines every name: a name missing from one
would be printed as a format string (tests/events/test_formats_round3.py checks).
"""
