"""The shipped catalogues as a reader meets them: French typography's non-breaking spaces."""

from __future__ import annotations

import functools
import gettext
import re

import pytest
from django.conf import settings
from django.utils import translation

FRENCH = settings.BASE_DIR / "locale" / "fr" / "LC_MESSAGES" / "django.mo"
# A plain space where French puts a non-breaking one: before ":" ";" "?" "!" and "»", after "«"
# (a line may break there, leaving the colon or the quote mark alone at the start of a line).
BREAKABLE = re.compile(r" [:;?!»]|« ")
# A guillemet with no space at all inside it.
UNSPACED = re.compile(r"«[^\u00a0\u202f]|[^\u00a0\u202f]»")
# No space at all: "Avant: …" (a word, the sign, then a space or the end). An HTTP header
# quoted as code is written as it is sent.
GLUED = re.compile(r"[^\W\d_][:;?!](?=\s|$)")
CODE = ("Authorization: Bearer",)


def _translations(path) -> list[str]:
    with open(path, "rb") as mo:
        catalog = gettext.GNUTranslations(mo)._catalog
    return [text for key, text in catalog.items() if key and text]


def test_french_puts_non_breaking_spaces_before_double_punctuation_and_inside_guillemets():
    translations = _translations(FRENCH)
    assert len(translations) > 1000
    assert sum("\u00a0:" in text for text in translations) > 100  # the check reads real text
    wrong = [
        text
        for text in translations
        if BREAKABLE.search(text)
        or UNSPACED.search(text)
        or GLUED.search(functools.reduce(lambda t, code: t.replace(code, ""), CODE, text))
    ]
    assert not wrong, wrong[:10]


def test_a_cancelled_registration_and_a_cancelled_event_agree_with_their_noun_in_french():
    from events.models import Event, Registration

    with translation.override("fr"):
        assert str(Registration.Status.CANCELLED.label) == "Annulée"  # une inscription
        assert str(Registration.Status.CONFIRMED.label) == "Confirmée"
        assert str(Event.Status.CANCELLED.label) == "Annulé"  # un événement


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("en", "Betacowork admin"),
        ("fr", "Administration de Betacowork"),
        ("nl", "Betacowork-beheer"),
    ],
)
def test_the_admin_s_window_title_is_in_the_staff_member_s_language(client, staff, language, title):
    staff.preferred_language = language
    staff.save(update_fields=["preferred_language"])
    client.force_login(staff)
    page = client.get("/admin/").content.decode()
    assert re.search(rf"<title>[^<]*\| {title}</title>", page), page[:400]


def test_french_abbreviates_every_month_as_french_does():
    from datetime import date

    from django.utils.formats import date_format

    with translation.override("fr"):
        shown = [date_format(date(2027, m, 6), "ABBR_DAY_MONTH_FORMAT") for m in range(1, 13)]
    assert shown == [
        f"6 {month}"
        for month in (
            "janv.", "févr.", "mars", "avr.", "mai", "juin",
            "juil.", "août", "sept.", "oct.", "nov.", "déc.",
        )
    ]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "english"),
    [
        ("/admin/", "Change or view list link"),
        ("/admin/members/user/add/", "After you\u2019ve created a user"),
    ],
)
def test_the_admin_has_no_english_left_in_dutch(client, staff, path, english):
    """QA: Django's Dutch catalogue lacks a few of its admin's strings (every model table's
    "Change or view list link"); ours supplies them (betacowork/admin_catalogue.py)."""
    staff.is_superuser = True
    staff.save(update_fields=["is_superuser"])
    client.force_login(staff)
    client.cookies["betacowork_language"] = "nl"
    page = client.get(path).content.decode()
    assert english not in page
