"""Reads of the chapter pages, each with the joins its page needs: a constant number of
queries whatever the number of chapters, organisers, followers or events."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.utils import timezone

from members.models import Chapter, User
from members.selectors import profiles_in_places

from ..models import Event
from ..selectors import with_counts

DIASPORA_SHOWN = 24
UPCOMING_SHOWN = 10
PAST_PER_PAGE = 10


@dataclass(frozen=True)
class Organiser:
    name: str
    url: str


@dataclass
class Organisers:
    """The organisers `viewer` may know of: named (with their profile's link) when the
    viewer may see their profile (`members.view_profile`), else only counted."""

    named: list[Organiser] = field(default_factory=list)
    unnamed: int = 0

    @property
    def total(self) -> int:
        return len(self.named) + self.unnamed


def _organisers_prefetch() -> Prefetch:
    people = (
        User.objects.filter(is_active=True)  # a deactivated account organises nothing
        .select_related("profile")
        .only(
            "pk",
            "name",
            "profile__id",
            "profile__user",
            "profile__slug",
            "profile__display_name",
            "profile__visibility",
        )
        .order_by("name", "pk")
    )
    return Prefetch("organisers", queryset=people, to_attr="organiser_list")


def chapters_with_counts() -> QuerySet[Chapter]:
    """Chapters with their host space, organisers and `follower_count`."""
    return (
        Chapter.objects.select_related("space")
        .annotate(follower_count=Count("followers", filter=Q(followers__is_active=True)))
        .prefetch_related(_organisers_prefetch())
    )


def chapter_list(*, user) -> list[Chapter]:
    """Every chapter (active ones first, then those in discussion), each with its host space,
    organisers, `follower_count`, `followed` (whether `user` follows it) and `next_events`:
    its next event `user` may see (a list of at most one; a cancelled event is not "next": it
    will not happen). Three queries."""
    next_event = (
        Event.objects.visible_to(user)
        .upcoming()
        .exclude(status=Event.Status.CANCELLED)
        .select_related("kind", "space")
        .order_by("start", "pk")[:1]
    )
    if user is not None and user.is_authenticated:
        followed = Exists(
            Chapter.followers.through.objects.filter(chapter_id=OuterRef("pk"), user_id=user.pk)
        )
    else:
        followed = Value(False)
    return list(
        chapters_with_counts()
        .annotate(followed=followed)
        .prefetch_related(Prefetch("events", queryset=next_event, to_attr="next_events"))
        .order_by("status", "name")  # "active" sorts before "planned" (in discussion)
    )


def chapter_organisers(*, chapter: Chapter, viewer) -> Organisers:
    """The organisers of a chapter from `chapters_with_counts()`, as `viewer` may see them
    (no query: the visibility rule is asked of the prefetched profiles)."""
    out = Organisers()
    for person in chapter.organiser_list:
        profile = getattr(person, "profile", None)
        if profile is not None and viewer.has_perm("members.view_profile", profile):
            out.named.append(Organiser(profile.display_name, profile.get_absolute_url()))
        else:
            out.unnamed += 1
    return out


def _chapter_events(*, chapter: Chapter, user) -> QuerySet[Event]:
    return with_counts(
        Event.objects.visible_to(user)
        .filter(chapter=chapter)
        .select_related("kind", "space", "chapter")
    )


def chapter_upcoming_events(*, chapter: Chapter, user, now=None) -> QuerySet[Event]:
    """The chapter's events `user` may see that have not ended, soonest first."""
    return _chapter_events(chapter=chapter, user=user).upcoming(now).order_by("start", "pk")


def chapter_past_events(*, chapter: Chapter, user, now=None) -> QuerySet[Event]:
    """The chapter's events `user` may see that have ended, latest first."""
    now = now or timezone.now()
    return (
        _chapter_events(chapter=chapter, user=user).filter(end__lte=now).order_by("-start", "-pk")
    )


def chapter_next_event(*, chapter: Chapter, now=None) -> Event | None:
    """The chapter's next published event that has not started: the one its region is
    told about."""
    return (
        Event.objects.filter(
            chapter=chapter, status=Event.Status.PUBLISHED, start__gt=now or timezone.now()
        )
        .select_related("kind", "space", "chapter")
        .order_by("start", "pk")
        .first()
    )


def chapter_diaspora(
    *, chapter: Chapter, viewer, limit: int | None = DIASPORA_SHOWN
) -> tuple[list, int]:
    """(cards, how many) of the people `viewer` may see who live in the chapter's region
    (`Chapter.place_list`) but belong to another space than its host: from the directory's
    search rows (`members.selectors.profiles_in_places`)."""
    return profiles_in_places(
        viewer=viewer, places=chapter.place_list, exclude_space_id=chapter.space_id, limit=limit
    )


def is_following(*, chapter: Chapter, user) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return Chapter.followers.through.objects.filter(chapter_id=chapter.pk, user_id=user.pk).exists()
