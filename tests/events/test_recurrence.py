"""The recurrence picker: each choice builds the right RRULE and reads back in words, in the
member's language; a stored rule shows as its picker choice when edited."""

from __future__ import annotations

import pytest
from django.utils import translation

from events.recurrence import Recurrence, RecurrenceField, rrule_describe

# (picker values: pattern, weekday, ordinal, day of month) → (RRULE, English text)
CHOICES = [
    (("weekly", "TU", "", ""), "FREQ=WEEKLY;BYDAY=TU", "weekly on Tuesday"),
    (("every-other-week", "FR", "", ""), "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR",
     "every other week on Friday"),
    (("monthly-weekday", "TH", "1", ""), "FREQ=MONTHLY;BYDAY=1TH",
     "every first Thursday of the month"),
    (("monthly-weekday", "MO", "2", ""), "FREQ=MONTHLY;BYDAY=2MO",
     "every second Monday of the month"),
    (("monthly-weekday", "WE", "3", ""), "FREQ=MONTHLY;BYDAY=3WE",
     "every third Wednesday of the month"),
    (("monthly-weekday", "SA", "4", ""), "FREQ=MONTHLY;BYDAY=4SA",
     "every fourth Saturday of the month"),
    (("monthly-weekday", "FR", "-1", ""), "FREQ=MONTHLY;BYDAY=-1FR",
     "every last Friday of the month"),
    (("monthly-day", "", "", "15"), "FREQ=MONTHLY;BYMONTHDAY=15", "monthly on day 15"),
    (("monthly-day", "", "", "28"), "FREQ=MONTHLY;BYMONTHDAY=28", "monthly on day 28"),
    # QA: day 31 skipped February, April, June, September and November without a word.
    (("monthly-day", "", "", "31"), "FREQ=MONTHLY;BYMONTHDAY=31",
     "monthly on day 31, in the months that have one"),
    (("monthly-day", "", "", "29"), "FREQ=MONTHLY;BYMONTHDAY=29",
     "monthly on day 29, in the months that have one"),
]  # fmt: skip


@pytest.mark.parametrize(("values", "rrule", "text"), CHOICES)
def test_each_choice_builds_its_rule_and_reads_back(values, rrule, text):
    field = RecurrenceField()
    assert field.clean(list(values)) == rrule
    with translation.override("en"):
        assert rrule_describe(rrule) == text


@pytest.mark.parametrize(("values", "rrule", "text"), CHOICES)
def test_a_stored_rule_shows_as_its_picker_choice(values, rrule, text):
    pattern, weekday, ordinal, monthday = values
    shown = RecurrenceField().widget.decompress(rrule)
    assert shown[0] == pattern
    if weekday:
        assert shown[1] == weekday
    if ordinal:
        assert shown[2] == int(ordinal)
    if monthday:
        assert shown[3] == int(monthday)
    # And what the widget shows is cleaned back to the same rule.
    assert RecurrenceField().clean([str(v) if v is not None else "" for v in shown]) == rrule


def test_the_description_is_translated():
    with translation.override("fr"):
        text = rrule_describe("FREQ=MONTHLY;BYDAY=1TH")
    assert "jeudi" in text  # the weekday name comes from Django's own catalogue
    assert "Thursday" not in text
    with translation.override("nl"):
        assert "dinsdag" in rrule_describe("FREQ=WEEKLY;BYDAY=TU")


@pytest.mark.parametrize(
    ("rrule", "text"),
    [
        ("RRULE:FREQ=WEEKLY;BYDAY=TU;WKST=MO", "weekly on Tuesday"),
        ("FREQ=MONTHLY;BYDAY=TH;BYSETPOS=1", "every first Thursday of the month"),
        ("FREQ=WEEKLY;BYDAY=MO,WE", "weekly on Monday, Wednesday"),
        ("FREQ=DAILY", "every day"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "on a custom schedule"),
        ("FREQ=MONTHLY;BYDAY=5TH", "on a custom schedule"),
        ("nonsense", "on a custom schedule"),
        ("", "on a custom schedule"),
    ],
)
def test_hand_written_rules_read_sensibly_and_never_as_raw_text(rrule, text):
    with translation.override("en"):
        assert rrule_describe(rrule) == text


@pytest.mark.parametrize(
    "rrule",
    ["FREQ=WEEKLY;BYDAY=TU;UNTIL=20271231", "FREQ=WEEKLY;INTERVAL=3;BYDAY=TU", "FREQ=DAILY"],
)
def test_rules_the_picker_cannot_express_are_kept_not_rewritten(rrule):
    assert Recurrence.from_rrule(rrule) is None
    field = RecurrenceField()
    field.keep_current(rrule)
    assert field.widget.decompress(rrule)[0] == "current"
    assert field.clean(["current", "", "", ""]) == rrule
    labels = dict(field.widget.widgets[0].choices)
    assert labels["current"].startswith("Keep the current rule")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (["weekly", "", "", ""], "Choose the day of the week."),
        (["monthly-day", "", "", ""], "Choose a day of the month between 1 and 31."),
        (["monthly-day", "", "", "0"], "greater than or equal to 1"),
        (["current", "", "", ""], "Choose how the series repeats."),
        (["", "", "", ""], "Choose how the series repeats."),
        (["yearly", "TU", "", ""], "Select a valid choice."),
        (["monthly-weekday", "TH", "5", ""], "Select a valid choice."),
    ],
)
def test_incomplete_choices_get_a_clear_message(values, message):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        RecurrenceField().clean(values)
    assert any(message in m for m in exc.value.messages)


def test_the_widget_labels_every_part(db):
    from django import forms

    class SeriesLike(forms.Form):
        rrule = RecurrenceField()

    html = str(SeriesLike(initial={"rrule": "FREQ=MONTHLY;BYDAY=1TH"})["rrule"])
    for index, part in enumerate(("pattern", "weekday", "ordinal", "monthday")):
        block = html.split(f'data-recurrence-part="{part}">')[1].split("</div>")[0]
        assert f'<label for="id_rrule_{index}">' in block
        assert f'name="rrule_{part}"' in block
        assert f'id="id_rrule_{index}"' in block
    assert '<option value="monthly-weekday" selected>' in html
    assert '<option value="TH" selected>' in html
    assert '<option value="1" selected>first</option>' in html
    assert 'name="rrule_monthday" min="1"' in html  # no day of the month for this pattern
