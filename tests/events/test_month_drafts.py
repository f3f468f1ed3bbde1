"""The month grid: drafts carry a "Draft" badge for those who may see them (staff, the chapter's
organisers) and are never shown to other members."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Event
from tests.factories import ChapterFactory

from .factories import EventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def month(db, organiser):
    chapter = ChapterFactory(name="Charleroi")
    chapter.organisers.add(organiser)
    draft = EventFactory(title="Secret planning lunch", status=Event.Status.DRAFT, chapter=chapter)
    published = EventFactory(title="Open lunch", start=draft.start, chapter=chapter)
    local = timezone.localtime(draft.start)
    url = reverse("events:month", kwargs={"year": local.year, "month": local.month})
    return {"url": url, "draft": draft, "published": published}


def _entry(html: str, title: str) -> str:
    """The grid's link for the event called `title` ("" when it is not in the grid)."""
    found = re.search(r'<a class="month-event[^"]*"[^>]*>(?:(?!</a>).)*' + title, html, re.S)
    if not found:
        return ""
    return html[found.start() : html.index("</a>", found.end()) + 4]


@pytest.mark.parametrize("who", ["staff", "organiser"])
def test_those_who_may_see_a_draft_see_it_marked(client, month, request, who):
    client.force_login(request.getfixturevalue(who))
    html = client.get(month["url"]).content.decode()
    draft = _entry(html, "Secret planning lunch")
    assert draft
    assert "Draft" in draft
    published = _entry(html, "Open lunch")
    assert published
    assert "Draft" not in published


def test_members_never_see_a_draft(client, month, member):
    client.force_login(member)
    html = client.get(month["url"]).content.decode()
    assert "Secret planning lunch" not in html
    assert _entry(html, "Open lunch")
    assert "Draft" not in html
