"""Following a chapter: the services behind the chapter page's follow/unfollow button.

Who follows a chapter is a members concern (the people), so these live here; the events app
reads `Chapter.followers` when it announces a new chapter event
(`events.services.announcements.chapter_announcement_write`).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Chapter, User


def _check_may_follow(user: User) -> None:
    if user is None or not user.is_active or not user.has_perm("members.follow_chapter"):
        raise PermissionDenied(_("Log in to follow a chapter."))


@transaction.atomic
def chapter_follow(*, chapter: Chapter, user: User) -> bool:
    """Make `user` a follower of `chapter`; return whether they were not one already.

    Idempotent: following twice leaves one follow. Raises PermissionDenied for anyone who is
    not an active member (`members.follow_chapter`).
    """
    _check_may_follow(user)
    follows = Chapter.followers.through.objects.filter(chapter_id=chapter.pk, user_id=user.pk)
    if follows.exists():
        return False
    # add() skips a row a concurrent request inserted meanwhile (no IntegrityError).
    chapter.followers.add(user)
    return True


@transaction.atomic
def chapter_unfollow(*, chapter: Chapter, user: User) -> bool:
    """Stop `user` following `chapter`; return whether they followed it.

    Idempotent: unfollowing a chapter one does not follow changes nothing.
    """
    if user is None or not user.is_authenticated:
        return False
    if not Chapter.followers.through.objects.filter(
        chapter_id=chapter.pk, user_id=user.pk
    ).exists():
        return False
    chapter.followers.remove(user)
    return True
