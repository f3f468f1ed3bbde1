"""Every string the ledger shows can reach the translators, and numbers read as each language
writes them."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from collaborations import charts
from collaborations.selectors import Figure

from .conftest import log

APP = Path(settings.BASE_DIR) / "collaborations"
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy"}
# How `manage.py makemessages` runs xgettext on Python files (Django's own options).
XGETTEXT = [
    "xgettext",
    "--language=Python",
    "--from-code=UTF-8",
    "--keyword=gettext_noop",
    "--keyword=gettext_lazy",
    "--keyword=ngettext_lazy:1,2",
    "--keyword=pgettext:1c,2",
    "--keyword=npgettext:1c,2,3",
    "--keyword=pgettext_lazy:1c,2",
    "--keyword=npgettext_lazy:1c,2,3",
    "--output=-",
]


def _called(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _literal_msgids(path: Path) -> set[str]:
    """The string literals this module hands to a gettext function, wherever they are."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and _called(node) in GETTEXT_NAMES and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value)
    return found


def _extracted(paths: list[Path]) -> set[str]:
    """The msgids makemessages would extract from these files."""
    out = subprocess.run(
        [*XGETTEXT, *map(str, paths)], capture_output=True, text=True, check=True
    ).stdout
    ids, current = set(), None
    for line in out.splitlines():
        if line.startswith("msgid "):
            current = [line[6:]]
        elif current is not None and line.startswith('"'):
            current.append(line)
        elif current is not None:
            ids.add("".join(ast.literal_eval(part) for part in current))
            current = None
    return ids - {""}


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (xgettext)")
def test_makemessages_finds_every_string_of_the_ledger():
    """A call inside an f-string is invisible to xgettext: its string is never translated
    (the graph's title "Network of collaborations" was one)."""
    paths = sorted(p for p in APP.rglob("*.py") if "migrations" not in p.parts)
    wanted = set().union(*(_literal_msgids(p) for p in paths))
    assert "Network of collaborations" in wanted
    assert wanted - _extracted(paths) == set()


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("en", ["€950", "€7.8k", "€8k", "€80k", "€327k", "€1.2M", "1,234"]),
        (
            "fr",
            [
                "950\u00a0€",
                "7,8\u00a0k€",
                "8\u00a0k€",
                "80\u00a0k€",
                "327\u00a0k€",
                "1,2\u00a0M€",
                "1\u00a0234",
            ],
        ),
        (
            "nl",
            [
                "€\u00a0950",
                "€\u00a07,8k",
                "€\u00a08k",
                "€\u00a080k",
                "€\u00a0327k",
                "€\u00a01,2M",
                "1.234",
            ],
        ),
    ],
)
def test_chart_labels_are_written_as_the_language_writes_numbers(language, labels):
    with translation.override(language):
        shown = [charts.euros(v) for v in (950, 7_800, 8_040, 80_000, 327_435, 1_200_000)]
        shown.append(charts.quantity(1234))
    assert shown == labels


@pytest.mark.django_db
def test_the_dashboard_in_french_has_decimal_commas(client, member, other_member):
    log(member, other_member, confirm=True, title="IT-dag", value_eur=Decimal("7800"))
    body = client.get("/collaborations/dashboard/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "7,8\u00a0k€" in body
    assert not re.search(r"\d+\.\d+\s*k", body)
    figures = [Figure("it", "IT", 1, Decimal("7800"))]
    with translation.override("fr"):
        assert charts.hbars(figures, attr="volume")["rows"][0]["display"] == "7,8\u00a0k€"


@pytest.mark.parametrize(
    ("language", "tooltip"),
    [
        ("en", "Journée IT: €7.8k"),
        ("fr", "Journée IT\u00a0: 7,8\u00a0k€"),
        ("nl", "Journée IT: €\u00a07,8k"),
    ],
)
def test_a_bar_s_tooltip_is_written_as_the_language_writes_a_label_and_its_value(language, tooltip):
    figures = [Figure("it", "Journée IT", 1, Decimal("7800"))]
    with translation.override(language):
        bars = charts.hbars_svg(charts.hbars(figures, attr="volume"), title="t", empty="—")
        columns = charts.columns_svg(
            charts.columns(figures, attr="volume"), title="t", color="#000", empty="—"
        )
    assert f"<title>{tooltip}</title>" in bars
    assert f"<title>{tooltip}</title>" in columns
