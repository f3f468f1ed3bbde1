"""Writes of the chapter pages that are an events concern: telling a chapter's region about
its next event. (Following a chapter is `members.chapters`.)"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from betacowork.messaging import notify
from betacowork.messaging.outbox import outbox_existing_keys
from members.models import Chapter, User, Visibility

from ..models import Event, Registration
from ..services import absolute_url
from ..services.common import verified_addresses
from .messages import ChapterInvitation, invitation_key
from .selectors import chapter_diaspora, chapter_next_event


def _invitees(*, chapter: Chapter, event: Event, actor) -> list[User]:
    """The chapter's diaspora as members see it (never a hidden profile, whoever asks), less
    those who already know: registered for the event, following the chapter (its
    announcement told them), or organising it (the one asking included)."""
    cards, _total = chapter_diaspora(chapter=chapter, viewer=actor, limit=None)
    registered = Registration.objects.active().filter(event=event, user__isnull=False)
    return list(
        User.objects.filter(profile__pk__in=[card.pk for card in cards], is_active=True)
        .exclude(profile__visibility=Visibility.HIDDEN)
        .exclude(pk__in=registered.values("user_id"))
        .exclude(followed_chapters=chapter)
        .exclude(organised_chapters=chapter)
        .exclude(pk=actor.pk)
        .order_by("pk")
    )


@transaction.atomic
def chapter_diaspora_invite(*, chapter: Chapter, actor) -> int:
    """Invite the chapter's region working elsewhere to its next published upcoming event
    (`chapter_next_event()`); return how many people were newly invited.

    One outbox message per person (`ChapterInvitation`), in their language, written in this
    transaction; only to verified addresses, never to someone who turned regional
    invitations off, and once per event and person (its de-duplication key): clicking
    twice invites nobody twice. Raises PermissionDenied unless `actor` may organise the
    chapter (`members.organise_chapter`), ValidationError when it has no upcoming event.
    """
    if actor is None or not actor.has_perm("members.organise_chapter", chapter):
        raise PermissionDenied(_("Only staff and the chapter's organisers can do this."))
    event = chapter_next_event(chapter=chapter)
    if event is None:
        raise ValidationError(
            _("%(chapter)s has no published upcoming event: there is nothing to invite to.")
            % {"chapter": chapter.name}
        )
    people = _invitees(chapter=chapter, event=event, actor=actor)
    keys = {user.pk: invitation_key(event_id=event.pk, user_id=user.pk) for user in people}
    known = outbox_existing_keys(keys.values())
    people = [user for user in people if keys[user.pk] not in known]
    verified = verified_addresses(user.pk for user in people)
    context = {
        "event": event,
        "chapter": chapter,
        "start": timezone.localtime(event.start),
        "place": event.place,
        "event_url": absolute_url(event.get_absolute_url()),
        "chapter_url": absolute_url(chapter.get_absolute_url()),
    }
    invited = 0
    for user in people:
        if (user.pk, user.email.lower()) not in verified:
            continue  # like chapter announcements: only to addresses that are verified
        if notify(
            kind=ChapterInvitation.key,
            recipient=user,
            context=context,
            dedup_key=keys[user.pk],
            topic=f"event:{event.pk}",
        ):
            invited += 1
    return invited
