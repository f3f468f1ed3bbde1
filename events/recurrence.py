"""The recurrence picker: series repeat in words people use, never typed as a raw RRULE.

A series stores an RFC 5545 RRULE (`EventSeries.rrule`, read by `services.series_rule`). People
choose it with `RecurrenceField` — "weekly on Tuesday", "every other week on Tuesday",
"monthly on the first Thursday", "monthly on day 15" — which builds the rule, and read it back
with `rrule_describe()` ("every first Thursday of the month"). The console's series form and
the admin's use the same field. A stored rule the picker cannot express (set by hand before
the picker existed) stays as it is: the field offers "keep the current rule" instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from betacowork.numbers import parse_int

# RFC 5545 weekday codes, Monday first like django.utils.dates.WEEKDAYS.
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

WEEKLY = "weekly"
EVERY_OTHER_WEEK = "every-other-week"
MONTHLY_WEEKDAY = "monthly-weekday"
MONTHLY_DAY = "monthly-day"
CURRENT = "current"  # an existing rule the picker cannot express, kept unchanged

PATTERN_CHOICES = [
    (WEEKLY, _lazy("Weekly")),
    (EVERY_OTHER_WEEK, _lazy("Every other week")),
    (MONTHLY_WEEKDAY, _lazy("Monthly, on a weekday")),
    (MONTHLY_DAY, _lazy("Monthly, on a date")),
]
ORDINAL_CHOICES = [
    (1, _lazy("first")),
    (2, _lazy("second")),
    (3, _lazy("third")),
    (4, _lazy("fourth")),
    (-1, _lazy("last")),
]
# Whole sentences, not "every %(ordinal)s …": ordinals agree with the weekday in French/Dutch.
_MONTHLY_WEEKDAY_TEXT = {
    1: _lazy("every first %(weekday)s of the month"),
    2: _lazy("every second %(weekday)s of the month"),
    3: _lazy("every third %(weekday)s of the month"),
    4: _lazy("every fourth %(weekday)s of the month"),
    -1: _lazy("every last %(weekday)s of the month"),
}
_NTH_WEEKDAY = re.compile(r"([+-]?\d)(MO|TU|WE|TH|FR|SA|SU)")


def weekday_choices() -> list[tuple[str, str]]:
    return [(code, WEEKDAYS[i]) for i, code in enumerate(WEEKDAY_CODES)]


def _weekday_name(code: str) -> str:
    return str(WEEKDAYS[WEEKDAY_CODES.index(code)])


@dataclass(frozen=True)
class Recurrence:
    """One picker choice: `pattern` plus the weekday code, ordinal or day of month it needs."""

    pattern: str
    weekday: str = ""
    ordinal: int = 1
    monthday: int = 1

    def to_rrule(self) -> str:
        if self.pattern == WEEKLY:
            return f"FREQ=WEEKLY;BYDAY={self.weekday}"
        if self.pattern == EVERY_OTHER_WEEK:
            return f"FREQ=WEEKLY;INTERVAL=2;BYDAY={self.weekday}"
        if self.pattern == MONTHLY_WEEKDAY:
            return f"FREQ=MONTHLY;BYDAY={self.ordinal}{self.weekday}"
        if self.pattern == MONTHLY_DAY:
            return f"FREQ=MONTHLY;BYMONTHDAY={self.monthday}"
        raise ValueError(f"Unknown recurrence pattern {self.pattern!r}.")

    def describe(self) -> str:
        if self.pattern == MONTHLY_DAY:
            if self.monthday > 28:  # QA: day 31 skipped five months a year without a word
                return _("monthly on day %(day)s, in the months that have one") % {
                    "day": self.monthday
                }
            return _("monthly on day %(day)s") % {"day": self.monthday}
        weekday = _weekday_name(self.weekday)
        if self.pattern == WEEKLY:
            return _("weekly on %(weekday)s") % {"weekday": weekday}
        if self.pattern == EVERY_OTHER_WEEK:
            return _("every other week on %(weekday)s") % {"weekday": weekday}
        return str(_MONTHLY_WEEKDAY_TEXT[self.ordinal]) % {"weekday": weekday}

    @classmethod
    def from_rrule(cls, text: str | None) -> Recurrence | None:
        """The picker choice that builds exactly this rule, or None when there is none."""
        parts = rrule_parts(text)
        if not parts:
            return None
        parts.pop("WKST", None)
        if parts.get("INTERVAL") == "1":
            parts.pop("INTERVAL")
        freq = parts.pop("FREQ", "")
        if freq == "WEEKLY":
            interval = parts.pop("INTERVAL", "1")
            byday = parts.pop("BYDAY", "")
            if parts or byday not in WEEKDAY_CODES or interval not in ("1", "2"):
                return None
            return cls(WEEKLY if interval == "1" else EVERY_OTHER_WEEK, weekday=byday)
        if freq != "MONTHLY":
            return None
        if set(parts) == {"BYMONTHDAY"} and parse_int(parts["BYMONTHDAY"]) is not None:
            day = int(parts["BYMONTHDAY"])
            return cls(MONTHLY_DAY, monthday=day) if 1 <= day <= 31 else None
        if set(parts) == {"BYDAY"}:
            match = _NTH_WEEKDAY.fullmatch(parts["BYDAY"])
            if match is None:
                return None
            ordinal, weekday = int(match[1]), match[2]
        elif set(parts) == {"BYDAY", "BYSETPOS"} and parts["BYDAY"] in WEEKDAY_CODES:
            try:
                ordinal, weekday = int(parts["BYSETPOS"]), parts["BYDAY"]
            except ValueError:
                return None
        else:
            return None
        if ordinal not in _MONTHLY_WEEKDAY_TEXT:
            return None
        return cls(MONTHLY_WEEKDAY, weekday=weekday, ordinal=ordinal)


def rrule_parts(text: str | None) -> dict[str, str]:
    """{"FREQ": "WEEKLY", "BYDAY": "TU"} for "FREQ=WEEKLY;BYDAY=TU" ({} when unreadable)."""
    text = (text or "").strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    parts: dict[str, str] = {}
    for chunk in filter(None, (c.strip() for c in text.split(";"))):
        key, sep, value = chunk.partition("=")
        if not sep:
            return {}
        parts[key.strip().upper()] = value.strip().upper()
    return parts


def rrule_describe(rrule: str | None) -> str:
    """The rule in words, in the active language: "every first Thursday of the month".

    Rules the picker builds get their exact sentence; a few common hand-written ones (every
    day, several weekdays) get a plain one; anything else "on a custom schedule" (never the
    raw rule: the text is for members reading an event page).
    """
    found = Recurrence.from_rrule(rrule)
    if found is not None:
        return found.describe()
    parts = rrule_parts(rrule)
    freq = parts.get("FREQ", "")
    interval = parts.get("INTERVAL", "1")
    days = [d for d in parts.get("BYDAY", "").split(",") if d]
    if interval == "1" and set(parts) - {"FREQ", "INTERVAL", "WKST", "UNTIL", "COUNT"} <= {"BYDAY"}:
        if freq == "DAILY" and not days:
            return _("every day")
        if freq == "WEEKLY" and days and all(d in WEEKDAY_CODES for d in days):
            names = ", ".join(_weekday_name(d) for d in days)
            return _("weekly on %(weekday)s") % {"weekday": names}
        if freq == "WEEKLY" and not days:
            return _("every week")
        if freq == "MONTHLY" and not days:
            return _("every month")
    return _("on a custom schedule")


# The form field ----------------------------------------------------------------------------


class RecurrenceWidget(forms.MultiWidget):
    """Four small inputs (pattern, weekday, which one in the month, day of the month), each
    with its own label. Without JavaScript they all show, each labelled with what it is for;
    static/js/console.js hides the ones the chosen pattern does not use."""

    template_name = "console/recurrence_widget.html"
    use_fieldset = True
    part_labels = {
        "pattern": _lazy("How often"),
        "ordinal": _lazy("Which one in the month (monthly on a weekday)"),
        "weekday": _lazy("Day of the week"),
        "monthday": _lazy(
            "Day of the month (monthly on a date; 29 to 31: not every month has one)"
        ),
    }
    # Shown in reading order ("the first Thursday"); the data keeps the field's order.
    display_order = ("pattern", "ordinal", "weekday", "monthday")

    class Media:
        css = {"all": ["css/console.css"]}
        js = ["js/console.js"]

    def __init__(self, attrs=None):
        widgets = {
            "pattern": forms.Select(choices=PATTERN_CHOICES, attrs={"data-recurrence-pattern": ""}),
            "weekday": forms.Select(choices=weekday_choices()),
            "ordinal": forms.Select(choices=ORDINAL_CHOICES),
            "monthday": forms.NumberInput(attrs={"min": 1, "max": 31, "inputmode": "numeric"}),
        }
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if not value:
            return [None, None, None, None]
        found = Recurrence.from_rrule(value)
        if found is None:
            return [CURRENT, None, None, None]
        # Only the parts the pattern uses: the others show empty (or their first choice).
        return [
            found.pattern,
            found.weekday or None,
            found.ordinal if found.pattern == MONTHLY_WEEKDAY else None,
            found.monthday if found.pattern == MONTHLY_DAY else None,
        ]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        parts = {}
        for name, sub in zip(self.widgets_names, context["widget"]["subwidgets"], strict=True):
            key = name.lstrip("_")
            sub["part"] = key
            sub["label"] = self.part_labels[key]
            parts[key] = sub
        context["widget"]["subwidgets"] = [parts[key] for key in self.display_order]
        return context


class RecurrenceField(forms.MultiValueField):
    """A picker whose cleaned value is an RRULE string ("FREQ=MONTHLY;BYDAY=1TH")."""

    widget = RecurrenceWidget
    default_error_messages = {
        "required": _lazy("Choose how the series repeats."),
        "weekday": _lazy("Choose the day of the week."),
        "monthday": _lazy("Choose a day of the month between 1 and 31."),
    }

    def __init__(self, **kwargs):
        self.current = ""
        fields = (
            forms.ChoiceField(choices=[*PATTERN_CHOICES, (CURRENT, "")], required=False),
            forms.ChoiceField(choices=weekday_choices(), required=False),
            forms.TypedChoiceField(choices=ORDINAL_CHOICES, coerce=int, required=False),
            forms.IntegerField(min_value=1, max_value=31, required=False),
        )
        kwargs.setdefault("label", _lazy("Repeats"))
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def keep_current(self, rrule: str | None) -> None:
        """Offer "keep the current rule" when `rrule` (the stored one) has no picker choice."""
        if not rrule or Recurrence.from_rrule(rrule) is not None:
            return
        self.current = rrule
        label = _("Keep the current rule (%(text)s)") % {"text": rrule_describe(rrule)}
        self.widget.widgets[0].choices = [(CURRENT, label), *PATTERN_CHOICES]

    def compress(self, data_list):
        if not data_list or not data_list[0]:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return ""
        pattern, weekday, ordinal, monthday = (list(data_list) + [None] * 4)[:4]
        if pattern == CURRENT:
            if not self.current:
                raise ValidationError(self.error_messages["required"], code="required")
            return self.current
        if pattern in (WEEKLY, EVERY_OTHER_WEEK, MONTHLY_WEEKDAY) and not weekday:
            raise ValidationError(self.error_messages["weekday"], code="weekday")
        if pattern == MONTHLY_DAY and not monthday:
            raise ValidationError(self.error_messages["monthday"], code="monthday")
        recurrence = Recurrence(
            pattern, weekday=weekday or "", ordinal=ordinal or 1, monthday=monthday or 1
        )
        return recurrence.to_rrule()
