"""A deactivated account organises no chapter, as it is never staff (members/rules.py): it
cannot log in, but a user object read before it was closed, a command or a service given it
as `actor` still asks the rules."""

from __future__ import annotations

import pytest

from events.models import Event
from members.models import Chapter, User
from members.rules import chapter_organiser_q, may_organise_chapter
from tests.events.factories import EventFactory
from tests.factories import ChapterFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chapter_and_organiser():
    chapter = ChapterFactory()
    organiser = UserFactory(name="Norman Organiser")
    chapter.organisers.add(organiser)
    return chapter, organiser


def _as_read_again(user) -> User:
    return User.objects.get(pk=user.pk)  # nothing cached from an earlier question


def test_an_active_organiser_organises_their_chapter(chapter_and_organiser):
    chapter, organiser = chapter_and_organiser
    organiser = _as_read_again(organiser)
    assert may_organise_chapter(organiser, chapter)
    assert list(Chapter.objects.filter(chapter_organiser_q(organiser))) == [chapter]
    event = EventFactory(chapter=chapter)
    assert organiser.has_perm("events.change_event", event)


def test_a_deactivated_organiser_organises_nothing(chapter_and_organiser):
    chapter, organiser = chapter_and_organiser
    User.objects.filter(pk=organiser.pk).update(is_active=False)
    organiser = _as_read_again(organiser)
    assert not may_organise_chapter(organiser, chapter)
    assert not Chapter.objects.filter(chapter_organiser_q(organiser)).exists()
    event = EventFactory(chapter=chapter)
    assert not organiser.has_perm("events.change_event", event)
    assert not Event.objects.filter(chapter_organiser_q(organiser, field="chapter_id")).exists()
