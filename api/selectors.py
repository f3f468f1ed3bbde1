"""Reads of the API app: a member's tokens, and the queries the endpoints add to the apps'
own selectors."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from events.chapters.selectors import chapters_with_counts
from events.models import Event, EventSeries
from events.selectors import with_counts
from members.models import Chapter

from .models import ApiToken


def tokens_of(*, user) -> QuerySet[ApiToken]:
    """`user`'s tokens, newest first, active ones before revoked ones."""
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at", "-pk")


def tokens_export(user) -> list[dict]:
    """The "my data" section: names and dates, never a hash."""
    return [
        {
            "name": t.name,
            "prefix": t.prefix,
            "created_at": t.created_at.isoformat(),
            "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
            "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
        }
        for t in tokens_of(user=user)
    ]


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min).replace(tzinfo=timezone.get_current_timezone())


def api_events(
    *,
    user,
    kind=None,
    chapter=None,
    space=None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[Event]:
    """Events `user` may see (`Event.objects.visible_to`), soonest first, with the list's
    counts: the upcoming ones, like the event list page, or those starting between
    `date_from` and `date_to` (local dates, both included) when given."""
    qs = Event.objects.visible_to(user).select_related("kind", "space", "chapter")
    qs = qs.upcoming() if date_from is None else qs.filter(start__gte=_local_midnight(date_from))
    if date_to is not None:
        qs = qs.filter(start__lt=_local_midnight(date_to + timedelta(days=1)))
    given = {"kind": kind, "chapter": chapter, "space": space}
    qs = qs.filter(**{name: value for name, value in given.items() if value is not None})
    return with_counts(qs).order_by("start", "pk")


def api_series(*, user) -> QuerySet[EventSeries]:
    """The series of which `user` may see at least one occurrence: the events' own rule."""
    seen = Event.objects.visible_to(user).filter(series=OuterRef("pk"))
    return (
        EventSeries.objects.filter(Exists(seen))
        .select_related("kind", "space", "chapter")
        .order_by("title", "pk")
    )


def api_chapters() -> QuerySet[Chapter]:
    """Every chapter by name, with its host space, organisers and follower count (the chapter
    pages' own selector); who is named is asked per viewer by `chapter_organisers()`."""
    return chapters_with_counts().order_by("name", "pk")
