"""Stored XSS sweep: member- and organiser-controlled text carrying markup, shown on every
page, as every kind of viewer. No page may give the markup back unescaped."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from collaborations.models import Collaboration
from events.speed_networking import services as networking
from tests.collaborations.conftest import log
from tests.events.factories import EventFactory, RegistrationFactory, SpeakerFactory, kind
from tests.factories import ChapterFactory, CompanyFactory, TermFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db

MARK = "<i id=pwn>"
PAYLOAD = f"Zed{MARK}\"'`x"
RAW = re.compile(r"<i id=pwn>")


@pytest.fixture
def world(organiser, staff):
    company = CompanyFactory(name=f"Acme {PAYLOAD}", slug="acme")
    term = TermFactory(slug="evil-term", name_en=f"term {PAYLOAD}")
    author = make_member(
        f"Author {PAYLOAD}",
        visibility="public",
        headline=f"head {PAYLOAD}",
        bio=f"bio {PAYLOAD}",
        job_title=f"job {PAYLOAD}",
        city=f"city {PAYLOAD}",
        offers_text=f"offers {PAYLOAD}",
        seeks_text=f"seeks {PAYLOAD}",
        company=company,
        skills=[term],
        offers=[term],
        seeks=[term],
    ).user
    other = make_member(f"Other {PAYLOAD}", visibility="public", skills=[term], seeks=[term]).user
    chapter = ChapterFactory(name=f"Chap {PAYLOAD}", slug="chap")
    chapter.organisers.add(organiser)
    now = timezone.now()
    event = EventFactory(
        title=f"Ev {PAYLOAD}",
        slug="ev",
        description=f"desc {PAYLOAD}",
        room=f"room {PAYLOAD}",
        chapter=chapter,
        kind=kind("speed-networking"),
        capacity=None,
        start=now - timedelta(minutes=30),
        end=now + timedelta(hours=2),
    )
    SpeakerFactory(event=event, name=f"Speaker {PAYLOAD}", affiliation=f"Aff {PAYLOAD}")
    people = [author, other] + [UserFactory(name=f"P{i} {PAYLOAD}") for i in range(4)]
    for i, user in enumerate(people):
        RegistrationFactory(event=event, user=user, checked_in_at=now - timedelta(minutes=i))
    RegistrationFactory(event=event, user=None, name=f"Guest {PAYLOAD}", email="guest@example.test")
    networking.networking_plan(event=event, actor=organiser, rounds=2)
    collab = log(
        author,
        other,
        confirm=True,
        title=f"Collab {PAYLOAD}",
        description=f"cdesc {PAYLOAD}",
        origin_type=Collaboration.Origin.EVENT,
        origin_event=event,
        visibility=Collaboration.Visibility.PUBLIC,
        start_date=date(2025, 1, 1),
    )
    return {
        "author": author,
        "other": other,
        "event": event,
        "chapter": chapter,
        "company": company,
        "collab": collab,
        "organiser": organiser,
        "staff": staff,
    }


def _urls(w) -> list[str]:
    ev, ch = w["event"], w["chapter"]
    slug = w["author"].profile.slug
    year = timezone.localdate().year
    names = [
        ("home", {}),
        ("members:directory", {}),
        ("members:profile", {"slug": slug}),
        ("members:company", {"slug": "acme"}),
        ("members:suggestions", {}),
        ("members:my_profile_edit", {}),
        ("members:my_data", {}),
        ("events:list", {}),
        ("events:month_current", {}),
        ("events:mine", {}),
        ("events:detail", {"slug": ev.slug}),
        ("events:check_in", {"slug": ev.slug}),
        ("events:networking:run", {"slug": ev.slug}),
        ("events:networking:projector", {"slug": ev.slug}),
        ("events:networking:print", {"slug": ev.slug}),
        ("events:networking:me", {"slug": ev.slug}),
        ("events:networking:requests", {"slug": ev.slug}),
        ("events:networking:met", {}),
        ("chapters:list", {}),
        ("chapters:detail", {"slug": ch.slug}),
        ("organise:index", {}),
        ("organise:edit", {"slug": ev.slug}),
        ("organise:registrations", {"slug": ev.slug}),
        ("organise:message", {"slug": ev.slug}),
        ("budget:index", {}),
        ("budget:event_costs", {"slug": ev.slug}),
        ("budget:overview", {"year": year}),
        ("budget:chapter_report", {"chapter": ch.slug, "year": year}),
        ("collaborations:list", {}),
        ("collaborations:mine", {}),
        ("collaborations:dashboard", {}),
        ("collaborations:detail", {"pk": w["collab"].pk}),
        ("collaborations:update", {"pk": w["collab"].pk}),
        ("collaborations:create", {}),
        ("api_tokens:list", {}),
    ]
    out = [reverse(name, kwargs=kwargs) for name, kwargs in names]
    out += [
        reverse("members:directory") + "?q=Zed",
        reverse("collaborations:create") + f"?event={ev.pk}&with={w['other'].profile.slug}",
        f"/admin/members/profile/{w['author'].profile.pk}/change/",
        "/admin/members/profile/",
        "/admin/events/event/",
        f"/admin/events/event/{ev.pk}/change/",
        "/admin/events/registration/",
        "/admin/collaborations/collaboration/",
        f"/admin/collaborations/collaboration/{w['collab'].pk}/change/",
    ]
    return out


@pytest.mark.parametrize("who", ["anon", "author", "other", "organiser", "staff"])
def test_no_page_gives_member_markup_back(client, world, who):
    if who != "anon":
        client.force_login(world[who])
    found, escaped = [], 0
    for url in _urls(world):
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8", "replace")
        ctype = response.get("Content-Type", "")
        if RAW.search(text) and ("html" in ctype or not ctype):
            i = text.index(MARK)
            found.append(f"{url} [{response.status_code}] ...{text[max(0, i - 120) : i + 20]!r}")
        assert response.status_code < 500, url
        escaped += "&lt;i id=pwn&gt;" in text
    assert not found, "\n".join(found)
    assert escaped >= 5  # the sweep did see the text, escaped, on the pages it may open
