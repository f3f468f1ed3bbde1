"""The demo world's collaborations: the article's stories are there, and seeding is idempotent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from collaborations.models import Collaboration
from collaborations.selectors import awaiting_staff_q, events_attended_by
from members.demo import demo_seeders, new_world

pytestmark = pytest.mark.django_db


def _seed():
    world = new_world(members=60, log=lambda line: None)
    for _, _, seed in demo_seeders():
        seed(world)


def test_stories_are_seeded_once():
    _seed()
    count = Collaboration.objects.count()
    raise_ = Collaboration.objects.get(title="€100,000 raised through Ayomi")
    assert raise_.value_eur == Decimal("100000")
    assert raise_.origin_event.kind.slug == "betacooks"
    assert raise_.is_confirmed
    # Each story's author attended the event it began at, as the ledger counts attendance.
    for collab in Collaboration.objects.filter(origin_event__isnull=False, author__isnull=False):
        assert collab.origin_event in events_attended_by(user=collab.author), collab.title
    coaching = Collaboration.objects.get(title="Corporate coaching programme")
    assert coaching.origin_event.kind.slug == "speed-networking"
    buyout = Collaboration.objects.get(title="Buyout of Betacowork")
    assert {p.role for p in buyout.participants.all()} == {"buyer", "seller"}
    homeexchange = Collaboration.objects.get(title="Homeexchange's French-speaking market")
    assert homeexchange.participants.get(company__name="Homeexchange").verified_by.is_staff
    # Katia has one to confirm (the home-page notice of the demo).
    pending = Collaboration.objects.get(title="Portfolio translated into English")
    assert pending.participants.get(user__email="katia@betacowork.test").state == "pending"
    # And staff one to verify (their queue: a company no member speaks for).
    waiting = Collaboration.objects.filter(awaiting_staff_q())
    assert list(waiting.values_list("title", flat=True)) == ["Investor deck translated for Ayomi"]
    assert 15 <= Collaboration.objects.confirmed().count() <= 45

    _seed()
    assert Collaboration.objects.count() == count


def test_generated_titles_read_naturally_and_are_unique():
    _seed()
    titles = list(Collaboration.objects.values_list("title", flat=True))
    assert not [t for t in titles if "(#" in t]
    assert len(titles) == len(set(titles))


def test_a_database_seeded_with_the_old_numbered_titles_gets_no_duplicates(monkeypatch):
    from collaborations.demo import generated as demo

    calls = iter(range(1, demo.GENERATED_COUNT + 1))

    def old_title(kind, phrase, partner, start, taken):
        return f"{phrase} {partner} (#{next(calls)})"  # what earlier versions wrote

    monkeypatch.setattr(demo, "_natural_title", old_title)
    _seed()
    count = Collaboration.objects.count()
    assert Collaboration.objects.filter(title__contains="(#").count() >= 20
    monkeypatch.undo()

    _seed()
    assert Collaboration.objects.count() == count
    assert not Collaboration.objects.filter(title__contains="(#").exists()
