"""Calendar feeds as the site offers them: their names and their links.

Every feed is offered twice, by one include (`events/_feed_links.html`) fed by `FeedLink`:
a `webcal://` address to subscribe to (the calendar app keeps it up to date) and the same
address over http(s) to download once or paste into a calendar that asks for a URL.

The feeds themselves: `events:feed` (public events, filtered by `chapter`, `kind` and
`space` slugs: a chapter's feed, a kind's feed, a space's feed) and `events:personal_feed`
(a member's registrations, behind their secret token). Their content is `events.ics`.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

SITE_NAME = "Betacowork"


@dataclass(frozen=True)
class FeedLink:
    """One feed as a page offers it: its name, where to subscribe, where to download."""

    key: str  # unique on a page: element ids and test hooks
    title: str
    download: str  # http(s)://…/feed.ics
    webcal: str  # webcal://…/feed.ics


def feed_title(*, chapter=None, kind=None, space=None) -> str:
    """The calendar's name in people's apps: "Betacowork events", "BetaGroup Charleroi",
    "Betacowork — Speed Networking", "BetaGroup Charleroi — Switch IT day"…"""
    if not (chapter or kind or space):
        return _("Betacowork events")
    parts = [chapter.name if chapter else SITE_NAME]
    for part in (kind.name if kind else "", space.name if space else ""):
        if part and part not in parts:
            parts.append(part)
    return " — ".join(parts)


def personal_feed_title() -> str:
    return _("My Betacowork events")


def feed_link(request, path: str, *, key: str, title: str) -> FeedLink:
    """The pair for the feed at `path`, on the host and scheme the page was asked with."""
    download = request.build_absolute_uri(path)
    return FeedLink(
        key=key,
        title=title,
        download=download,
        webcal="webcal://" + download.split("://", 1)[1],
    )


def public_feed_path(*, chapter=None, kind=None, space=None) -> str:
    params = [
        (name, row.slug)
        for name, row in (("chapter", chapter), ("kind", kind), ("space", space))
        if row is not None
    ]
    path = reverse("events:feed")
    return f"{path}?{urlencode(params)}" if params else path


def public_feed_link(request, *, chapter=None, kind=None, space=None, key: str = "") -> FeedLink:
    """A public feed: everything, or one chapter's, one kind's, one space's (or a mix)."""
    if not key:
        rows = (("chapter", chapter), ("kind", kind), ("space", space))
        key = "-".join(f"{name}-{row.slug}" for name, row in rows if row) or "all"
    return feed_link(
        request,
        public_feed_path(chapter=chapter, kind=kind, space=space),
        key=f"feed-{key}",
        title=feed_title(chapter=chapter, kind=kind, space=space),
    )


def personal_feed_link(request, token: str) -> FeedLink:
    path = reverse("events:personal_feed", kwargs={"token": token})
    return feed_link(request, path, key="feed-personal", title=personal_feed_title())
