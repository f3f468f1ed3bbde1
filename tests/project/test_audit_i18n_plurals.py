"""Counted labels take the count's plural form (i18n audit): the home page's community figures
and the dashboard's figures wrote a number beside a fixed plural label — "1 members",
"1 coworkers at Twelve, Kortrijk", "1 confirmed collaborations" — in every language, since a
catalogue cannot give "1 membre" for a msgid that has no singular."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from tests.collaborations.conftest import log

pytestmark = pytest.mark.django_db


def _stats(html: str) -> list[str]:
    """Each figure of a `stats` list as it reads: "1 member"."""
    items = re.findall(r"<li><strong>(.*?)</li>", html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", i).split()) for i in items]


class _Space:
    name, city = "Twelve", "Kortrijk"

    def __init__(self, count):
        self.member_count = count

    def get_absolute_url(self):
        return "/spaces/twelve/"


def _community(members: int, coworkers: int) -> list[str]:
    panel = {"figures": {"members": members, "spaces": [_Space(coworkers)]}}
    with translation.override("en"):
        return _stats(render_to_string("members/_home_community.html", {"panel": panel}))


def test_the_community_figures_say_one_member():
    assert _community(1, 1) == ["1 member", "1 coworker at Twelve, Kortrijk"]


def test_the_community_figures_say_many_members():
    assert _community(1234, 2) == ["1,234 members", "2 coworkers at Twelve, Kortrijk"]


def _dashboard(client) -> list[str]:
    with translation.override("en"):
        html = client.get(reverse("collaborations:dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    return _stats(html.content.decode().split('class="stats collab-stats"', 1)[1].split("</ul>")[0])


def test_the_dashboard_figures_say_one_collaboration(client, member, other_member):
    log(member, other_member, confirm=True)
    shown = _dashboard(client)
    assert "1 confirmed collaboration" in shown, shown
    assert "2 members involved" in shown, shown


def test_the_dashboard_figures_say_many_collaborations(client, member, other_member):
    log(member, other_member, confirm=True)
    log(other_member, member, confirm=True, title="Logo")
    assert "2 confirmed collaborations" in _dashboard(client)


@pytest.mark.parametrize(("count", "label"), [(1, "participation"), (2, "participations")])
def test_my_events_counts_attendance_in_the_counts_form(count, label):
    """/events/mine/ in French said "1 participations : Speed networking"."""
    rows = [{"count": count, "kind": "Speed networking"}]
    with translation.override("fr"):
        html = render_to_string("events/my_events.html", {"attendance": rows})
    assert _stats(html) == [f"{count} {label} : Speed networking"]  # spaces made plain
